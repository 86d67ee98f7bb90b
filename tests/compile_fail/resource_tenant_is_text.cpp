// SPDX-License-Identifier: BSL-1.0
// An owned<> resource whose tenant is a number: the guard could not
// compare it with the principal's, so the route must not compile rather
// than skip tenant isolation.
// expect-rule: resource_tenant_is_text
// expect-message: member that does not convert to std::string_view
// expect-name: "GET /accounts/{id}"
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

#include <optional>
#include <string>

namespace {

struct account {
    using key_type = long;
    long id = 0;
    std::string owner;
#ifdef CLEARANCE_TEST_BROKEN
    long tenant = 0;
#else
    std::string tenant;
#endif
};

struct holds {
    bool operator()(clearance::principal const& who, account const& a) const {
        return a.owner == who.subject;
    }
};

std::optional<account> load_account(long, clearance::request_context const&) {
    return std::nullopt;
}

} // namespace

int main() {
    auto s = clearance::make_service<compile_fail::policy>(
        clearance::service_options{}, compile_fail::nobody{},
        clearance::loaders(clearance::load<account>(load_account)),
        clearance::get<"/accounts/{id}">(
            [](clearance::granted<compile_fail::read>,
               clearance::owned<account, holds>) {
                return compile_fail::ok();
            }));
    (void)s;
}
