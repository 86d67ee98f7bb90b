// SPDX-License-Identifier: BSL-1.0
// A template that names one parameter twice.
// expect-rule: template_parameters_are_unique
// expect-message: names one parameter twice
// expect-name: "GET /a/{id}/b/{id}"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
#ifdef CLEARANCE_TEST_BROKEN
    auto s = compile_fail::make(clearance::get<"/a/{id}/b/{id}">(
#else
    auto s = compile_fail::make(clearance::get<"/a/{id}/b/{other}">(
        [](clearance::authenticated, clearance::path<"id", long>,
           clearance::path<"other", long>) { return compile_fail::ok(); }));
    auto t = compile_fail::make(clearance::get<"/a/{id}">(
#endif
        [](clearance::authenticated, clearance::path<"id", long>) {
            return compile_fail::ok();
        }));
    (void)s;
#ifndef CLEARANCE_TEST_BROKEN
    (void)t;
#endif
}
