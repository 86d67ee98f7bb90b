// SPDX-License-Identifier: BSL-1.0
// Two permission types with the same name.
// expect-rule: permission_names_are_unique
// expect-message: two different permission types have this name
// expect-name: "read"
#include <clearance/policy.hpp>

using read = clearance::permission<"read">;
#ifdef CLEARANCE_TEST_BROKEN
struct read_again : clearance::permission<"read"> {};
#else
struct read_again : clearance::permission<"read-again"> {};
#endif
struct a : clearance::role<"a", clearance::grants<read>> {};
struct b : clearance::role<"b", clearance::grants<read_again>> {};
using policy = clearance::policy<clearance::roles<a, b>>;

int main() {
    return static_cast<int>(policy::permission_count) - 2;
}
