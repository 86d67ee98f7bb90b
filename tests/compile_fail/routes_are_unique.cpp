// SPDX-License-Identifier: BSL-1.0
// Two routes with the same method and path.
// expect-rule: routes_are_unique
// expect-message: two routes have the same method and path template
// expect-name: "GET /documents"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = compile_fail::make(
        clearance::get<"/documents">(
            [](clearance::authenticated) { return compile_fail::ok(); }),
#ifdef CLEARANCE_TEST_BROKEN
        clearance::get<"/documents">(
#else
        clearance::post<"/documents">(
#endif
            [](clearance::granted<compile_fail::write>) {
                return compile_fail::ok();
            }));
    (void)s;
}
