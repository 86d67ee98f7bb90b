// SPDX-License-Identifier: BSL-1.0
// Templates that match the same request path under one method:
// "/users/{id}" and "/users/{name}", "/users/{id}" and "/users/me", or
// "/users/{id}" and the catch-all "/users/{name...}".
// expect-rule: routes_do_not_overlap
// expect-variants: 3
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
#elif CLEARANCE_TEST_BROKEN == 2
        clearance::get<"/users/me">(
#else
        clearance::get<"/users/{name...}">(
#endif
#if !defined(CLEARANCE_TEST_BROKEN) || CLEARANCE_TEST_BROKEN != 2
            [](clearance::authenticated, clearance::path<"name">) {
#else
            [](clearance::authenticated) {
#endif
                return compile_fail::ok();
            }));
    (void)s;
}
