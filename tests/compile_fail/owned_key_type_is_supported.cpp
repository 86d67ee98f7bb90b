// SPDX-License-Identifier: BSL-1.0
// An owned<> resource with no key type.
// expect-rule: owned_key_type_is_supported
// expect-message: needs a key type that is an integer or std::string
// expect-name: "GET /notes/{id}"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

struct note {
#ifndef CLEARANCE_TEST_BROKEN
    using key_type = long;
#endif
    std::string owner;
};

struct writes {
    bool operator()(clearance::principal const& who, note const& n) const {
        return n.owner == who.subject;
    }
};

int main() {
    auto s = clearance::make_service<compile_fail::policy>(
        clearance::service_options{}, compile_fail::nobody{},
        clearance::loaders(
            clearance::load<note>([](long, clearance::request_context const&) {
                return std::optional<note>{};
            })),
        clearance::get<"/notes/{id}">(
            [](clearance::owned<note, writes>) { return compile_fail::ok(); }));
    (void)s;
}
