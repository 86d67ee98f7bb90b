// SPDX-License-Identifier: BSL-1.0
// A public route that names the credentials it accepts: it reads none.
// expect-rule: accepted_credentials_are_checked
// expect-message: authenticates no one
// expect-name: "GET /status"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = compile_fail::make(clearance::get<"/status">(
#ifdef CLEARANCE_TEST_BROKEN
        [](clearance::accepts<compile_fail::nobody>, clearance::public_route) {
#else
        [](clearance::accepts<compile_fail::nobody>, clearance::authenticated) {
#endif
            return compile_fail::ok();
        }));
    (void)s;
}
