// SPDX-License-Identifier: BSL-1.0
// Roles that inherit each other.
// expect-rule: role_inheritance_is_acyclic
// expect-message: inherits itself through a cycle
// expect-name: "manager -> director -> manager"
#include <clearance/policy.hpp>

using read = clearance::permission<"read">;
struct director;
struct manager : clearance::role<"manager", clearance::grants<read>,
                                 clearance::inherits<director>> {};
#ifdef CLEARANCE_TEST_BROKEN
struct director : clearance::role<"director", clearance::grants<>,
                                  clearance::inherits<manager>> {};
#else
struct director : clearance::role<"director"> {};
#endif
using policy = clearance::policy<clearance::roles<manager, director>>;

int main() {
    return static_cast<int>(policy::role_count) - 2;
}
