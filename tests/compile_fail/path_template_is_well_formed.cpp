// SPDX-License-Identifier: BSL-1.0
// Malformed templates: no leading "/", an empty segment, an unbalanced
// "{", an empty "{}", a parameter that is not a whole segment.
// expect-rule: path_template_is_well_formed
// expect-variants: 5
// expect-message: the route's path template is malformed
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

#ifndef CLEARANCE_TEST_BROKEN
#define TEMPLATE "/documents/{id}"
#elif CLEARANCE_TEST_BROKEN == 1
#define TEMPLATE "documents/{id}"
#elif CLEARANCE_TEST_BROKEN == 2
#define TEMPLATE "/documents//{id}"
#elif CLEARANCE_TEST_BROKEN == 3
#define TEMPLATE "/documents/{id"
#elif CLEARANCE_TEST_BROKEN == 4
#define TEMPLATE "/documents/{}"
#else
#define TEMPLATE "/documents/x{id}"
#endif

int main() {
    auto s = compile_fail::make(clearance::get<TEMPLATE>(
        [](clearance::authenticated, clearance::path<"id", long>) {
            return compile_fail::ok();
        }));
    (void)s;
}
