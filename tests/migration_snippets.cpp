// SPDX-License-Identifier: BSL-1.0
// The clearance side of docs/migration.md, compiled. The text between
// each "snippet:" line and "end snippet" is copied into the page
// verbatim; change both together.

#include <clearance/service.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace migration {

// snippet: policy
using docs_read = clearance::permission<"docs:read">;
using docs_write = clearance::permission<"docs:write">;
using users_manage = clearance::permission<"users:manage">;

struct viewer : clearance::role<"viewer", clearance::grants<docs_read>> {};
struct editor : clearance::role<"editor", clearance::grants<docs_write>,
                                clearance::inherits<viewer>> {};
struct admin : clearance::role<"admin", clearance::grants<users_manage>,
                               clearance::inherits<editor>> {};

using policy = clearance::policy<clearance::roles<viewer, editor, admin>>;
// end snippet

// snippet: ownership
struct document {
    using key_type = std::int64_t;
    std::int64_t id = 0;
    std::string author;
    std::string body;
};

// An editor writes only the documents they wrote.
struct is_author {
    bool operator()(clearance::principal const& who,
                    document const& doc) const {
        return doc.author == who.subject;
    }
};
// end snippet

// Stands in for the JWT authenticator of <clearance/jwt.hpp>, which this
// file leaves out to stay free of OpenSSL.
struct session_authenticator {
    clearance::authentication authenticate(clearance::request const&) const {
        return clearance::authentication::none();
    }
};

inline clearance::response ok(std::string body) {
    return {boost::beast::http::status::ok, 11, std::move(body)};
}

// snippet: routes
auto make_documents_api(std::map<std::int64_t, document> const& store) {
    using namespace clearance;
    return make_service<policy>(
        service_options{"documents"}, session_authenticator{},
        loaders(load<document>([&store](std::int64_t id, request_context const&)
                                   -> std::optional<document> {
            auto found = store.find(id);
            if (found == store.end())
                return std::nullopt;
            return found->second;
        })),

        get<"/health">([](public_route) { return ok("up"); }),

        // Viewers, editors and admins read any document.
        get<"/documents/{id}">([&store](granted<docs_read>,
                                        path<"id", std::int64_t> id) {
            auto found = store.find(*id);
            if (found == store.end())
                return error_response(boost::beast::http::status::not_found);
            return ok(found->second.body);
        }),

        // Editors write their own documents; admins any of them.
        put<"/documents/{id}">(
            [](granted<docs_write>,
               owned<document, is_author, reveal, bypass<admin>> doc) {
                return ok("updated " + std::to_string(doc->id));
            }),

        // Only admins manage users.
        get<"/admin/users">([](granted<users_manage>) { return ok("[]"); }));
}
// end snippet

// snippet: checks
using api = decltype(make_documents_api(
    std::declval<std::map<std::int64_t, document> const&>()));
using clearance::method;

static_assert(api::is_public(method::get, "/health"));
static_assert(!api::is_public(method::get, "/documents/{id}"));
static_assert(api::can_reach<viewer>(method::get, "/documents/{id}"));
static_assert(!api::can_reach<viewer>(method::put, "/documents/{id}"));
static_assert(api::can_reach<editor>(method::put, "/documents/{id}"));
static_assert(!api::can_reach<editor>(method::get, "/admin/users"));
static_assert(api::can_reach<admin>(method::get, "/admin/users"));
// end snippet

} // namespace migration
