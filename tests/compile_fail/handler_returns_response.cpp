// SPDX-License-Identifier: BSL-1.0
// A handler that returns something other than a response.
// expect-rule: handler_returns_response
// expect-message: must return clearance::response
// expect-name: "GET /x"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s =
        compile_fail::make(clearance::get<"/x">([](clearance::authenticated) {
#ifdef CLEARANCE_TEST_BROKEN
            return 200;
#else
            return compile_fail::ok();
#endif
        }));
    (void)s;
}
