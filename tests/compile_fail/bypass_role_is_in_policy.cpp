// SPDX-License-Identifier: BSL-1.0
// A bypass role that the policy does not list.
// expect-rule: bypass_role_is_in_policy
// expect-message: is not a role of the policy
// expect-name: "auditor"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

struct auditor : clearance::role<"auditor"> {};

#ifdef CLEARANCE_TEST_BROKEN
using bypassing = auditor;
#else
using bypassing = compile_fail::writer;
#endif

int main() {
    auto s = compile_fail::make(clearance::get<"/documents/{id}">(
        [](clearance::owned<compile_fail::doc, compile_fail::owns,
                            clearance::bypass<bypassing>>) {
            return compile_fail::ok();
        }));
    (void)s;
}
