// SPDX-License-Identifier: BSL-1.0
// The documents service's routes over an in-memory store, served by
// clearance::server, for load tests. One source, built three ways by
// CLEARANCE_BENCHMARK_ACCESS:
//
// - guarded (1): the documents service's own policy and guards, with
//   bearer HS256 JWTs verified by clearance::jwt_authenticator;
// - fixed (2): the same guards, with an authenticator that returns alice
//   without reading the request, to tell the guard's cost from the
//   token's;
// - unguarded (0): the same routes and handlers, every route public:
//   the same server, canonicalisation, routing and JSON, and no access
//   control at all. Comparing it with the guarded build isolates what
//   access control costs; a plain Beast handler would differ in
//   routing and parsing as well, which are not access control.
//
// All three answer with the documents service's own policy types and
// JSON functions (examples/docs_service/policy.hpp and json.hpp).
//
//   clearance_http_bench_guarded serve [--port N] [--threads N]
//                                      [--no-screen] [--remember N]
//   clearance_http_bench_guarded token USER
//
// `serve` prints "port N" once it listens, and stops on SIGINT or
// SIGTERM. By default requests are screened before their bodies are
// read, as the documents service does; --no-screen serves them without
// screening; --remember N lets the JWT authenticator remember N verified
// tokens (jwt_options::remembered_tokens). `token` prints a token for alice,
// bob or eve, signed with the benchmark's key, valid for a day.

#include "../../examples/docs_service/json.hpp"
#include "../documents_policy.hpp"

#include <clearance/jwt.hpp>
#include <clearance/server.hpp>
#include <clearance/service.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#ifndef CLEARANCE_BENCHMARK_ACCESS
#define CLEARANCE_BENCHMARK_ACCESS 1
#endif

namespace request_bench {

namespace http = boost::beast::http;

using docs_service::user;

/// The store: maps behind one mutex, seeded like the documents service.
class store {
public:
    std::optional<document> find_document(std::int64_t id) const {
        std::lock_guard lock(mutex_);
        auto found = documents_.find(id);
        if (found == documents_.end())
            return std::nullopt;
        return found->second;
    }

    std::vector<document> documents_where(std::string_view owner,
                                          std::string_view tenant) const {
        std::lock_guard lock(mutex_);
        std::vector<document> out;
        for (auto const& [id, doc] : documents_)
            if ((owner.empty() || doc.owner == owner) &&
                (tenant.empty() || doc.tenant == tenant))
                out.push_back(doc);
        return out;
    }

    document create(std::string owner, std::string tenant, std::string title,
                    std::string body) {
        std::lock_guard lock(mutex_);
        document doc{next_id_++, std::move(owner), std::move(tenant),
                     std::move(title), std::move(body)};
        documents_.emplace(doc.id, doc);
        return doc;
    }

    void update(std::int64_t id, std::string title, std::string body) {
        std::lock_guard lock(mutex_);
        auto found = documents_.find(id);
        if (found != documents_.end()) {
            found->second.title = std::move(title);
            found->second.body = std::move(body);
        }
    }

    bool erase(std::int64_t id) {
        std::lock_guard lock(mutex_);
        return documents_.erase(id) != 0;
    }

    std::vector<user> users_in(std::string_view tenant) const {
        std::lock_guard lock(mutex_);
        std::vector<user> out;
        for (auto const& [id, u] : users_)
            if (tenant.empty() || u.tenant == tenant)
                out.push_back(u);
        return out;
    }

