// SPDX-License-Identifier: BSL-1.0
#pragma once

// A small policy, resource and service maker shared by the programs that
// must not compile. Each program is built twice: with
// CLEARANCE_TEST_BROKEN defined it breaks one rule and must fail with
// that rule's message; without it, it is the corrected twin and must
// compile.

#include <clearance/service.hpp>

#include <optional>
#include <string>

namespace compile_fail {

using read = clearance::permission<"read">;
using write = clearance::permission<"write">;
using api_read = clearance::scope<"api.read">;

struct reader : clearance::role<"reader", clearance::grants<read>> {};
struct writer : clearance::role<"writer", clearance::grants<write>,
                                clearance::inherits<reader>> {};

using policy = clearance::policy<clearance::roles<reader, writer>,
                                 clearance::scopes<api_read>>;

struct doc {
    using key_type = long;
    long id = 0;
    std::string owner;
    std::string tenant;
};

struct owns {
    bool operator()(clearance::principal const& who, doc const& d) const {
        return d.owner == who.subject;
    }
};

inline std::optional<doc> load_doc(long, clearance::request_context const&) {
    return std::nullopt;
}

struct nobody {
    clearance::authentication authenticate(clearance::request const&) const {
        return clearance::authentication::none();
    }
};

inline clearance::response ok() {
    return clearance::response{};
}

template <class Policy = policy, class... Routes>
auto make(Routes... routes) {
    return clearance::make_service<Policy>(
        clearance::service_options{}, nobody{},
        clearance::loaders(clearance::load<doc>(load_doc)), routes...);
}

} // namespace compile_fail
