// SPDX-License-Identifier: BSL-1.0
#include <clearance/service.hpp>

#include "test_policy.hpp"
#include "wire.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

using namespace test_policy;
namespace http = boost::beast::http;

namespace {

struct record {
    long id;
    std::string owner;
    std::string tenant;
};

struct owns {
    bool operator()(clearance::principal const& who, record const& r) const {
        return r.owner == who.subject;
    }
};

} // namespace

template <>
struct clearance::resource_traits<record> {
    using key_type = long;
};

namespace {

clearance::principal
make_principal(std::string subject, std::string tenant,
               std::initializer_list<char const*> roles,
               std::initializer_list<char const*> scopes = {}) {
    clearance::principal who;
    who.subject = std::move(subject);
    who.tenant = std::move(tenant);
    for (auto name : roles)
        who.roles.set(*policy::find_role(name));
    for (auto name : scopes)
        who.scopes.set(*policy::find_scope(name));
    policy::compute_permissions(who);
    return who;
}

// Tokens are the names of fixed principals: enough to exercise every
// decision without signatures.
struct table_authenticator {
    std::map<std::string, clearance::principal, std::less<>> known;

    clearance::authentication authenticate(clearance::request const& r) const {
        auto bearer = clearance::read_bearer(r);
        using kind = clearance::bearer_credentials::kind;
        if (bearer.state == kind::absent)
            return clearance::authentication::none();
        if (bearer.state == kind::malformed)
            return clearance::authentication::malformed();
        auto found = known.find(bearer.token);
        if (found == known.end())
            return clearance::authentication::invalid();
        return clearance::authentication::success(found->second);
    }
};

clearance::response text(std::string body) {
    clearance::response r{http::status::ok, 11};
    r.set(http::field::content_type, "text/plain");
    r.body() = std::move(body);
    return r;
}

std::map<long, record> const records{
    {1, {1, "ann", "acme"}},
    {2, {2, "ben", "acme"}},
    {3, {3, "eva", "globex"}},
};

std::optional<record> find_record(long id, clearance::request_context const&) {
    if (id == 13)
        throw std::runtime_error("the store is down");
    auto found = records.find(id);
    if (found == records.end())
        return std::nullopt;
    return found->second;
}

clearance::service_options test_options() {
    clearance::service_options options{"tests"};
    options.cors = clearance::cors_options{};
    options.cors->allowed_origins = {"https://app.example"};
    options.trusted_proxies = {"10.0.0.1", "fd00::/8"};
    return options;
}

auto make_test_service(clearance::service_options options = test_options()) {
    using namespace clearance;
    table_authenticator auth;
    auth.known.emplace("ann", make_principal("ann", "acme", {"writer"}));
    auth.known.emplace("ben", make_principal("ben", "acme", {"reader"}));
    auth.known.emplace("olga", make_principal("olga", "acme", {"owner"}));
    auth.known.emplace("otto", make_principal("otto", "globex", {"owner"}));
    auth.known.emplace(
        "scoped", make_principal("scoped", "acme", {"reader"}, {"api.read"}));
    return make_service<test_policy::policy>(
        std::move(options), std::move(auth), loaders(load<record>(find_record)),
        get<"/open">([](public_route) { return text("open"); }),
        get<"/me">(
            [](authenticated who) { return text(who.principal().subject); }),
        get<"/records/{id}">(
            [](granted<can_read>, owned<record, owns, bypass<owner>> r) {
                return text("record " + std::to_string(r->id));
            }),
        put<"/records/{id}">(
            [](granted<can_write>, owned<record, owns, reveal> r) {
                return text("updated " + std::to_string(r->id));
            }),
        get<"/items/{name}/parts/{n}">(
            [](granted<can_read>, path<"name"> name, path<"n", unsigned> n) {
                return text(*name + "#" + std::to_string(*n));
            }),
        get<"/reports">([](scoped<read_scope> s) {
            return text("reports for " + s.principal().subject);
        }),
        delete_<"/records/{id}">(
            [](granted<can_remove>, owned<record, clearance::same_tenant> r) {
                return text("removed " + std::to_string(r->id));
            }),
        get<"/throws">([](authenticated) -> clearance::response {
            throw std::runtime_error("secret detail");
        }),
        get<"/closing">([](public_route) {
            auto r = text("bye");
            r.keep_alive(false);
            return r;
        }),
        get<"/context">([](public_route, request_context const& c) {
            return text(std::string(c.path) + "?" + std::string(c.query));
        }),
        get<"/metrics">(
            [](from_network<cidr<"127.0.0.0/8">, cidr<"::1/128">> from) {
                return text(from.client().is_v4 ? "v4" : "v6");
            }),
        get<"/internal/records/{id}">([](from_network<cidr<"192.168.0.0/16">>,
                                         granted<can_read>,
                                         path<"id", long> id) {
            return text("internal " + std::to_string(*id));
        }),
        get<"/admin/{id}">(
            [](hidden, granted<can_manage>, path<"id", long> id) {
                return text("admin " + std::to_string(*id));
            }),
        delete_<"/admin/{id}">(
            [](hidden, granted<can_manage>, path<"id", long> id) {
                return text("deleted " + std::to_string(*id));
            }));
}

using service_type = decltype(make_test_service());

service_type const& test_service() {
    static service_type const s = make_test_service();
    return s;
}

clearance::response ask(http::verb method, std::string target,
                        std::optional<std::string> token = {}) {
    clearance::request r{method, target, 11};
    r.set(http::field::host, "localhost");
    if (token)
        r.set(http::field::authorization, "Bearer " + *token);
    return test_service()(r, {});
}

using test_wire::wire;

} // namespace

TEST_CASE("proofs cannot be made outside the guard", "[guard]") {
    using namespace clearance;
    STATIC_REQUIRE_FALSE(std::is_default_constructible_v<public_route>);
    STATIC_REQUIRE_FALSE(
        std::is_constructible_v<authenticated, principal const&>);
    STATIC_REQUIRE_FALSE(
        std::is_constructible_v<granted<can_read>, principal const&>);
    STATIC_REQUIRE_FALSE(
        std::is_constructible_v<scoped<read_scope>, principal const&>);
    STATIC_REQUIRE_FALSE(
        std::is_constructible_v<owned<record, owns>, record, principal const&>);
    STATIC_REQUIRE_FALSE(std::is_constructible_v<path<"id", long>, long>);
    STATIC_REQUIRE_FALSE(
        std::is_constructible_v<from_network<cidr<"127.0.0.0/8">>,
                                peer_address const&>);
}

