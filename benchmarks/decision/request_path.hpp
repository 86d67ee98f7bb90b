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

#include "../documents_policy.hpp"

#include <clearance/service.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace request_bench {

namespace http = boost::beast::http;

inline std::optional<document> find_document(std::int64_t id) {
    static std::map<std::int64_t, document> const documents{
        {1, {1, "alice", "acme", "plans", ""}},
        {2, {2, "bob", "acme", "notes", ""}},
        {3, {3, "eve", "globex", "draft", ""}}};
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

/// GET /documents/1 with `token` as its bearer token.
inline clearance::request document_request(std::string const& token) {
    clearance::request req{http::verb::get, "/documents/1", 11};
    req.set(http::field::host, "localhost");
    req.set(http::field::authorization, "Bearer " + token);
    return req;
}

} // namespace request_bench
