// SPDX-License-Identifier: BSL-1.0
// Two scope types with the same name.
// expect-rule: scope_names_are_unique
// expect-message: two different scope types have this name
// expect-name: "api"
#include <clearance/policy.hpp>

using api = clearance::scope<"api">;
#ifdef CLEARANCE_TEST_BROKEN
struct api_again : clearance::scope<"api"> {};
#else
struct api_again : clearance::scope<"api-again"> {};
#endif
struct a : clearance::role<"a"> {};
using policy =
    clearance::policy<clearance::roles<a>, clearance::scopes<api, api_again>>;

int main() {
    return static_cast<int>(policy::scope_count) - 2;
}