TEST_CASE("public routes need no credentials", "[guard]") {
    auto r = ask(http::verb::get, "/open");
    CHECK(r.result() == http::status::ok);
    CHECK(r.body() == "open");
    CHECK(r[http::field::cache_control] == "");
    CHECK(ask(http::verb::get, "/open", "nonsense").body() == "open");
}

TEST_CASE("missing or refused credentials are 401 with a challenge",
          "[guard]") {
    auto none = ask(http::verb::get, "/me");
    CHECK(none.result() == http::status::unauthorized);
    CHECK(none[http::field::www_authenticate] == R"(Bearer realm="tests")");
    CHECK(
        none.body() ==
        R"({"error":"unauthorized","message":"valid credentials are required"})");

    auto refused = ask(http::verb::get, "/me", "mallory");
    CHECK(refused.result() == http::status::unauthorized);
    CHECK(refused[http::field::www_authenticate] ==
          R"(Bearer realm="tests", error="invalid_token")");

    clearance::request twice{http::verb::get, "/me", 11};
    twice.set(http::field::host, "localhost");
    twice.insert(http::field::authorization, "Bearer ann");
    twice.insert(http::field::authorization, "Bearer ben");
    auto ambiguous = test_service()(twice, {});
    CHECK(ambiguous.result() == http::status::bad_request);
    CHECK(ambiguous[http::field::www_authenticate] ==
          R"(Bearer realm="tests", error="invalid_request", )"
          R"(error_description="the request has more than one )"
          R"(Authorization header")");

    clearance::request basic{http::verb::get, "/me", 11};
    basic.set(http::field::host, "localhost");
    basic.set(http::field::authorization, "Basic YW5uOnB3");
    CHECK(test_service()(basic, {}).result() == http::status::unauthorized);

    CHECK(ask(http::verb::get, "/me", "").result() ==
          http::status::bad_request);
    CHECK(ask(http::verb::get, "/me", "a b").result() ==
          http::status::bad_request);
}

TEST_CASE("an authenticated route answers any principal", "[guard]") {
    auto r = ask(http::verb::get, "/me", "ben");
    CHECK(r.result() == http::status::ok);
    CHECK(r.body() == "ben");
    CHECK(r[http::field::cache_control] == "private, no-store");
    CHECK(r[http::field::vary] == "Authorization");
}

TEST_CASE("answers that depend on who asks are kept out of shared caches",
          "[guard]") {
    auto const refused = {
        ask(http::verb::get, "/me"),               // 401
        ask(http::verb::put, "/records/1", "ben"), // 403
        ask(http::verb::get, "/records/2", "ann"), // 404, concealed
        ask(http::verb::get, "/records/999", "ann"),
        ask(http::verb::get, "/nowhere", "ann"),
    };
    for (auto const& r : refused) {
        INFO(r.result_int());
        CHECK(r[http::field::cache_control] == "private, no-store");
        CHECK(r[http::field::vary] == "Authorization");
    }
    // A Vary the handler chose is kept, and Authorization added once.
    auto varied = [](char const* vary) {
        table_authenticator auth;
        auth.known.emplace("x", make_principal("x", "acme", {"reader"}));
        return clearance::make_service<test_policy::policy>(
            clearance::service_options{"tests"}, std::move(auth),
            clearance::loaders(),
            clearance::get<"/v">([vary](clearance::authenticated) {
                auto r = text("v");
                r.set(http::field::vary, vary);
                return r;
            }));
    };
    auto vary_of = [&](char const* vary) {
        auto service = varied(vary);
        clearance::request r{http::verb::get, "/v", 11};
        r.set(http::field::host, "h");
        r.set(http::field::authorization, "Bearer x");
        return std::string(service(r, {})[http::field::vary]);
    };
    CHECK(vary_of("Accept-Encoding") == "Accept-Encoding, Authorization");
    CHECK(vary_of("Accept, authorization") == "Accept, authorization");
    CHECK(vary_of("*") == "*");
}

TEST_CASE("a missing permission is 403 whatever the record", "[guard]") {
    for (auto id : {"1", "2", "3", "999", "abc"}) {
        INFO(id);
        auto r = ask(http::verb::put, std::string("/records/") + id, "ben");
        CHECK(r.result() == http::status::forbidden);
        CHECK(
            r.body() ==
            R"({"error":"forbidden","message":"the credentials do not grant access to this resource"})");
    }
}

TEST_CASE("a concealed refusal is byte-identical to a genuine miss",
          "[guard]") {
    auto refused = ask(http::verb::get, "/records/2", "ann");
    auto missing = ask(http::verb::get, "/records/999", "ann");
    auto unknown = ask(http::verb::get, "/nowhere", "ann");
    CHECK(refused.result() == http::status::not_found);
    CHECK(wire(refused) == wire(missing));
    CHECK(wire(refused) == wire(unknown));
}

TEST_CASE("owners and bypass roles pass the ownership rule", "[guard]") {
    CHECK(ask(http::verb::get, "/records/1", "ann").body() == "record 1");
    CHECK(ask(http::verb::get, "/records/2", "olga").body() == "record 2");
    // A bypass role never crosses tenants.
    CHECK(ask(http::verb::get, "/records/1", "otto").result() ==
          http::status::not_found);
    CHECK(ask(http::verb::get, "/records/3", "otto").body() == "record 3");
}

TEST_CASE("a revealed refusal is 403, a miss still 404", "[guard]") {
    CHECK(ask(http::verb::put, "/records/1", "ann").body() == "updated 1");
    CHECK(ask(http::verb::put, "/records/2", "ann").result() ==
          http::status::forbidden);
    CHECK(ask(http::verb::put, "/records/999", "ann").result() ==
          http::status::not_found);
    // Another tenant's record is concealed even on a revealing route.
    CHECK(ask(http::verb::put, "/records/3", "olga").result() ==
          http::status::not_found);
}

