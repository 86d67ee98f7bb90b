// SPDX-License-Identifier: BSL-1.0
// A route requiring a permission no role grants: it could never be
// reached.
// expect-rule: permission_is_granted_by_a_role
// expect-message: no role of the policy grants
// expect-name: "docs:purge"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

#ifdef CLEARANCE_TEST_BROKEN
using purge = clearance::permission<"docs:purge">;
#else
using purge = compile_fail::write;
#endif

int main() {
    auto s = compile_fail::make(clearance::delete_<"/documents">(
        [](clearance::granted<purge>) { return compile_fail::ok(); }));
    (void)s;
}
