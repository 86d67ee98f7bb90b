// SPDX-License-Identifier: BSL-1.0
#pragma once

// A minimal policy and authenticator for the compile-time tests.

#include <clearance/service.hpp>

namespace compile_fail {

using read = clearance::permission<"read">;
struct reader : clearance::role<"reader", clearance::grants<read>> {};
using policy = clearance::policy<clearance::roles<reader>>;

struct nobody {
    clearance::authentication authenticate(clearance::request const&) const {
        return clearance::authentication::none();
    }
};

template <class... Routes>
auto make(Routes... routes) {
    return clearance::make_service<policy>(clearance::service_options{},
                                           nobody{}, clearance::loaders(),
                                           routes...);
}

} // namespace compile_fail