TEST_CASE("same_tenant lets anyone of the tenant act", "[guard]") {
    CHECK(ask(http::verb::delete_, "/records/2", "olga").body() == "removed 2");
    CHECK(ask(http::verb::delete_, "/records/3", "olga").result() ==
          http::status::not_found);
    CHECK(ask(http::verb::delete_, "/records/1", "ann").result() ==
          http::status::forbidden);
}

TEST_CASE("path parameters are converted or answered 400", "[guard]") {
    CHECK(ask(http::verb::get, "/items/bolt/parts/7", "ben").body() ==
          "bolt#7");
    CHECK(ask(http::verb::get, "/items/a%20b/parts/0", "ben").body() ==
          "a b#0");
    for (auto bad :
         {"/items/x/parts/-1", "/items/x/parts/07", "/items/x/parts/+7",
          "/items/x/parts/7x", "/items/x/parts/99999999999999999999",
          "/records/abc", "/records/1.0"}) {
        INFO(bad);
        CHECK(ask(http::verb::get, bad, "olga").result() ==
              http::status::bad_request);
    }
    // Without credentials the 401 comes first.
    CHECK(ask(http::verb::get, "/records/abc").result() ==
          http::status::unauthorized);
}

TEST_CASE("scopes are required like permissions", "[guard]") {
    CHECK(ask(http::verb::get, "/reports", "scoped").body() ==
          "reports for scoped");
    auto refused = ask(http::verb::get, "/reports", "olga");
    CHECK(refused.result() == http::status::forbidden);
    CHECK(
        refused[http::field::www_authenticate] ==
        R"(Bearer realm="tests", error="insufficient_scope", scope="api.read")");
}

TEST_CASE("routing is exact and methods are checked", "[guard]") {
    CHECK(ask(http::verb::get, "/open/").result() == http::status::not_found);
    CHECK(ask(http::verb::get, "//open").result() == http::status::not_found);
    CHECK(ask(http::verb::get, "/OPEN").result() == http::status::not_found);
    CHECK(ask(http::verb::get, "/records/").result() ==
          http::status::not_found);
    CHECK(ask(http::verb::get, "/a/../open").result() ==
          http::status::bad_request);

    auto r = ask(http::verb::patch, "/records/1", "ann");
    CHECK(r.result() == http::status::method_not_allowed);
    CHECK(r[http::field::allow] == "GET, HEAD, PUT, DELETE");
    // Which methods a guarded path serves is for authenticated callers:
    // anyone else gets the 401 first. A public path answers 405 at once.
    CHECK(ask(http::verb::patch, "/records/1").result() ==
          http::status::unauthorized);
    CHECK(ask(http::verb::patch, "/records/1", "mallory").result() ==
          http::status::unauthorized);
    CHECK(ask(http::verb::post, "/open").result() ==
          http::status::method_not_allowed);
}

TEST_CASE("HEAD runs the GET route's guard and sends no body", "[guard]") {
    auto head = ask(http::verb::head, "/records/1", "ann");
    auto get = ask(http::verb::get, "/records/1", "ann");
    CHECK(head.result() == http::status::ok);
    CHECK(head.body().empty());
    CHECK(head[http::field::content_length] ==
          std::to_string(get.body().size()));
    CHECK(ask(http::verb::head, "/records/1").result() ==
          http::status::unauthorized);
    CHECK(ask(http::verb::head, "/records/2", "ann").result() ==
          http::status::not_found);
}

TEST_CASE("a handler may close the connection", "[guard]") {
    CHECK(ask(http::verb::get, "/closing").keep_alive() == false);
    CHECK(ask(http::verb::get, "/open").keep_alive() == true);
}

TEST_CASE("handlers see the canonical path", "[guard]") {
    CHECK(ask(http::verb::get, "/%63ontext?q=%41").body() == "/context?q=%41");
}

TEST_CASE("compile-time queries answer who can reach a route", "[guard]") {
    using read_handler = clearance::response (*)(clearance::granted<can_read>);
    using write_handler =
        clearance::response (*)(clearance::granted<can_read, can_write>);
    STATIC_REQUIRE(clearance::can_reach<policy, reader, read_handler>());
    STATIC_REQUIRE(clearance::can_reach<policy, auditor, read_handler>());
    STATIC_REQUIRE_FALSE(clearance::can_reach<policy, reader, write_handler>());
    STATIC_REQUIRE(clearance::can_reach<policy, owner, write_handler>());
    STATIC_REQUIRE(
        clearance::roles_reaching<policy, write_handler>().words[0] == 0b0110);
    using owned_handler = clearance::response (*)(
        clearance::granted<can_remove>, clearance::path<"x", long>,
        clearance::owned<record, owns>);
    STATIC_REQUIRE(clearance::can_reach<policy, owner, owned_handler>());
    STATIC_REQUIRE_FALSE(clearance::can_reach<policy, writer, owned_handler>());
}

TEST_CASE("a service answers questions about its routes", "[guard]") {
    using m = clearance::method;
    STATIC_REQUIRE(service_type::route_count == 14);
    STATIC_REQUIRE(service_type::is_public(m::get, "/open"));
    STATIC_REQUIRE_FALSE(service_type::is_public(m::get, "/me"));
    STATIC_REQUIRE_FALSE(service_type::is_public(m::get, "/nowhere"));
    STATIC_REQUIRE(service_type::find_route(m::put, "/records/{id}") == 3U);
    STATIC_REQUIRE(service_type::can_reach<reader>(m::get, "/records/{id}"));
    STATIC_REQUIRE_FALSE(
        service_type::can_reach<reader>(m::put, "/records/{id}"));
    STATIC_REQUIRE(service_type::can_reach<owner>(m::delete_, "/records/{id}"));
    STATIC_REQUIRE_FALSE(
        service_type::can_reach<writer>(m::delete_, "/records/{id}"));
    STATIC_REQUIRE(service_type::can_reach<auditor>(m::get, "/open"));
    STATIC_REQUIRE(service_type::reachable_by<reader>() ==
                   std::array{true, true, true, false, true, true, false, true,
                              true, true, true, true, false, false});

    constexpr auto const& parts = service_type::routes[4];
    STATIC_REQUIRE(parts.path_template == "/items/{name}/parts/{n}");
    STATIC_REQUIRE(parts.path_parameters.size() == 2);
    STATIC_REQUIRE(parts.path_parameters[0].type == "string");
    STATIC_REQUIRE(parts.path_parameters[1].type == "integer");
    STATIC_REQUIRE(parts.path_parameters[1].bits == 32);
    STATIC_REQUIRE_FALSE(parts.path_parameters[1].is_signed);

    constexpr auto const& record = service_type::routes[2];
    STATIC_REQUIRE(record.ownerships.size() == 1);
    STATIC_REQUIRE(record.ownerships[0].conceals);
    STATIC_REQUIRE(record.ownerships[0].key == "id");
    STATIC_REQUIRE(record.ownerships[0].bypass.words[0] == 0b0100);
    STATIC_REQUIRE_FALSE(service_type::routes[3].ownerships[0].conceals);
}

