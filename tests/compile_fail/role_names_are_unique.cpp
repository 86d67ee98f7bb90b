// SPDX-License-Identifier: BSL-1.0
// Two roles with the same name.
// expect-rule: role_names_are_unique
// expect-message: two roles of the policy have this name
// expect-name: "reader"
#include <clearance/policy.hpp>

struct reader : clearance::role<"reader"> {};
#ifdef CLEARANCE_TEST_BROKEN
struct also_reader : clearance::role<"reader"> {};
#else
struct also_reader : clearance::role<"also-reader"> {};
#endif
using policy = clearance::policy<clearance::roles<reader, also_reader>>;

int main() {
    return static_cast<int>(policy::role_count) - 2;
}
