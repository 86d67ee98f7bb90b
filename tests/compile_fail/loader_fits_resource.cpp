// SPDX-License-Identifier: BSL-1.0
// A loader whose signature does not fit the resource.
// expect-rule: loader_fits_resource
// expect-message: a loader must be callable as
// expect-name: "GET /documents/{id}"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto s = clearance::make_service<compile_fail::policy>(
        clearance::service_options{}, compile_fail::nobody{},
        clearance::loaders(clearance::load<compile_fail::doc>(
#ifdef CLEARANCE_TEST_BROKEN
            [](std::string const&) {
                return std::optional<compile_fail::doc>{};
            }
#else
            [](long, clearance::request_context const&) {
                return std::optional<compile_fail::doc>{};
            }
#endif
            )),
        clearance::get<"/documents/{id}">(
            [](clearance::owned<compile_fail::doc, compile_fail::owns>) {
                return compile_fail::ok();
            }));
    (void)s;
}