namespace {

clearance::response
ask_with(http::verb method, std::string target,
         std::initializer_list<std::pair<http::field, char const*>> fields,
         unsigned version = 11) {
    clearance::request r{method, target, version};
    for (auto const& [name, value] : fields)
        r.insert(name, value);
    return test_service()(r, {});
}

} // namespace

TEST_CASE("the Host header is required once and valid", "[guard]") {
    using f = http::field;
    CHECK(ask_with(http::verb::get, "/open", {}).result() ==
          http::status::bad_request);
    CHECK(ask_with(http::verb::get, "/open", {}, 10).result() ==
          http::status::ok);
    CHECK(ask_with(http::verb::get, "/open",
                   {{f::host, "a.example"}, {f::host, "b.example"}})
              .result() == http::status::bad_request);
    for (auto bad : {"", "a b", "user@host", "host:x", "[::1", "a/b"}) {
        INFO(bad);
        CHECK(ask_with(http::verb::get, "/open", {{f::host, bad}}).result() ==
              http::status::bad_request);
    }
    CHECK(ask_with(http::verb::get, "/open", {{f::host, "[::1]:8080"}})
              .result() == http::status::ok);
    // The same 400 whether or not the path exists.
    CHECK(ask_with(http::verb::get, "/nowhere", {}).result() ==
          http::status::bad_request);
}

TEST_CASE("an absolute-form target is routed on its path", "[guard]") {
    auto r = ask(http::verb::get, "http://elsewhere.example/records/1", "ann");
    CHECK(r.body() == "record 1");
    CHECK(ask(http::verb::get, "http://elsewhere.example/records/2", "ann")
              .result() == http::status::not_found);
}

TEST_CASE("two Authorization lines are refused on every route", "[guard]") {
    using f = http::field;
    auto r = ask_with(http::verb::get, "/open",
                      {{f::host, "h"},
                       {f::authorization, "Bearer ann"},
                       {f::authorization, "Bearer ann"}});
    CHECK(r.result() == http::status::bad_request);
    CHECK(r[f::www_authenticate] ==
          R"(Bearer realm="tests", error="invalid_request", )"
          R"(error_description="the request has more than one )"
          R"(Authorization header")");
}

TEST_CASE("method overrides have no effect", "[guard]") {
    using f = http::field;
    for (auto name : {"X-HTTP-Method-Override", "X-Method-Override"}) {
        INFO(name);
        clearance::request r{http::verb::get, "/records/1", 11};
        r.set(f::host, "h");
        r.set(f::authorization, "Bearer ben");
        r.set(name, "DELETE");
        auto answer = test_service()(r, {});
        CHECK(answer.result() == http::status::not_found);
    }
    CHECK(ask(http::verb::post, "/records/1?_method=GET", "ann").result() ==
          http::status::method_not_allowed);
    CHECK(ask(http::verb::get, "/records/1?_method=DELETE", "olga").body() ==
          "record 1");
}

TEST_CASE("a hidden route does not exist for those who may not call it",
          "[guard]") {
    for (auto method : {http::verb::get, http::verb::delete_, http::verb::put,
                        http::verb::head, http::verb::options}) {
        INFO(method);
        auto unknown = wire(ask(method, "/nowhere"));
        CHECK(wire(ask(method, "/admin/1")) == unknown);
        CHECK(wire(ask(method, "/admin/1", "ann")) == unknown);
        CHECK(wire(ask(method, "/admin/1", "mallory")) == unknown);
    }
    CHECK(wire(ask(http::verb::get, "/admin/x", "ann")) ==
          wire(ask(http::verb::get, "/nowhere")));
    CHECK(ask(http::verb::get, "/admin/7", "olga").body() == "admin 7");
    CHECK(ask(http::verb::delete_, "/admin/7", "olga").body() == "deleted 7");
    auto put = ask(http::verb::put, "/admin/7", "olga");
    CHECK(put.result() == http::status::method_not_allowed);
    CHECK(put[http::field::allow] == "GET, HEAD, DELETE");
    CHECK(ask(http::verb::get, "/admin/x", "olga").result() ==
          http::status::bad_request);
}

TEST_CASE("CORS preflights are answered from the routes, never a handler",
          "[guard]") {
    using f = http::field;
    auto preflight = ask_with(http::verb::options, "/records/1",
                              {{f::host, "h"},
                               {f::origin, "https://app.example"},
                               {f::access_control_request_method, "PUT"}});
    CHECK(preflight.result() == http::status::no_content);
    CHECK(preflight[f::access_control_allow_origin] == "https://app.example");
    CHECK(preflight[f::access_control_allow_methods] ==
          "GET, HEAD, PUT, DELETE");
    CHECK(preflight[f::access_control_allow_headers] ==
          "Authorization, Content-Type");
    CHECK(preflight[f::access_control_max_age] == "600");
    CHECK(preflight.body().empty());

    // A method the path does not serve, an unknown origin, or a plain
    // OPTIONS: treated as a method the route does not serve, so on this
    // guarded path a caller without credentials gets 401 first.
    CHECK(ask_with(http::verb::options, "/records/1",
                   {{f::host, "h"},
                    {f::origin, "https://app.example"},
                    {f::access_control_request_method, "PATCH"}})
              .result() == http::status::method_not_allowed);
    auto stranger = ask_with(http::verb::options, "/records/1",
                             {{f::host, "h"},
                              {f::origin, "https://evil.example"},
                              {f::access_control_request_method, "PUT"}});
    CHECK(stranger.result() == http::status::unauthorized);
    CHECK(stranger[f::access_control_allow_origin] == "");
    CHECK(ask_with(http::verb::options, "/records/1", {{f::host, "h"}})
              .result() == http::status::unauthorized);
    CHECK(ask_with(http::verb::options, "/records/1",
                   {{f::host, "h"}, {f::authorization, "Bearer ben"}})
              .result() == http::status::method_not_allowed);
    // Hidden routes stay hidden from preflights, which carry no token.
    CHECK(ask_with(http::verb::options, "/admin/1",
                   {{f::host, "h"},
                    {f::origin, "https://app.example"},
                    {f::access_control_request_method, "GET"}})
              .result() == http::status::not_found);

    // Actual requests from an allowed origin can read the answer.
    auto actual = ask_with(http::verb::get, "/records/1",
                           {{f::host, "h"},
                            {f::origin, "https://app.example"},
                            {f::authorization, "Bearer ann"}});
    CHECK(actual.body() == "record 1");
    CHECK(actual[f::access_control_allow_origin] == "https://app.example");
    CHECK(actual[f::vary] == "Authorization, Origin");
}

