// SPDX-License-Identifier: BSL-1.0
// A handler marked public that also requires a permission.
// expect-rule: route_access_is_consistent
// expect-message: is marked clearance::public_route and also requires access
// expect-name: "GET /reports"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = compile_fail::make(clearance::get<"/reports">(
#ifdef CLEARANCE_TEST_BROKEN
        [](clearance::public_route, clearance::granted<compile_fail::read>) {
#else
        [](clearance::granted<compile_fail::read>) {
#endif
            return compile_fail::ok();
        }));
    (void)s;
}
