// SPDX-License-Identifier: BSL-1.0
#pragma once

// The whole request path below the network: canonicalise the target,
// route among the eight routes of the documents service, authenticate,
// guard, load the record and call a trivial handler. Three services
// answer the same request, GET /documents/1 from its owner:
//
// - with_jwt: a bearer HS256 JWT verified by clearance's
//   jwt_authenticator;
// - fixed_principal: an authenticator that returns a fixed principal
//   without reading the request, so that the guard is measured without
//   the cost of the token;
// - public_routes: the same routes, all public, the handler loading the
//   record itself: no authentication, no guard.

#include <clearance/jwt.hpp>
#include <clearance/service.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace request_bench {

namespace http = boost::beast::http;

using docs_read = clearance::permission<"docs:read">;
using docs_write = clearance::permission<"docs:write">;
using docs_delete = clearance::permission<"docs:delete">;
using users_manage = clearance::permission<"users:manage">;

struct viewer : clearance::role<"viewer", clearance::grants<docs_read>> {};
struct editor : clearance::role<"editor", clearance::grants<docs_write>,
                                clearance::inherits<viewer>> {};
struct admin
    : clearance::role<"admin", clearance::grants<users_manage, docs_delete>,
                      clearance::inherits<editor>> {};

using policy = clearance::policy<clearance::roles<viewer, editor, admin>>;

struct document {
    using key_type = std::int64_t;
    std::int64_t id = 0;
    std::string owner;
    std::string tenant;
    std::string title;
};

struct is_owner {
    bool operator()(clearance::principal const& who,
                    document const& doc) const {
        return doc.owner == who.subject;
    }
};

inline std::optional<document> find_document(std::int64_t id) {
    static std::map<std::int64_t, document> const documents{
        {1, {1, "alice", "acme", "plans"}},
        {2, {2, "bob", "acme", "notes"}},
        {3, {3, "eve", "globex", "draft"}}};
    auto found = documents.find(id);
    if (found == documents.end())
        return std::nullopt;
    return found->second;
}

inline clearance::response ok() {
    clearance::response r{http::status::ok, 11};
    r.body() = "ok";
    return r;
}

inline auto document_loaders() {
    return clearance::loaders(clearance::load<document>(
        [](std::int64_t id, clearance::request_context const&) {
            return find_document(id);
        }));
}

/// The documents service's routes, guarded, with trivial handlers.
template <class Authenticator>
auto make_guarded_service(Authenticator authenticator) {
    using namespace clearance;
    using owned_document =
        owned<document, is_owner, conceal, clearance::bypass<admin>>;
    return make_service<policy>(
        service_options{"bench"}, std::move(authenticator), document_loaders(),
        get<"/health">([](public_route) { return ok(); }),
        get<"/documents">([](authenticated) { return ok(); }),
        post<"/documents">([](granted<docs_write>) { return ok(); }),
        get<"/documents/{id}">(
            [](granted<docs_read>, owned_document) { return ok(); }),
        put<"/documents/{id}">(
            [](granted<docs_write>, owned_document) { return ok(); }),
        delete_<"/documents/{id}">(
            [](granted<docs_delete>, owned<document, same_tenant, conceal>) {
                return ok();
            }),
        get<"/admin/users">([](granted<users_manage>) { return ok(); }),
        delete_<"/admin/users/{id}">(
            [](granted<users_manage>, path<"id", std::int64_t>) {
                return ok();
            }));
}

/// Authenticates every request as the same principal, without reading
/// it.
struct fixed_authenticator {
    clearance::principal who;

    clearance::authentication authenticate(clearance::request const&) const {
        return clearance::authentication::success(who);
    }
};

/// Never asked: every route of the public service is public.
struct no_authenticator {
    clearance::authentication authenticate(clearance::request const&) const {
        return clearance::authentication::none();
    }
};

/// The same routes, all public: the record is loaded by the handler.
inline auto make_public_service() {
    using namespace clearance;
    return make_service<policy>(
        service_options{"bench"}, no_authenticator{}, document_loaders(),
        get<"/health">([](public_route) { return ok(); }),
        get<"/documents">([](public_route) { return ok(); }),
        post<"/documents">([](public_route) { return ok(); }),
        get<"/documents/{id}">([](public_route, path<"id", std::int64_t> id) {
            if (!find_document(*id))
                return error_response(http::status::not_found);
            return ok();
        }),
        put<"/documents/{id}">(
            [](public_route, path<"id", std::int64_t>) { return ok(); }),
        delete_<"/documents/{id}">(
            [](public_route, path<"id", std::int64_t>) { return ok(); }),
        get<"/admin/users">([](public_route) { return ok(); }),
        delete_<"/admin/users/{id}">(
            [](public_route, path<"id", std::int64_t>) { return ok(); }));
}

/// A key of 32 bytes or more, as HS256 requires.
inline constexpr char const* secret =
    "clearance-benchmark-key-not-for-any-real-service";

inline clearance::jwt_options jwt_settings() {
    clearance::jwt_options options;
    options.secret = secret;
    return options;
}

/// The principal the token names: alice, editor of tenant acme.
inline clearance::principal alice() {
    clearance::principal who;
    who.subject = "alice";
    who.tenant = "acme";
    who.roles.set(*policy::find_role("editor"));
    policy::compute_permissions(who);
    return who;
}

/// GET /documents/1 with `token` as its bearer token.
inline clearance::request document_request(std::string const& token) {
    clearance::request req{http::verb::get, "/documents/1", 11};
    req.set(http::field::host, "localhost");
    req.set(http::field::authorization, "Bearer " + token);
    return req;
}

} // namespace request_bench