TEST_CASE("screening runs every check that needs no body", "[guard]") {
    auto screen = [](http::verb method, std::string target,
                     std::optional<std::string> token) {
        clearance::request r{method, target, 11};
        r.set(http::field::host, "h");
        if (token)
            r.set(http::field::authorization, "Bearer " + *token);
        return test_service().screen(r, {});
    };
    CHECK(screen(http::verb::put, "/records/1", {})->result() ==
          http::status::unauthorized);
    CHECK(screen(http::verb::put, "/records/1", "ben")->result() ==
          http::status::forbidden);
    CHECK(screen(http::verb::put, "/nowhere", "ann")->result() ==
          http::status::not_found);
    CHECK(screen(http::verb::patch, "/records/1", "ann")->result() ==
          http::status::method_not_allowed);
    CHECK(screen(http::verb::get, "/a/../b", "ann")->result() ==
          http::status::bad_request);
    // Ownership is decided once the request is answered.
    CHECK_FALSE(screen(http::verb::put, "/records/2", "ann").has_value());
    CHECK_FALSE(screen(http::verb::put, "/records/1", "ann").has_value());
    CHECK_FALSE(screen(http::verb::get, "/open", {}).has_value());
}

namespace {

using header_list = std::initializer_list<std::pair<char const*, char const*>>;

clearance::response ask_service_from(service_type const& service,
                                     std::string_view address,
                                     std::string target, header_list fields,
                                     std::optional<std::string> token = {}) {
    clearance::request r{http::verb::get, target, 11};
    r.set(http::field::host, "localhost");
    if (token)
        r.set(http::field::authorization, "Bearer " + *token);
    for (auto const& [name, value] : fields)
        r.insert(name, value);
    return service(r, *clearance::parse_address(address));
}

clearance::response ask_from(std::string_view address, std::string target,
                             header_list fields = {},
                             std::optional<std::string> token = {}) {
    return ask_service_from(test_service(), address, std::move(target), fields,
                            std::move(token));
}

// A service whose trusted proxies write `Forwarded` rather than
// `X-Forwarded-For`.
service_type const& forwarded_service() {
    static service_type const s = [] {
        auto options = test_options();
        options.proxy_header = clearance::forwarding_header::forwarded;
        return make_test_service(std::move(options));
    }();
    return s;
}

} // namespace

TEST_CASE("addresses and blocks parse strictly", "[network]") {
    using clearance::parse_address;
    using clearance::parse_network;
    STATIC_REQUIRE(parse_address("192.0.2.1")->bytes[3] == 1);
    STATIC_REQUIRE(parse_address("::1")->bytes[15] == 1);
    STATIC_REQUIRE(parse_address("2001:db8::7")->bytes[3] == 0xb8);
    STATIC_REQUIRE(parse_address("[::ffff:1.2.3.4]")->bytes[15] == 4);
    STATIC_REQUIRE(parse_address("1:2:3:4:5:6:7:8")->bytes[15] == 8);
    for (auto bad :
         {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ",
          "::1::", "1:2:3:4:5:6:7:8:9", "12345::", "g::1", ":1", "1:"}) {
        INFO(bad);
        CHECK_FALSE(parse_address(bad).has_value());
    }
    STATIC_REQUIRE(parse_network("10.0.0.0/8")->prefix == 8);
    STATIC_REQUIRE(parse_network("::1")->prefix == 128);
    CHECK_FALSE(parse_network("10.0.0.0/33").has_value());
    CHECK_FALSE(parse_network("::/129").has_value());
    CHECK_FALSE(parse_network("10.0.0.0/").has_value());
    constexpr auto block = *parse_network("10.1.0.0/16");
    STATIC_REQUIRE(block.contains(*parse_address("10.1.255.7")));
    STATIC_REQUIRE_FALSE(block.contains(*parse_address("10.2.0.1")));
    STATIC_REQUIRE_FALSE(block.contains(*parse_address("::ffff:a01:1")));
}

TEST_CASE("network requirements admit only their blocks", "[network]") {
    CHECK(ask_from("127.0.0.1", "/metrics").body() == "v4");
    CHECK(ask_from("::1", "/metrics").body() == "v6");
    auto outside = ask_from("192.0.2.9", "/metrics");
    CHECK(outside.result() == http::status::forbidden);
    CHECK(
        outside.body() ==
        R"({"error":"forbidden","message":"the credentials do not grant access to this resource"})");
    // Headers from an untrusted peer are ignored.
    CHECK(ask_from("192.0.2.9", "/metrics",
                   {{"X-Forwarded-For", "127.0.0.1"},
                    {"Forwarded", "for=127.0.0.1"},
                    {"X-Real-IP", "127.0.0.1"}})
              .result() == http::status::forbidden);
    // Network and permission requirements both apply.
    CHECK(ask_from("192.168.1.1", "/internal/records/4", {}, "ben").body() ==
          "internal 4");
    CHECK(ask_from("192.168.1.1", "/internal/records/4").result() ==
          http::status::unauthorized);
    CHECK(ask_from("10.9.9.9", "/internal/records/4", {}, "ben").result() ==
          http::status::forbidden);
}

