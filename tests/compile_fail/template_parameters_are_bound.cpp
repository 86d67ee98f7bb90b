// SPDX-License-Identifier: BSL-1.0
// A {name} in the template that no handler parameter binds.
// expect-rule: template_parameters_are_bound
// expect-message: has no parameter
// expect-name: "GET /documents/{id}"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = compile_fail::make(clearance::get<"/documents/{id}">(
#ifdef CLEARANCE_TEST_BROKEN
        [](clearance::authenticated) {
#else
        [](clearance::authenticated, clearance::path<"id", long>) {
#endif
            return compile_fail::ok();
        }));
    (void)s;
}