    bool erase_user(std::int64_t id) {
        std::lock_guard lock(mutex_);
        return users_.erase(id) != 0;
    }

private:
    mutable std::mutex mutex_;
    std::map<std::int64_t, document> documents_{
        {1, {1, "alice", "acme", "Roadmap", "Ship the guard."}},
        {2, {2, "bob", "acme", "Notes", "Bob's notes."}},
        {3, {3, "eve", "globex", "Plans", "Eve's plans."}}};
    std::map<std::int64_t, user> users_{{1, {1, "alice", "acme", {"editor"}}},
                                        {2, {2, "bob", "acme", {"viewer"}}},
                                        {3, {3, "root", "acme", {"admin"}}},
                                        {4, {4, "eve", "globex", {"editor"}}}};
    std::int64_t next_id_ = 4;
};

using docs_service::bad_body;
using docs_service::json_response;
using docs_service::read_fields;
using docs_service::to_json;

clearance::response health() {
    return json_response(http::status::ok, {{"status", "ok"}});
}

clearance::response created(document const& doc) {
    auto r = json_response(http::status::created, to_json(doc));
    r.set(http::field::location, "/documents/" + std::to_string(doc.id));
    return r;
}

clearance::response no_content() {
    return {http::status::no_content, 11};
}

inline auto document_loaders(store& data) {
    return clearance::loaders(clearance::load<document>(
        [&data](std::int64_t id, clearance::request_context const&) {
            return data.find_document(id);
        }));
}

/// The routes of the documents service, with its guards.
template <class Authenticator>
auto make_guarded(store& data, Authenticator authenticator) {
    using namespace clearance;
    using owned_document = owned<document, is_owner, conceal, bypass<admin>>;
    return make_service<policy>(
        service_options{"bench"}, std::move(authenticator),
        document_loaders(data),
        get<"/health">([](public_route) { return health(); }),
        get<"/documents">([&data](authenticated who) {
            auto const& p = who.principal();
            return json_response(
                http::status::ok,
                {{"documents",
                  to_json(policy::in_role<admin>(p)
                              ? data.documents_where("", p.tenant)
                              : data.documents_where(p.subject, p.tenant))}});
        }),
        post<"/documents">([&data](granted<docs_write> writer,
                                   request_context const& context) {
            auto fields = read_fields(context.request.body());
            if (!fields)
                return bad_body();
            auto const& p = writer.principal();
            return created(data.create(p.subject, p.tenant,
                                       std::move(fields->title),
                                       std::move(fields->body)));
        }),
        get<"/documents/{id}">([](granted<docs_read>, owned_document doc) {
            return json_response(http::status::ok, to_json(*doc));
        }),
        put<"/documents/{id}">([&data](granted<docs_write>, owned_document doc,
                                       request_context const& context) {
            auto fields = read_fields(context.request.body());
            if (!fields)
                return bad_body();
            auto updated = *doc;
            updated.title = fields->title;
            updated.body = fields->body;
            data.update(doc->id, std::move(fields->title),
                        std::move(fields->body));
            return json_response(http::status::ok, to_json(updated));
        }),
        delete_<"/documents/{id}">(
            [&data](granted<docs_delete>,
                    owned<document, same_tenant, conceal> doc) {
                data.erase(doc->id);
                return no_content();
            }),
        get<"/admin/users">([&data](granted<users_manage> manager) {
            return json_response(http::status::ok,
                                 {{"users", to_json(data.users_in(
                                                manager.principal().tenant))}});
        }),
        delete_<"/admin/users/{id}">(
            [&data](granted<users_manage>, path<"id", std::int64_t> id) {
                if (!data.erase_user(*id))
                    return error_response(http::status::not_found);
                return no_content();
            }));
}

/// The same routes and handlers with no access control.
auto make_unguarded(store& data) {
    using namespace clearance;
    using id_parameter = path<"id", std::int64_t>;
    return make_service<policy>(
        service_options{"bench"}, no_authenticator{}, document_loaders(data),
        get<"/health">([](public_route) { return health(); }),
        get<"/documents">([&data](public_route) {
            return json_response(
                http::status::ok,
                {{"documents", to_json(data.documents_where("", ""))}});
        }),
        post<"/documents">(
            [&data](public_route, request_context const& context) {
                auto fields = read_fields(context.request.body());
                if (!fields)
                    return bad_body();
                return created(data.create("anonymous", "",
                                           std::move(fields->title),
                                           std::move(fields->body)));
            }),
        get<"/documents/{id}">([&data](public_route, id_parameter id) {
            auto doc = data.find_document(*id);
            if (!doc)
                return error_response(http::status::not_found);
            return json_response(http::status::ok, to_json(*doc));
        }),
        put<"/documents/{id}">([&data](public_route, id_parameter id,
                                       request_context const& context) {
            auto doc = data.find_document(*id);
            if (!doc)
                return error_response(http::status::not_found);
            auto fields = read_fields(context.request.body());
            if (!fields)
                return bad_body();
            doc->title = fields->title;
            doc->body = fields->body;
            data.update(doc->id, std::move(fields->title),
                        std::move(fields->body));
            return json_response(http::status::ok, to_json(*doc));
        }),
        delete_<"/documents/{id}">([&data](public_route, id_parameter id) {
            if (!data.erase(*id))
                return error_response(http::status::not_found);
            return no_content();
        }),
        get<"/admin/users">([&data](public_route) {
            return json_response(http::status::ok,
                                 {{"users", to_json(data.users_in(""))}});
        }),
        delete_<"/admin/users/{id}">([&data](public_route, id_parameter id) {
            if (!data.erase_user(*id))
                return error_response(http::status::not_found);
            return no_content();
        }));
}

auto make_service(store& data, [[maybe_unused]] std::size_t remembered) {
#if CLEARANCE_BENCHMARK_ACCESS == 0
    return make_unguarded(data);
#elif CLEARANCE_BENCHMARK_ACCESS == 2
    return make_guarded(data, fixed_authenticator{alice()});
#else
    return make_guarded(
        data, clearance::jwt_authenticator<policy>{jwt_settings(remembered)});
#endif
}

using service_type = decltype(make_service(std::declval<store&>(), 0));

// Screens each request before its body, as the documents service does.
struct screening_handler {
    service_type const* service;