TEST_CASE("trusted proxies are read right to left", "[network]") {
    // The proxy forwards for a loopback caller.
    CHECK(ask_from("10.0.0.1", "/metrics", {{"X-Forwarded-For", "127.0.0.1"}})
              .body() == "v4");
    // The left-most entry is the client's own claim: never believed
    // past an untrusted hop.
    CHECK(ask_from("10.0.0.1", "/metrics",
                   {{"X-Forwarded-For", "127.0.0.1, 192.0.2.9"}})
              .result() == http::status::forbidden);
    // Trusted hops are skipped, in one header or several.
    CHECK(ask_from("10.0.0.1", "/metrics",
                   {{"X-Forwarded-For", "192.0.2.9, 127.0.0.1"},
                    {"X-Forwarded-For", "fd00::5"}})
              .body() == "v4");
    // Header names are matched whatever their case.
    CHECK(
        ask_from("10.0.0.1", "/metrics", {{"x-forwarded-FOR", "::1"}}).body() ==
        "v6");
    // Only the configured header is read: a `Forwarded` header the
    // client wrote and the proxy passed through is ignored, and the
    // proxy's X-Forwarded-For decides.
    CHECK(ask_from("10.0.0.1", "/metrics",
                   {{"Forwarded", "for=127.0.0.1"},
                    {"X-Forwarded-For", "192.0.2.9"}})
              .result() == http::status::forbidden);
    CHECK(ask_from("10.0.0.1", "/metrics", {{"Forwarded", "for=127.0.0.1"}})
              .result() == http::status::forbidden);
    // A service told its proxies write `Forwarded` reads only that.
    auto const& service = forwarded_service();
    CHECK(ask_service_from(service, "10.0.0.1", "/metrics",
                           {{"Forwarded", R"(for="[::1]:4711";proto=https)"}})
              .body() == "v6");
    CHECK(ask_service_from(service, "10.0.0.1", "/metrics",
                           {{"Forwarded", "for=192.0.2.9"},
                            {"X-Forwarded-For", "127.0.0.1"}})
              .result() == http::status::forbidden);
    CHECK(ask_service_from(service, "10.0.0.1", "/metrics",
                           {{"FORWARDED", "for=192.0.2.9, for=127.0.0.1"}})
              .body() == "v4");
    // Ports and brackets as proxies write them.
    CHECK(ask_from("10.0.0.1", "/metrics",
                   {{"X-Forwarded-For", "127.0.0.1:8080"}})
              .body() == "v4");
    for (auto node : {"[::1]", "[::1]:443"}) {
        INFO(node);
        CHECK(ask_from("10.0.0.1", "/metrics", {{"X-Forwarded-For", node}})
                  .body() == "v6");
    }
    // An unreadable header from a trusted proxy is a bad request.
    for (auto node : {"unknown", "127.0.0.1:abc", "127.0.0.1:99999",
                      "127.0.0.1:", "\"127.0.0.1\"", "[127.0.0.1]", "[::1]x",
                      "[::1]:", "_hidden"}) {
        INFO(node);
        CHECK(ask_from("10.0.0.1", "/metrics", {{"X-Forwarded-For", node}})
                  .result() == http::status::bad_request);
    }
    for (auto node :
         {R"(for="127.0.0.1:99999")", "for=[127.0.0.1]", "for=unknown"}) {
        INFO(node);
        CHECK(ask_service_from(service, "10.0.0.1", "/metrics",
                               {{"Forwarded", node}})
                  .result() == http::status::bad_request);
    }
    CHECK(ask_service_from(service, "10.0.0.1", "/metrics",
                           {{"Forwarded", R"(for="127.0.0.1:4711")"}})
              .body() == "v4");
    // Without a header, the proxy itself is the caller.
    CHECK(ask_from("10.0.0.1", "/metrics").result() == http::status::forbidden);
}

TEST_CASE("a realm or trusted proxy that cannot be used stops start-up",
          "[network]") {
    for (auto realm : {"say \"hi\"", "back\\slash", "line\nbreak"}) {
        INFO(realm);
        auto options = test_options();
        options.realm = realm;
        CHECK_THROWS_WITH(make_test_service(std::move(options)),
                          "clearance: the realm must not contain '\"', "
                          "'\\' or control characters");
    }
    auto options = test_options();
    options.trusted_proxies = {"10.0.0.1", "10.0.0.0/33"};
    CHECK_THROWS_WITH(make_test_service(std::move(options)),
                      "clearance: the trusted proxy \"10.0.0.0/33\" is not "
                      "an address or a CIDR block");
}

namespace {

struct recorded {
    std::string method, route, path, subject, tenant, rule, request_id;
    clearance::decision outcome;
    unsigned status;
};

std::vector<recorded>& audit_log() {
    static std::vector<recorded> log;
    return log;
}

auto make_audited_service() {
    using namespace clearance;
    table_authenticator auth;
    auth.known.emplace("ann", make_principal("ann", "acme", {"writer"}));
    auth.known.emplace("ben", make_principal("ben", "acme", {"reader"}));
    service_options options{"audit"};
    options.audit = [](audit_event const& e) {
        audit_log().push_back({std::string(e.method), std::string(e.route),
                               std::string(e.path), std::string(e.subject),
                               std::string(e.tenant), std::string(e.rule),
                               std::string(e.request_id), e.outcome, e.status});
    };
    return make_service<test_policy::policy>(
        std::move(options), std::move(auth), loaders(load<record>(find_record)),
        get<"/records/{id}">([](granted<can_read>, owned<record, owns> r) {
            return text("record " + std::to_string(r->id));
        }),
        put<"/records/{id}">([](granted<can_write>, owned<record, owns> r) {
            return text("record " + std::to_string(r->id));
        }),
        get<"/throws">([](authenticated) -> clearance::response {
            throw std::runtime_error("secret detail");
        }),
        delete_<"/records/{id}">(
            [](granted<can_remove, can_manage>, path<"id", long>) {
                return text("removed");
            }),
        get<"/reports">([](scoped<read_scope>) { return text("reports"); }),
        get<"/metrics">([](from_network<cidr<"127.0.0.0/8">, cidr<"::1/128">>) {
            return text("metrics");
        }));
}

recorded const& audited(http::verb method, std::string target,
                        std::optional<std::string> token = {},
                        char const* request_id = nullptr) {
    static auto const service = make_audited_service();
    clearance::request r{method, target, 11};
    r.set(http::field::host, "h");
    if (token)
        r.set(http::field::authorization, "Bearer " + *token);
    if (request_id)
        r.set("X-Request-Id", request_id);
    audit_log().clear();
    (void)service(r, {});
    REQUIRE(audit_log().size() == 1);
    return audit_log().front();
}

} // namespace

