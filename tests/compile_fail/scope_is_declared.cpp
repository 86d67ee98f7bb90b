// SPDX-License-Identifier: BSL-1.0
// A route requiring a scope the policy does not declare.
// expect-rule: scope_is_declared
// expect-message: the policy does not declare
// expect-name: "api.admin"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

#ifdef CLEARANCE_TEST_BROKEN
using wanted = clearance::scope<"api.admin">;
#else
using wanted = compile_fail::api_read;
#endif

int main() {
    auto s = compile_fail::make(clearance::get<"/reports">(
        [](clearance::scoped<wanted>) { return compile_fail::ok(); }));
    (void)s;
}
