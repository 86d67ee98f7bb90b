// SPDX-License-Identifier: BSL-1.0
// A role inheriting a role the policy does not list.
// expect-rule: inherited_roles_are_in_policy
// expect-message: inherits a role that the policy does not list
// expect-name: "editor"
#include <clearance/policy.hpp>

struct viewer : clearance::role<"viewer"> {};
struct editor : clearance::role<"editor", clearance::grants<>,
                                clearance::inherits<viewer>> {};
#ifdef CLEARANCE_TEST_BROKEN
using policy = clearance::policy<clearance::roles<editor>>;
#else
using policy = clearance::policy<clearance::roles<editor, viewer>>;
#endif

int main() {
    return static_cast<int>(policy::role_count) - 2;
}