TEST_CASE("every decision is reported to the audit sink", "[audit]") {
    using d = clearance::decision;
    auto const& ok = audited(http::verb::get, "/records/1", "ann", "abc-1");
    CHECK(ok.outcome == d::allowed);
    CHECK(ok.status == 200);
    CHECK(ok.method == "GET");
    CHECK(ok.route == "/records/{id}");
    CHECK(ok.path == "/records/1");
    CHECK(ok.subject == "ann");
    CHECK(ok.tenant == "acme");
    CHECK(ok.rule.empty());
    CHECK(ok.request_id == "abc-1");

    auto const& hidden = audited(http::verb::get, "/records/2", "ann");
    CHECK(hidden.outcome == d::concealed);
    CHECK(hidden.status == 404);
    CHECK(hidden.rule.rfind("ownership ", 0) == 0);
    CHECK(hidden.rule.find("owns") != std::string::npos);
    CHECK(hidden.request_id.rfind("clearance-", 0) == 0);

    auto const& missing = audited(http::verb::get, "/records/999", "ann");
    CHECK(missing.outcome == d::not_found);
    CHECK(missing.rule == "no such record");

    auto const& tenant = audited(http::verb::get, "/records/3", "ann");
    CHECK(tenant.outcome == d::concealed);
    CHECK(tenant.rule == "other tenant");

    auto const& anonymous = audited(http::verb::get, "/records/1");
    CHECK(anonymous.outcome == d::unauthorized);
    CHECK(anonymous.rule == "no credentials");
    CHECK(anonymous.subject.empty());

    auto const& forbidden = audited(http::verb::put, "/records/1", "ben");
    CHECK(forbidden.outcome == d::forbidden);
    CHECK(forbidden.rule == "permission write");
    CHECK(forbidden.subject == "ben");
    // A rule names every permission, scope or block of the requirement.
    CHECK(audited(http::verb::delete_, "/records/1", "ann").rule ==
          "permission manage remove");
    auto const& unscoped = audited(http::verb::get, "/reports", "ann");
    CHECK(unscoped.outcome == d::forbidden);
    CHECK(unscoped.rule == "scope api.read");
    auto const& outsider = audited(http::verb::get, "/metrics");
    CHECK(outsider.outcome == d::forbidden);
    CHECK(outsider.rule == "network 127.0.0.0/8 ::1/128");

    auto const& bad =
        audited(http::verb::get, "/records/%2e%2e?access_token=secret", "ann");
    CHECK(bad.outcome == d::bad_request);
    CHECK(bad.rule == "target");
    // The query, where a credential may be, stays out of the trail.
    CHECK(bad.path == "/records/%2e%2e");

    auto const& unknown = audited(http::verb::get, "/nowhere", "ann");
    CHECK(unknown.outcome == d::not_found);
    CHECK(unknown.rule == "no route");

    auto const& method = audited(http::verb::patch, "/records/1", "ann");
    CHECK(method.outcome == d::method_not_allowed);

    CHECK(audited(http::verb::get, "/records/1", "ann", "a b").request_id !=
          "a b");
    // Made ids: a random part fixed for the service, then a number.
    std::string first = audited(http::verb::get, "/records/1").request_id;
    std::string second = audited(http::verb::get, "/records/1").request_id;
    CHECK(first.size() >= std::string("clearance-12345678-1").size());
    CHECK(first.substr(0, 19) == second.substr(0, 19));
    CHECK(first[18] == '-');
    CHECK(first.substr(10, 8).find_first_not_of("0123456789abcdef") ==
          std::string::npos);
    CHECK(std::stoull(second.substr(19)) == std::stoull(first.substr(19)) + 1);
    // A client cannot take an id of the service's own series, such as
    // that of an earlier request, but may send another service's.
    auto const& replayed =
        audited(http::verb::get, "/records/1", "ann", first.c_str());
    CHECK(replayed.request_id != first);
    CHECK(replayed.request_id.substr(0, 19) == first.substr(0, 19));
    CHECK(std::stoull(replayed.request_id.substr(19)) ==
          std::stoull(second.substr(19)) + 1);
    CHECK(audited(http::verb::get, "/records/1", "ann", "clearance-0-1")
              .request_id == "clearance-0-1");
}

TEST_CASE("failing loaders and handlers are 500s that say nothing", "[audit]") {
    auto const& loader = audited(http::verb::get, "/records/13", "ann");
    CHECK(loader.outcome == clearance::decision::internal_error);
    CHECK(loader.status == 500);
    CHECK(loader.rule == "loader failed");
    auto const& handler = audited(http::verb::get, "/throws", "ann");
    CHECK(handler.rule == "handler failed");
    auto r = ask(http::verb::get, "/throws", "ann");
    CHECK(r.result() == http::status::internal_server_error);
    CHECK(r.body() == R"({"error":"internal_error","message":"the server )"
                      R"(could not complete the request"})");
    CHECK(ask(http::verb::get, "/records/13", "ann").body().find("down") ==
          std::string::npos);
}

