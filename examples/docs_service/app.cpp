// SPDX-License-Identifier: BSL-1.0
#include "app.hpp"

#include "json.hpp"
#include "policy.hpp"
#include "store.hpp"

#include <clearance/any_of.hpp>
#include <clearance/api_key.hpp>
#include <clearance/jwt.hpp>
#include <clearance/matrix.hpp>
#include <clearance/openapi.hpp>
#include <clearance/revocation.hpp>
#include <clearance/service.hpp>

#include <stdexcept>
#include <string>
#include <utility>

namespace docs_service {

namespace {

namespace http = boost::beast::http;

// Whether the token that authenticated `who` was revoked by a logout. The
// list is in the store, which every replica shares, and is asked on
// every request: a revocation holds everywhere as soon as it is
// committed.
struct is_revoked {
    store const* data;

    bool operator()(clearance::principal const& who) const {
        return !who.token_id.empty() && data->is_token_revoked(who.token_id);
    }
};

auto make_service(store& data, settings config) {
    using namespace clearance;
    jwt_options options;
    if (config.key_file)
        options.key_file = std::move(config.key_file);
    else
        options.secret = std::move(config.key);
    options.leeway = token_leeway;
    // Clients send the same token with every request: verify it once.
    // Revocation is still asked every time (refuse_revoked below).
    options.remembered_tokens = 10000;
    api_key_options key_options;
    key_options.keys.add_key(config.report_key,
                             {"reporting-job", {}, {"reports:read"}, "acme"});
    service_options service_settings{"docs-service"};
    service_settings.audit = std::move(config.audit);
    service_settings.trusted_proxies = std::move(config.trusted_proxies);

    return make_service<policy>(
        std::move(service_settings),
        any_of(refuse_revoked(jwt_authenticator<policy>{std::move(options)},
                              is_revoked{&data}),
               api_key_authenticator<policy>{std::move(key_options)}),
        loaders(
            load<document>([&data](std::int64_t id, request_context const&) {
                return data.find_document(id);
            }),
            load<user>([&data](std::int64_t id, request_context const&) {
                return data.find_user(id);
            })),

        get<"/health">([](public_route) {
            return json_response(http::status::ok, {{"status", "ok"}});
        }),

        // For API clients holding the reports:read scope: the reporting
        // job's key, or a token issued with that scope.
        get<"/reports/summary">([&data](scoped<reports_read> reader) {
            auto filter = "tenant = ?";
            auto docs =
                data.documents_where(filter, {reader.principal().tenant});
            return json_response(http::status::ok,
                                 {{"tenant", reader.principal().tenant},
                                  {"documents", docs.size()}});
        }),

        // Operational figures, for the machine itself only.
        get<"/internal/metrics">(
            [&data](from_network<cidr<"127.0.0.0/8">, cidr<"::1/128">>) {
                return json_response(
                    http::status::ok,
                    {{"documents", data.documents_where("1 = 1", {}).size()}});
            }),

        // Everyone signed in sees their own documents; an admin sees
        // the whole tenant.
        // The list comes from a filter the library builds from the same
        // rule as GET /documents/{id}: a user's own documents, the whole
        // tenant for an admin, never another tenant's.
        get<"/documents">(
            [&data](collection<document, is_owner, bypass<admin>> visible) {
                auto filter = visible.filter();
                auto docs = data.documents_where(filter.sql, filter.parameters);
                return json_response(http::status::ok,
                                     {{"documents", to_json(docs)}});
            }),

        post<"/documents">([&data](granted<docs_write> writer,
                                   request_context const& context) {
            auto fields = read_fields(context.request.body());
            if (!fields)
                return bad_body();
            auto const& p = writer.principal();
            auto doc = data.create_document(p.subject, p.tenant, fields->title,
                                            fields->body);
            auto r = json_response(http::status::created, to_json(doc));
            r.set(http::field::location,
                  "/documents/" + std::to_string(doc.id));
            return r;
        }),

        // Logging out revokes the token that asks, on every replica.
        post<"/logout">([&data](authenticated who) {
            auto const& p = who.principal();
            if (p.token_id.empty())
                return json_response(
                    http::status::bad_request,
                    {{"error", "bad_request"},
                     {"message", "only a token with an id (jti) can be "
                                 "revoked"}});
            data.revoke_token(p.token_id, p.expires + token_leeway);
            return clearance::response{http::status::no_content, 11};
        }),

        get<"/documents/{id}">(
            [](granted<docs_read>,
               owned<document, is_owner, conceal, bypass<admin>> doc) {
                return json_response(http::status::ok, to_json(*doc));
            }),

        put<"/documents/{id}">(
            [&data](granted<docs_write>,
                    owned<document, is_owner, conceal, bypass<admin>> doc,
                    request_context const& context) {
                auto fields = read_fields(context.request.body());
                if (!fields)
                    return bad_body();
                data.update_document(doc->id, fields->title, fields->body);
                auto updated = *doc;
                updated.title = fields->title;
                updated.body = fields->body;
                return json_response(http::status::ok, to_json(updated));
            }),

        delete_<"/documents/{id}">(
            [&data](granted<docs_delete>,
                    owned<document, same_tenant, conceal> doc) {
                data.delete_document(doc->id);
                return clearance::response{http::status::no_content, 11};
            }),

        // User administration is for people: their tokens, never a
        // service's API key, whatever roles the key were given.
        get<"/admin/users">([&data](accepts<bearer_tokens>,
                                    granted<users_manage> manager) {
            auto users = data.users_in_tenant(manager.principal().tenant);
            return json_response(http::status::ok, {{"users", to_json(users)}});
        }),

        // Attachments and exports, for anyone who may read documents.
        // A file the service cannot read is as absent as a missing one.
        static_files<"/files/{path...}", granted<docs_read>, conceal>(
            std::move(config.files)),

        // Users of another tenant are as invisible as missing ones: the
        // guard loads the user and conceals one of another tenant.
        delete_<"/admin/users/{id}">(
            [&data](accepts<bearer_tokens>, granted<users_manage>,
                    owned<user, same_tenant, conceal> target) {
                if (!data.delete_user(target->id))
                    return clearance::error_response(http::status::not_found);
                return clearance::response{http::status::no_content, 11};
            }));
}

using service_type =
    decltype(make_service(std::declval<store&>(), std::declval<settings>()));

// The routes' promises, checked by the compiler: changing a handler's
// requirements so that one breaks stops the build here.
using clearance::method;
static_assert(service_type::is_public(method::get, "/health"));
static_assert(!service_type::is_public(method::get, "/documents"));
static_assert(!service_type::can_reach<viewer>(method::get, "/admin/users"));
static_assert(!service_type::can_reach<viewer>(method::post, "/documents"));
static_assert(service_type::can_reach<editor>(method::post, "/documents"));
static_assert(!service_type::can_reach<editor>(method::delete_,
                                               "/documents/{id}"));
static_assert(service_type::can_reach<admin>(method::delete_,
                                             "/documents/{id}"));

// And who gets what once a document is named.
constexpr auto access = clearance::access_matrix<service_type>();
static_assert(access.access_of(method::get, "/documents/{id}", "viewer") ==
              clearance::access_kind::owned);
static_assert(access.access_of(method::get, "/documents/{id}", "admin") ==
              clearance::access_kind::owned_bypass);
static_assert(access.access_of(method::delete_, "/documents/{id}", "admin") ==
              clearance::access_kind::owned);
static_assert(service_type::can_reach<viewer>(method::get, "/files/{path...}"));

} // namespace

struct application::impl {
    store& data;
    std::string issuing_key;
    service_type service;
};

application::application(store& data, settings config)
    : impl_(new impl{data, config.issuing_key,
                     make_service(data, std::move(config))}) {}

application::application(store& data, std::string key,
                         clearance::audit_sink audit,
                         std::string_view report_key,
                         clearance::file_directory files)
    : application(data, settings{.key = std::move(key),
                                 .audit = std::move(audit),
                                 .report_key = std::string(report_key),
                                 .files = std::move(files)}) {}

application::~application() = default;

clearance::response
application::operator()(clearance::request const& req,
                        clearance::peer_address const& peer) const {
    return impl_->service(req, peer);
}

clearance::response
application::operator()(clearance::request const& req,
                        clearance::peer_address const& peer,
                        clearance::screening_memo& memo) const {
    return impl_->service(req, peer, memo);
}

std::optional<clearance::response>
application::screen(clearance::request const& req,
                    clearance::peer_address const& peer,
                    clearance::screening_memo& memo) const {
    return impl_->service.screen(req, peer, memo);
}

std::optional<std::string> application::token_for(std::string_view name,
                                                  std::chrono::seconds lifetime,
                                                  std::string scope) const {
    auto found = impl_->data.find_user(name);
    if (!found)
        return std::nullopt;
    clearance::token_claims claims{found->name, found->tenant, found->roles,
                                   std::move(scope)};
    auto const& tokens =
        impl_->service.authenticator().alternative<0>().inner();
    if (impl_->issuing_key.empty())
        return tokens.issue(claims, lifetime);
    return tokens.issue(claims, lifetime, impl_->issuing_key);
}

std::string application::matrix(std::string_view format) {
    if (format == "markdown")
        return clearance::matrix_markdown<service_type>();
    if (format == "json")
        return clearance::matrix_json<service_type>();
    throw std::invalid_argument("the matrix format is markdown or json");
}

std::string application::openapi() {
    return clearance::openapi_json<service_type>(
        {.title = "docs-service",
         .version = "0.1.0",
         .description = "Private documents with owners, and admin-only "
                        "user management. Every route is guarded by "
                        "clearance.",
         .server_url = "http://127.0.0.1:8080"});
}

} // namespace docs_service
