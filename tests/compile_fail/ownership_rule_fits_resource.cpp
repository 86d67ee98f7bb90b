// SPDX-License-Identifier: BSL-1.0
// An ownership rule written for another resource type.
// expect-rule: ownership_rule_fits_resource
// expect-message: must be default-constructible and callable as
// bool(clearance::principal const&, Resource const&) expect-name: "GET
// /documents/{id}"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

struct wrong_rule {
#ifdef CLEARANCE_TEST_BROKEN
    bool operator()(clearance::principal const&, std::string const&) const {
#else
    bool operator()(clearance::principal const&,
                    compile_fail::doc const&) const {
#endif
        return true;
}
}
;

int main() {
    auto s = compile_fail::make(clearance::get<"/documents/{id}">(
        [](clearance::owned<compile_fail::doc, wrong_rule>) {
            return compile_fail::ok();
        }));
    (void)s;
}