namespace {

// Rules over records with list filters, to combine.
struct owner_is_caller {
    bool operator()(clearance::principal const& who, record const& r) const {
        return r.owner == who.subject;
    }
    static clearance::row_filter where(clearance::principal const& who) {
        return {"owner = ?", {who.subject}};
    }
};

struct is_first {
    bool operator()(clearance::principal const&, record const& r) const {
        return r.id == 1;
    }
    static clearance::row_filter where(clearance::principal const&) {
        return {"id = ?", {"1"}};
    }
};

// Counts its calls, to show that every operand is evaluated.
template <bool Answer>
struct counted {
    static inline int calls = 0;
    bool operator()(clearance::principal const&, record const&) const {
        ++calls;
        return Answer;
    }
};

template <class Rule>
concept has_where = requires(clearance::principal const& p) {
    Rule::where(p);
};

std::vector<std::string>& combined_audit() {
    static std::vector<std::string> rules;
    return rules;
}

auto make_combined_service() {
    using namespace clearance;
    table_authenticator auth;
    auth.known.emplace("ann", make_principal("ann", "acme", {"writer"}));
    auth.known.emplace("ben", make_principal("ben", "acme", {"reader"}));
    service_options options{"combined"};
    options.audit = [](audit_event const& e) {
        combined_audit().emplace_back(e.rule);
    };
    return make_service<test_policy::policy>(
        std::move(options), std::move(auth), loaders(load<record>(find_record)),
        get<"/records/{id}">(
            [](granted<can_read>,
               owned<record, any_rule<owns, is_first>, conceal> r) {
                return text("record " + std::to_string(r->id));
            }),
        put<"/records/{id}">(
            [](granted<can_read>,
               owned<record, all_rules<owner_is_caller, is_first>, reveal> r) {
                return text("updated " + std::to_string(r->id));
            }),
        get<"/records">(
            [](collection<record, all_rules<any_rule<owner_is_caller, is_first>,
                                            same_tenant>>
                   visible) {
                auto filter = visible.filter();
                std::string body = filter.sql;
                for (auto const& p : filter.parameters)
                    body += " | " + p;
                return text(body);
            }));
}

clearance::response ask_combined(http::verb method, std::string target,
                                 std::string token) {
    static auto const service = make_combined_service();
    clearance::request r{method, target, 11};
    r.set(http::field::host, "localhost");
    r.set(http::field::authorization, "Bearer " + token);
    combined_audit().clear();
    return service(r, {});
}

} // namespace

TEST_CASE("all_rules and any_rule combine ownership rules", "[guard][rules]") {
    using clearance::all_rules;
    using clearance::any_rule;
    using clearance::OwnershipRule;
    STATIC_REQUIRE(OwnershipRule<all_rules<owns, is_first>, record>);
    STATIC_REQUIRE(OwnershipRule<any_rule<owns, is_first>, record>);
    STATIC_REQUIRE(OwnershipRule<all_rules<any_rule<owns>, is_first>, record>);
    // An operand without `where` leaves the combination without one.
    STATIC_REQUIRE(has_where<all_rules<owner_is_caller, is_first>>);
    STATIC_REQUIRE(has_where<any_rule<owner_is_caller, is_first>>);
    STATIC_REQUIRE_FALSE(has_where<all_rules<owns, is_first>>);
    STATIC_REQUIRE_FALSE(has_where<any_rule<is_first, owns>>);
    STATIC_REQUIRE_FALSE(has_where<all_rules<any_rule<owns>, is_first>>);

    auto ann = make_principal("ann", "acme", {"reader"});
    auto ben = make_principal("ben", "acme", {"reader"});
    record const first{1, "ann", "acme"};
    record const second{2, "ben", "acme"};
    all_rules<owner_is_caller, is_first> const both;
    any_rule<owner_is_caller, is_first> const either;
    CHECK(both(ann, first));
    CHECK_FALSE(both(ben, first));
    CHECK_FALSE(both(ben, second));
    CHECK(either(ben, first));
    CHECK(either(ben, second));
    CHECK_FALSE(either(ann, second));

    CHECK(all_rules<owner_is_caller, is_first>::where(ann) ==
          clearance::row_filter{"(owner = ?) AND (id = ?)", {"ann", "1"}});
    CHECK(any_rule<is_first, owner_is_caller>::where(ben) ==
          clearance::row_filter{"(id = ?) OR (owner = ?)", {"1", "ben"}});
    CHECK(all_rules<owner_is_caller>::where(ann) ==
          clearance::row_filter{"(owner = ?)", {"ann"}});
    CHECK(all_rules<any_rule<owner_is_caller, is_first>,
                    clearance::same_tenant>::where(ann) ==
          clearance::row_filter{"((owner = ?) OR (id = ?)) AND (1 = 1)",
                                {"ann", "1"}});
}

TEST_CASE("combined rules evaluate every operand", "[guard][rules]") {
    auto ann = make_principal("ann", "acme", {"reader"});
    record const r{1, "ann", "acme"};
    counted<false>::calls = 0;
    counted<true>::calls = 0;
    CHECK_FALSE(clearance::all_rules<counted<false>, counted<true>>{}(ann, r));
    CHECK(counted<false>::calls == 1);
    CHECK(counted<true>::calls == 1);
    CHECK(clearance::any_rule<counted<true>, counted<false>>{}(ann, r));
    CHECK(counted<false>::calls == 2);
    CHECK(counted<true>::calls == 2);
}

TEST_CASE("the guard applies combined rules and names them in the audit",
          "[guard][rules][audit]") {
    // any_rule<owns, is_first>: ben owns 2 and may see 1, the first.
    CHECK(ask_combined(http::verb::get, "/records/1", "ben").body() ==
          "record 1");
    CHECK(ask_combined(http::verb::get, "/records/2", "ben").body() ==
          "record 2");
    auto refused = ask_combined(http::verb::get, "/records/2", "ann");
    REQUIRE(combined_audit().size() == 1);
    CHECK(combined_audit().front().find("ownership clearance::any_rule<") == 0);
    CHECK(combined_audit().front().find("owns") != std::string::npos);
    auto missing = ask_combined(http::verb::get, "/records/999", "ann");
    CHECK(refused.result() == http::status::not_found);
    CHECK(wire(refused) == wire(missing));

    // all_rules<owner_is_caller, is_first>, revealed: only ann's first.
    CHECK(ask_combined(http::verb::put, "/records/1", "ann").body() ==
          "updated 1");
    CHECK(ask_combined(http::verb::put, "/records/1", "ben").result() ==
          http::status::forbidden);
    REQUIRE(combined_audit().size() == 1);
    CHECK(combined_audit().front().find("ownership clearance::all_rules<") ==
          0);

    CHECK(ask_combined(http::verb::get, "/records", "ann").body() ==
          "tenant = ? AND (((owner = ?) OR (id = ?)) AND (1 = 1))"
          " | acme | ann | 1");
}
