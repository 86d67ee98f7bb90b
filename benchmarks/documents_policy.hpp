// SPDX-License-Identifier: BSL-1.0
#pragma once

// What the two request benchmarks share: the documents service's roles
// and permissions, its document and ownership rule (taken from the
// example service itself), the authenticators that stand in for a
// token, and the key and principal of the tokens.
// decision/request_path.hpp answers requests with them below the
// network, http/server.cpp over it.

#include "../examples/docs_service/policy.hpp"

#include <clearance/authentication.hpp>
#include <clearance/jwt.hpp>
#include <clearance/policy.hpp>
#include <clearance/principal.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace request_bench {

// The documents service's policy, document and ownership rule, exactly
// as the service declares them.
using docs_service::admin;
using docs_service::docs_delete;
using docs_service::docs_read;
using docs_service::docs_write;
using docs_service::document;
using docs_service::is_owner;
using docs_service::policy;
using docs_service::users_manage;

/// Authenticates every request as the same principal, without reading
/// it.
struct fixed_authenticator {
    clearance::principal who;

    clearance::authentication authenticate(clearance::request const&) const {
        return clearance::authentication::success(who);
    }
};

/// Never asked: every route of a public service is public.
struct no_authenticator {
    clearance::authentication authenticate(clearance::request const&) const {
        return clearance::authentication::none();
    }
};

/// A key of 32 bytes or more, as HS256 requires.
inline constexpr char const* secret =
    "clearance-benchmark-key-not-for-any-real-service";

/// Tokens signed with `secret`; the authenticator remembers `remembered`
/// verified tokens (jwt_options::remembered_tokens).
inline clearance::jwt_options jwt_settings(std::size_t remembered = 0) {
    clearance::jwt_options options;
    options.secret = secret;
    options.remembered_tokens = remembered;
    return options;
}

/// The principal the benchmarks' tokens name: alice, editor of tenant
/// acme.
inline clearance::principal alice() {
    clearance::principal who;
    who.subject = "alice";
    who.tenant = "acme";
    who.roles.set(*policy::find_role("editor"));
    policy::compute_permissions(who);
    return who;
}

} // namespace request_bench
