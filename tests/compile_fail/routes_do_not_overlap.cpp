// SPDX-License-Identifier: BSL-1.0
// Templates that match the same request path under one method:
// "/users/{id}" and "/users/{name}", or "/users/{id}" and "/users/me".
// expect-rule: routes_do_not_overlap
// expect-variants: 2
// expect-message: match the same request path
// expect-name: "GET /users/{id}"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = compile_fail::make(
        clearance::get<"/users/{id}">(
            [](clearance::authenticated, clearance::path<"id", long>) {
                return compile_fail::ok();
            }),
#if !defined(CLEARANCE_TEST_BROKEN)
        clearance::get<"/users/by-name/{name}">(
#elif CLEARANCE_TEST_BROKEN == 1
        clearance::get<"/users/{name}">(
#else
        clearance::get<"/users/me">(
#endif
#if !defined(CLEARANCE_TEST_BROKEN) || CLEARANCE_TEST_BROKEN == 1
            [](clearance::authenticated, clearance::path<"name">) {
#else
            [](clearance::authenticated) {
#endif
                return compile_fail::ok();
            }));
    (void)s;
}