    clearance::response operator()(clearance::request&& req,
                                   clearance::peer_address const& peer) {
        return (*service)(req, peer);
    }

    std::optional<clearance::response>
    screen(clearance::request const& req, clearance::peer_address const& peer) {
        return service->screen(req, peer);
    }

    // Screening keeps the verified token for the answer.
    using screening_memo = clearance::screening_memo;

    clearance::response operator()(clearance::request&& req,
                                   clearance::peer_address const& peer,
                                   screening_memo& memo) {
        return (*service)(req, peer, memo);
    }

    std::optional<clearance::response>
    screen(clearance::request const& req, clearance::peer_address const& peer,
           screening_memo& memo) {
        return service->screen(req, peer, memo);
    }
};

struct plain_handler {
    service_type const* service;

    clearance::response operator()(clearance::request&& req,
                                   clearance::peer_address const& peer) {
        return (*service)(req, peer);
    }
};

template <class Handler>
int serve(Handler handler, clearance::server_options const& options) {
    clearance::server server(std::move(handler), options);
    std::cout << "port " << server.port() << std::endl;
    server.run();
    return 0;
}

std::optional<unsigned> number(std::string_view text) {
    unsigned value = 0;
    if (text.empty())
        return std::nullopt;
    for (char c : text) {
        if (c < '0' || c > '9' || value > 100'000)
            return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value;
}

int usage() {
    std::cerr << "usage: clearance_http_bench_* serve [--port N] "
                 "[--threads N] [--no-screen] [--remember N]\n"
                 "       clearance_http_bench_* token alice|bob|eve\n";
    return 2;
}

} // namespace request_bench

int main(int argc, char** argv) {
    using namespace request_bench;
    if (argc >= 3 && std::string_view(argv[1]) == "token") {
        std::string_view name = argv[2];
        clearance::token_claims claims{std::string(name), "acme", {}, {}};
        if (name == "alice")
            claims.roles = {"editor"};
        else if (name == "bob")
            claims.roles = {"viewer"};
        else if (name == "eve")
            claims = {"eve", "globex", {"editor"}, {}};
        else
            return usage();
        clearance::jwt_authenticator<policy> issuer{jwt_settings()};
        std::cout << issuer.issue(claims, std::chrono::hours{24}) << "\n";
        return 0;
    }
    if (argc < 2 || std::string_view(argv[1]) != "serve")
        return usage();

    clearance::server_options options;
    options.port = 0;
    options.threads = 1;
    bool screening = true;
    std::size_t remembered = 0;
    for (int i = 2; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--no-screen") {
            screening = false;
        } else if (arg == "--remember" && i + 1 < argc) {
            auto value = number(argv[++i]);
            if (!value)
                return usage();
            remembered = *value;
        } else if ((arg == "--port" || arg == "--threads") && i + 1 < argc) {
            auto value = number(argv[++i]);
            if (!value || (arg == "--port" && *value > 65535))
                return usage();
            if (arg == "--port")
                options.port = static_cast<std::uint16_t>(*value);
            else
                options.threads = *value;
        } else {
            return usage();
        }
    }

    store data;
    auto const service = make_service(data, remembered);
    if (screening)
        return serve(screening_handler{&service}, options);
    return serve(plain_handler{&service}, options);
}
