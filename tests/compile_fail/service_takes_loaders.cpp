// SPDX-License-Identifier: BSL-1.0
// A service made without its loaders: the first route would be taken
// for them and never be served.
// expect-rule: make_service
// expect-message: the third argument of make_service must be the service's
// loaders
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = clearance::make_service<compile_fail::policy>(
        clearance::service_options{}, compile_fail::nobody{},
#ifndef CLEARANCE_TEST_BROKEN
        clearance::loaders(),
#endif
        clearance::get<"/reports">([](clearance::granted<compile_fail::read>) {
            return compile_fail::ok();
        }),
        clearance::get<"/health">(
            [](clearance::public_route) { return compile_fail::ok(); }));
    (void)s;
}
