// SPDX-License-Identifier: BSL-1.0
// An owned<> resource that both conceals and reveals.
// expect-rule: owned_options_are_valid
// expect-message: the options of an owned<...> parameter
// expect-name: "GET /documents/{id}"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = compile_fail::make(clearance::get<"/documents/{id}">(
#ifdef CLEARANCE_TEST_BROKEN
        [](clearance::owned<compile_fail::doc, compile_fail::owns,
                            clearance::conceal, clearance::reveal>) {
#else
        [](clearance::owned<compile_fail::doc, compile_fail::owns,
                            clearance::reveal>) {
#endif
            return compile_fail::ok();
        }));
    (void)s;
}
