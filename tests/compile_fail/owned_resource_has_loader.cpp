// SPDX-License-Identifier: BSL-1.0
// An owned<> resource without a loader.
// expect-rule: owned_resource_has_loader
// expect-message: has no loader
// expect-name: "GET /documents/{id}"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = clearance::make_service<compile_fail::policy>(
        clearance::service_options{}, compile_fail::nobody{},
#ifdef CLEARANCE_TEST_BROKEN
        clearance::loaders(),
#else
        clearance::loaders(
            clearance::load<compile_fail::doc>(compile_fail::load_doc)),
#endif
        clearance::get<"/documents/{id}">(
            [](clearance::owned<compile_fail::doc, compile_fail::owns>) {
                return compile_fail::ok();
            }));
    (void)s;
}
