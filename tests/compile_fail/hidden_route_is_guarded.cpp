// SPDX-License-Identifier: BSL-1.0
// A public route marked hidden: there is nothing to hide it behind.
// expect-rule: hidden_route_is_guarded
// expect-message: a public route cannot be hidden
// expect-name: "GET /status"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = compile_fail::make(clearance::get<"/status">(
#ifdef CLEARANCE_TEST_BROKEN
        [](clearance::hidden, clearance::public_route) {
#else
        [](clearance::hidden, clearance::granted<compile_fail::read>) {
#endif
            return compile_fail::ok();
        }));
    (void)s;
}
