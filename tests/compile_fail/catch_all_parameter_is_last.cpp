// SPDX-License-Identifier: BSL-1.0
// A catch-all parameter that is not the last segment of its template,
// or a template with two of them.
// expect-rule: catch_all_parameter_is_last
// expect-variants: 2
// expect-message: must be the template's last segment
// expect-name: "GET /files/{path...}/
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

#if !defined(CLEARANCE_TEST_BROKEN)
#define TEMPLATE "/files/{kind}/{path...}"
#elif CLEARANCE_TEST_BROKEN == 1
#define TEMPLATE "/files/{path...}/{kind}"
#else
#define TEMPLATE "/files/{path...}/{kind...}"
#endif

int main() {
    auto s = compile_fail::make(clearance::get<TEMPLATE>(
        [](clearance::authenticated, clearance::path<"kind">,
           clearance::path<"path">) { return compile_fail::ok(); }));
    (void)s;
}
