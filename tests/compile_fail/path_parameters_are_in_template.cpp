// SPDX-License-Identifier: BSL-1.0
// A typed path parameter that the template does not contain.
// expect-rule: path_parameters_are_in_template
// expect-message: names no {name} of its path template
// expect-name: "GET /documents/{id}"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = compile_fail::make(clearance::get<"/documents/{id}">(
#ifdef CLEARANCE_TEST_BROKEN
        [](clearance::authenticated, clearance::path<"id", long>,
           clearance::path<"version", long>) {
#else
        [](clearance::authenticated, clearance::path<"id", long>) {
#endif
            return compile_fail::ok();
        }));
    (void)s;
}
