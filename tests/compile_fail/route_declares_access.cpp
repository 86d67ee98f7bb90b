// SPDX-License-Identifier: BSL-1.0
// A route whose handler declares no access: denied by default.
// expect-rule: route_declares_access
// expect-message: the route's handler declares no access requirement
// expect-name: "GET /health"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = compile_fail::make(clearance::get<"/health">(
#ifdef CLEARANCE_TEST_BROKEN
        [](clearance::request_context const&) {
#else
        [](clearance::public_route, clearance::request_context const&) {
#endif
            return compile_fail::ok();
        }));
    (void)s;
}
