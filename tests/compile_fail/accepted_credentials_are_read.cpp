// SPDX-License-Identifier: BSL-1.0
// A route that accepts API keys in a service whose authenticator reads
// none: no caller could ever be authenticated on it.
// expect-rule: accepted_credentials_are_read
// expect-message: does not read
// expect-name: "GET /jobs"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = compile_fail::make(clearance::get<"/jobs">(
#ifdef CLEARANCE_TEST_BROKEN
        [](clearance::accepts<clearance::api_keys>, clearance::authenticated) {
#else
        // An authenticator without a credential_kind is its own kind.
        [](clearance::accepts<compile_fail::nobody>, clearance::authenticated) {
#endif
            return compile_fail::ok();
        }));
    (void)s;
}
