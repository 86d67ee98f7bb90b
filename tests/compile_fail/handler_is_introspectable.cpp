// SPDX-License-Identifier: BSL-1.0
// A generic lambda: its parameter types cannot be read.
// expect-rule: handler_is_introspectable
// expect-message: the route's handler cannot be read
// expect-name: "GET /x"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = compile_fail::make(clearance::get<"/x">(
#ifdef CLEARANCE_TEST_BROKEN
        [](auto) {
#else
        [](clearance::authenticated) {
#endif
            return compile_fail::ok();
        }));
    (void)s;
}
