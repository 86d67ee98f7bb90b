// SPDX-License-Identifier: BSL-1.0
// A handler parameter that the guard cannot provide.
// expect-rule: handler_parameters_are_known
// expect-message: is neither a requirement
// expect-name: "GET /x"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = compile_fail::make(clearance::get<"/x">(
#ifdef CLEARANCE_TEST_BROKEN
        [](clearance::authenticated, int) {
#else
        [](clearance::authenticated) {
#endif
            return compile_fail::ok();
        }));
    (void)s;
}
