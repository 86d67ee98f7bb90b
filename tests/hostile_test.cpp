// SPDX-License-Identifier: BSL-1.0
// Hostile requests never reach a handler they should not. Each rule of
// docs/security.md is tried with the raw bytes of hostile requests, sent
// over real sockets to the example documents service, and every answer
// is checked exactly: its status, and for the refusals that must not
// tell an existing path from a missing one, every byte.
//
// The documents service: alice (editor, acme) owns document 1, bob
// (viewer, acme) document 2, eve (editor, globex) document 3; root is
// acme's admin.
#include "app.hpp"
#include "store.hpp"

#include "http_client.hpp"
#include "test_policy.hpp"

#include <clearance/server.hpp>
#include <clearance/service.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace {

namespace http = boost::beast::http;
namespace net = boost::asio;
using namespace std::chrono_literals;
using namespace std::string_literals;
using status = http::status;

// Longer than any timeout of the servers below: a server that has
// neither answered nor closed by then has failed the test.
constexpr auto deadline = 5s;

// A server running on a background thread while it exists.
template <class Handler>
class background_server {
public:
    background_server(Handler handler, clearance::server_options options)
        : server_(std::move(handler), std::move(options))
        , thread_([this] { server_.run(); }) {}

    background_server(background_server const&) = delete;
    background_server& operator=(background_server const&) = delete;

    ~background_server() {
        server_.stop();
        thread_.join();
    }

    std::uint16_t port() const { return server_.port(); }

private:
    clearance::server<Handler> server_;
    std::thread thread_;
};

// Serves a service as docs-service does: `screen` judges each header
// before the server reads a body.
template <class Service>
struct screened {
    Service const* service;

    clearance::response operator()(clearance::request&& req,
                                   clearance::peer_address const& peer) {
        return (*service)(req, peer);
    }

    std::optional<clearance::response>
    screen(clearance::request const& req, clearance::peer_address const& peer) {
        return service->screen(req, peer);
    }
};

clearance::server_options local_options() {
    clearance::server_options options;
    options.port = 0;
    options.threads = 2;
    options.handle_signals = false;
    return options;
}

// The documents service on an ephemeral port, over a fresh in-memory
// store.
class running_service {
public:
    explicit running_service(
        clearance::server_options options = local_options())
        : data_(":memory:")
        , app_(data_, std::string(docs_service::development_key))
        , server_(docs_service::server_handler{&app_}, std::move(options)) {}

    std::uint16_t port() const { return server_.port(); }

    std::string token(std::string_view user) {
        return app_.token_for(user).value();
    }

private:
    docs_service::sqlite_store data_;
    docs_service::application app_;
    background_server<docs_service::server_handler> server_;
};

// One service for the file, with the server's default limits.
running_service& service() {
    static running_service s;
    return s;
}

// Sends `raw` on a new connection to `port` and returns every byte the
// server sent until it closed the connection, or nothing if it had not
// closed it within the deadline.
std::optional<std::string> exchange(std::uint16_t port, std::string_view raw) {
    net::io_context io;
    net::ip::tcp::socket socket(io);
    socket.connect({net::ip::make_address("127.0.0.1"), port});
    std::string received;
    bool closed = false;
    // The server may close before it has read everything (a refusal
    // before the body): the write's outcome does not matter.
    net::async_write(socket, net::buffer(raw.data(), raw.size()),
                     [](boost::system::error_code, std::size_t) {});
    net::async_read(socket, net::dynamic_buffer(received),
                    [&](boost::system::error_code, std::size_t) {
                        closed = true;
                        io.stop();
                    });
    io.run_for(deadline);
    if (!closed)
        return std::nullopt;
    return received;
}

// What the documents service sends back to `raw`, up to its close.
std::string send(std::string_view raw) {
    INFO(raw.substr(0, 300));
    auto reply = exchange(service().port(), raw);
    REQUIRE(reply);
    return *reply;
}

// The bytes of a request: `line` (method, target, version), then Host
// and Connection: close, then `fields` (each ending with CRLF), then
// `body` with its Content-Length when there is one.
std::string request(std::string_view line, std::string_view fields = {},
                    std::string_view body = {}) {
    std::string raw{line};
    raw += "\r\nHost: localhost\r\nConnection: close\r\n";
    raw += fields;
    if (!body.empty())
        raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    raw += "\r\n";
    raw += body;
    return raw;
}

// The Authorization field with a valid token of `user`.
std::string bearer(std::string_view user) {
    return "Authorization: Bearer " + service().token(user) + "\r\n";
}

http::response<http::string_body> parse(std::string_view reply,
                                        bool head = false) {
    INFO(reply);
    REQUIRE_FALSE(reply.empty());
    return test_http::parse(reply, head);
}

status status_of(std::string_view reply, bool head = false) {
    return parse(reply, head).result();
}

std::string const bad_request_body =
    R"({"error":"bad_request","message":"the request is malformed"})";

std::string const internal_error_body =
    R"({"error":"internal_error",)"
    R"("message":"the server could not complete the request"})";

// Sends the same defect on a path that routes and on one that does not,
// without and with an admin's credentials, and checks that all four get
// one 400, byte for byte: a refusal before routing tells nothing about
// which paths exist.
void check_refused_before_routing(std::string const& routed,
                                  std::string const& unrouted,
                                  std::string const& fields = {}) {
    INFO("routed: " << routed << "\nunrouted: " << unrouted);
    auto const root = bearer("root");
    auto const expected = send(request(routed, fields));
    auto const refusal = parse(expected);
    CHECK(refusal.result() == status::bad_request);
    CHECK(refusal.body() == bad_request_body);
    CHECK(send(request(unrouted, fields)) == expected);
    CHECK(send(request(routed, fields + root)) == expected);
    CHECK(send(request(unrouted, fields + root)) == expected);
}

// check_refused_before_routing for GET requests of two targets.
void check_bad_target(std::string const& routed, std::string const& unrouted) {
    check_refused_before_routing("GET " + routed + " HTTP/1.1",
                                 "GET " + unrouted + " HTTP/1.1");
}

struct target_pair {
    char const* routed;
    char const* unrouted;
};

void check_bad_targets(std::initializer_list<target_pair> pairs) {
    for (auto const& [routed, unrouted] : pairs)
        check_bad_target(routed, unrouted);
}

} // namespace

TEST_CASE("hostile: an encoded slash, backslash or '?' is 400 before routing",
          "[hostile]") {
    check_bad_targets({
        {"/admin%2Fusers", "/nowhere%2Fusers"},
        {"/admin%2fusers", "/nowhere%2fusers"},
        {"/documents%2F1", "/nowhere%2F1"},
        {"/admin%5Cusers", "/nowhere%5Cusers"},
        {"/admin%5cusers", "/nowhere%5cusers"},
        {"/admin\\users", "/nowhere\\users"},
        {"/documents/1%3Fx", "/nowhere/1%3Fx"},
    });
}

TEST_CASE("hostile: ';' in the path is 400 before routing", "[hostile]") {
    check_bad_targets({
        {"/documents/1;jsessionid=x", "/nowhere/1;jsessionid=x"},
        {"/admin;x/users", "/nowhere;x/users"},
        {"/documents/1%3Bx", "/nowhere/1%3Bx"},
    });
}

TEST_CASE("hostile: '#' raw or encoded is 400 before routing", "[hostile]") {
    check_bad_targets({
        {"/documents/1#x", "/nowhere/1#x"},
        {"/admin/users#", "/nowhere/users#"},
        {"/documents/1%23x", "/nowhere/1%23x"},
    });
}

TEST_CASE("hostile: NUL raw or encoded is 400 before routing", "[hostile]") {
    check_bad_targets({
        {"/documents/1%00", "/nowhere/1%00"},
        {"/admin%00/users", "/nowhere%00/users"},
        {"/documents/1?q=%00", "/nowhere/1?q=%00"},
    });
    // The raw byte is refused by the server's parser, before the
    // service sees the request; the answer is the same 400.
    check_bad_target("/documents/1\0"s, "/nowhere/1\0"s);
    check_bad_target("/admin\0/users"s, "/nowhere\0/users"s);
}

TEST_CASE("hostile: %u escapes and malformed escapes are 400", "[hostile]") {
    check_bad_targets({
        {"/documents/%u0031", "/nowhere/%u0031"},
        {"/%u0061dmin/users", "/%u006Eowhere/users"},
        {"/documents/%zz", "/nowhere/%zz"},
        {"/documents/1%", "/nowhere/1%"},
        {"/documents/1%3", "/nowhere/1%3"},
        {"/documents/%G1", "/nowhere/%G1"},
        {"/documents/1?q=%", "/nowhere/1?q=%"},
        {"/documents/1?q=%u0041", "/nowhere/1?q=%u0041"},
    });
}

TEST_CASE("hostile: overlong and invalid UTF-8 is 400", "[hostile]") {
    check_bad_targets({
        // Overlong "/" and "." which a lax decoder would turn into a
        // path that climbs.
        {"/documents%C0%AF1", "/nowhere%C0%AF1"},
        {"/documents/%C0%AE%C0%AE/admin/users", "/nowhere/%C0%AE%C0%AE/x"},
        {"/documents/%E0%80%AF1", "/nowhere/%E0%80%AF1"},
        // Not UTF-8 at all, truncated, or a surrogate.
        {"/documents/%FF", "/nowhere/%FF"},
        {"/documents/%C3", "/nowhere/%C3"},
        {"/documents/%C3%28", "/nowhere/%C3%28"},
        {"/documents/%ED%A0%80", "/nowhere/%ED%A0%80"},
        {"/documents/%F4%90%80%80", "/nowhere/%F4%90%80%80"},
        // Raw bytes above ASCII, valid UTF-8 or not.
        {"/documents/\xC3\xA9", "/nowhere/\xC3\xA9"},
        {"/documents/\xFF", "/nowhere/\xFF"},
    });
}

TEST_CASE("hostile: control characters and spaces in the target are 400",
          "[hostile]") {
    check_bad_targets({
        {"/documents/1%01", "/nowhere/1%01"},
        {"/documents/1%0A", "/nowhere/1%0A"},
        {"/documents/1%0D%0AX-Injected:%20yes", "/nowhere/1%0D%0AX:%20y"},
        {"/documents/1%7F", "/nowhere/1%7F"},
        {"/documents/1%1F", "/nowhere/1%1F"},
        // Raw: refused by the server's parser.
        {"/documents/1\x01", "/nowhere/1\x01"},
        {"/documents/1\x7F", "/nowhere/1\x7F"},
        {"/documents/1\t", "/nowhere/1\t"},
        {"/admin /users", "/nowhere /users"},
    });
    // An encoded space is kept encoded: it is part of a segment, so
    // /admin%20/users is no route at all.
    auto const root = bearer("root");
    CHECK(status_of(send(request("GET /admin%20/users HTTP/1.1", root))) ==
          status::not_found);
    CHECK(status_of(send(request("GET /documents/%201 HTTP/1.1", root))) ==
          status::bad_request); // " 1" is not an id
}

TEST_CASE("hostile: dot segments, plain or encoded, are 400", "[hostile]") {
    check_bad_targets({
        {"/documents/../admin/users", "/nowhere/../nothing"},
        {"/documents/./1", "/nowhere/./1"},
        {"/documents/%2e%2e/admin/users", "/nowhere/%2e%2e/nothing"},
        {"/documents/%2E%2E/admin/users", "/nowhere/%2E%2E/nothing"},
        {"/documents/.%2e/admin/users", "/nowhere/.%2e/nothing"},
        {"/documents/%2e./admin/users", "/nowhere/%2e./nothing"},
        {"/documents/%2e/1", "/nowhere/%2e/1"},
        {"/admin/users/..", "/nowhere/users/.."},
        {"/../admin/users", "/../nowhere"},
        {"/admin/./users", "/nowhere/./users"},
    });
}

TEST_CASE("hostile: routes match the canonical path exactly", "[hostile]") {
    auto const root = bearer("root");
    auto const missing = send(request("GET /nowhere HTTP/1.1", root));
    REQUIRE(status_of(missing) == status::not_found);
    // Every near miss is the 404 of a path that does not exist, byte for
    // byte: no handler ran.
    for (auto target : {"//admin/users", "/admin//users", "/admin/users/",
                        "/ADMIN/users", "/Admin/Users", "/admin/users%2E",
                        "/documents/1/", "//documents/1", "/documents/1/x"}) {
        INFO(target);
        CHECK(send(request("GET "s + target + " HTTP/1.1", root)) == missing);
    }
    // The one spelling that routes.
    CHECK(status_of(send(request("GET /admin/users HTTP/1.1", root))) ==
          status::ok);
}

TEST_CASE("hostile: escapes are decoded once, and only unreserved ones",
          "[hostile]") {
    auto const alice = bearer("alice");
    // %31 is "1": document 1, for its owner.
    auto const once =
        parse(send(request("GET /documents/%31 HTTP/1.1", alice)));
    CHECK(once.result() == status::ok);
    CHECK(once.body().find(R"("id":1)") != std::string::npos);
    // %2531 is the text "%31", which is no id: decoding it twice would
    // have made it document 1.
    auto const twice =
        parse(send(request("GET /documents/%2531 HTTP/1.1", alice)));
    CHECK(twice.result() == status::bad_request);
    CHECK(twice.body() == bad_request_body);
    // An escaped letter routes, and is guarded, as the letter.
    CHECK(status_of(send(request("GET /admin/%75sers HTTP/1.1",
                                 bearer("bob")))) == status::forbidden);
    CHECK(status_of(send(request("GET /admin/%75sers HTTP/1.1",
                                 bearer("root")))) == status::ok);
}

TEST_CASE("hostile: an absolute-form target routes on its path, under the "
          "same guard",
          "[hostile]") {
    auto const bob = bearer("bob");
    auto const root = bearer("root");
    for (auto prefix : {"http://evil", "HTTPS://EVIL:8443", "http://127.0.0.1",
                        "http://[::1]:80"}) {
        INFO(prefix);
        std::string const absolute = "GET "s + prefix + "/admin/users HTTP/1.1";
        // The same bytes as for the origin-form target, whoever asks.
        CHECK(send(request(absolute)) ==
              send(request("GET /admin/users HTTP/1.1")));
        CHECK(send(request(absolute, bob)) ==
              send(request("GET /admin/users HTTP/1.1", bob)));
        CHECK(status_of(send(request(absolute, bob))) == status::forbidden);
        CHECK(status_of(send(request(absolute, root))) == status::ok);
        std::string const document = "GET "s + prefix + "/documents/1 HTTP/1.1";
        CHECK(send(request(document, bob)) ==
              send(request("GET /documents/999 HTTP/1.1", bob)));
    }
    // An authority that is not a plain host[:port], or another scheme,
    // is refused before routing.
    check_bad_targets({
        {"http://user@evil/admin/users", "http://user@evil/nowhere"},
        {"http://evil:123456/admin/users", "http://evil:123456/nowhere"},
        {"http:///admin/users", "http:///nowhere"},
        {"http://evil?/admin/users", "http://evil?/nowhere"},
        {"ftp://evil/admin/users", "ftp://evil/nowhere"},
        {"*", "*"},
        {"admin/users", "nowhere"},
    });
}

TEST_CASE("hostile: a missing, doubled or malformed Host is 400", "[hostile]") {
    auto const root = bearer("root");
    auto const check = [&](std::string const& host_fields) {
        INFO(host_fields);
        auto const expected = send("GET /admin/users HTTP/1.1\r\n" +
                                   host_fields + "Connection: close\r\n\r\n");
        CHECK(status_of(expected) == status::bad_request);
        CHECK(parse(expected).body() == bad_request_body);
        for (auto line :
             {"GET /nowhere HTTP/1.1\r\n", "GET /admin/users HTTP/1.1\r\n"}) {
            CHECK(send(line + host_fields + root +
                       "Connection: close\r\n\r\n") == expected);
            CHECK(send(line + host_fields + "Connection: close\r\n\r\n") ==
                  expected);
        }
    };
    check("");
    check("Host: localhost\r\nHost: localhost\r\n");
    check("Host: localhost\r\nHost: evil\r\n");
    check("Host: \r\n");
    check("Host: user@evil\r\n");
    check("Host: evil:99999999\r\n");
    check("Host: evil:\r\n");
    check("Host: [::1\r\n");
    check("Host: evil/admin\r\n");
    check("Host: evil localhost\r\n");
    // HTTP/1.0 has no Host requirement.
    CHECK(status_of(send("GET /health HTTP/1.0\r\n\r\n")) == status::ok);
}

TEST_CASE("hostile: HEAD runs GET's guard and sends no body", "[hostile]") {
    auto const alice = bearer("alice");
    auto const bob = bearer("bob");
    auto const head_of = [](std::string const& reply) {
        return reply.substr(0, reply.find("\r\n\r\n") + 4);
    };
    struct expectation {
        char const* target;
        std::string fields;
        status expected;
    };
    for (auto const& [target, fields, expected] : {
             expectation{"/documents/1", alice, status::ok},
             expectation{"/documents/1", "", status::unauthorized},
             expectation{"/documents/1", bob, status::not_found},
             expectation{"/admin/users", bob, status::forbidden},
             expectation{"/nowhere", "", status::not_found},
         }) {
        INFO(target << " " << fields);
        auto const head =
            send(request("HEAD "s + target + " HTTP/1.1", fields));
        auto const get = send(request("GET "s + target + " HTTP/1.1", fields));
        CHECK(status_of(head, true) == expected);
        // Nothing follows the header: not even the refusal's body.
        CHECK(head.ends_with("\r\n\r\n"));
        CHECK(parse(head, true).body().empty());
        // Otherwise the same answer as GET's, Content-Length included.
        CHECK(head == head_of(get));
    }
}

TEST_CASE("hostile: OPTIONS without CORS grants nothing", "[hostile]") {
    auto const alice = bearer("alice");
    std::string const preflight = "Origin: https://evil.example\r\n"
                                  "Access-Control-Request-Method: DELETE\r\n";
    for (auto const& extra : {""s, preflight}) {
        INFO(extra);
        auto const anonymous =
            parse(send(request("OPTIONS /documents/1 HTTP/1.1", extra)));
        CHECK(anonymous.result() == status::unauthorized);
        CHECK(anonymous[http::field::www_authenticate] ==
              R"(Bearer realm="docs-service")");

        auto const signed_in = parse(
            send(request("OPTIONS /documents/1 HTTP/1.1", extra + alice)));
        CHECK(signed_in.result() == status::method_not_allowed);
        CHECK(signed_in[http::field::allow] == "GET, HEAD, PUT, DELETE");
        CHECK(signed_in.find(http::field::access_control_allow_origin) ==
              signed_in.end());
        CHECK(signed_in.find(http::field::access_control_allow_methods) ==
              signed_in.end());

        auto const open =
            parse(send(request("OPTIONS /health HTTP/1.1", extra)));
        CHECK(open.result() == status::method_not_allowed);
        CHECK(open[http::field::allow] == "GET, HEAD");

        CHECK(status_of(send(request("OPTIONS /nowhere HTTP/1.1", extra))) ==
              status::not_found);
    }
}

TEST_CASE("hostile: method overrides have no effect", "[hostile]") {
    auto const alice = bearer("alice");
    auto const bob = bearer("bob");
    std::string const overrides = "X-HTTP-Method-Override: DELETE\r\n"
                                  "X-Method-Override: DELETE\r\n"
                                  "X-HTTP-Method: DELETE\r\n";
    // alice may not delete: POST with overrides is a POST, which
    // /documents/{id} does not serve.
    auto const post = parse(send(request(
        "POST /documents/1?_method=DELETE HTTP/1.1", overrides + alice)));
    CHECK(post.result() == status::method_not_allowed);
    CHECK(post[http::field::allow] == "GET, HEAD, PUT, DELETE");
    // GET with overrides is a GET.
    auto const get = parse(send(request(
        "GET /documents/1?_method=DELETE HTTP/1.1", overrides + alice)));
    CHECK(get.result() == status::ok);
    CHECK(get.body().find(R"("title":"Alice's plan")") != std::string::npos);
    // Nor can an override turn a refused method into an allowed one.
    CHECK(status_of(send(request(
              "DELETE /documents/1?_method=GET HTTP/1.1",
              "X-HTTP-Method-Override: GET\r\nX-Method-Override: GET\r\n" +
                  alice))) == status::forbidden);
    CHECK(status_of(send(request("PUT /documents/2?_method=GET HTTP/1.1",
                                 "X-HTTP-Method-Override: GET\r\n" + bob,
                                 R"({"title":"x","body":"y"})"))) ==
          status::forbidden);
    // Document 1 is still there, unchanged.
    auto const after = parse(send(request("GET /documents/1 HTTP/1.1", alice)));
    CHECK(after.result() == status::ok);
    CHECK(after.body() == get.body());
}

TEST_CASE("hostile: two Authorization fields are 400 invalid_request",
          "[hostile]") {
    auto const alice = bearer("alice");
    auto const root = bearer("root");
    std::string const challenge =
        R"(Bearer realm="docs-service", error="invalid_request", )"
        R"(error_description="the request has more than one )"
        R"(Authorization header")";
    auto const expected =
        send(request("GET /documents/1 HTTP/1.1", alice + root));
    auto const refusal = parse(expected);
    CHECK(refusal.result() == status::bad_request);
    CHECK(refusal[http::field::www_authenticate] == challenge);
    // Wherever they are sent, whatever they hold.
    CHECK(send(request("GET /documents/1 HTTP/1.1", alice + alice)) ==
          expected);
    CHECK(send(request("GET /nowhere HTTP/1.1", alice + root)) == expected);
    CHECK(send(request("GET /health HTTP/1.1", root + root)) == expected);
    CHECK(send(request("GET /admin/users HTTP/1.1",
                       "Authorization: Basic cm9vdDpyb290\r\n" + root)) ==
          expected);
}

TEST_CASE("hostile: empty and malformed bearer credentials", "[hostile]") {
    std::string const token = service().token("alice");
    auto const answer = [](std::string const& authorization) {
        return parse(send(request("GET /documents/1 HTTP/1.1",
                                  "Authorization: " + authorization + "\r\n")));
    };
    // A bearer header the server cannot read unambiguously: 400.
    for (auto const& value :
         {"Bearer"s, "Bearer   "s, "Bearer a b"s, "Bearer !!!"s,
          "Bearer " + token + " " + token, "Bearer " + token + ",x"s,
          "Bearer\t" + token, "Bearer" + token, "Bearer =" + token,
          "Bearer a=b"s}) {
        INFO(value);
        auto const r = answer(value);
        CHECK(r.result() == status::bad_request);
        CHECK(r[http::field::www_authenticate] ==
              R"(Bearer realm="docs-service", error="invalid_request", )"
              R"(error_description="the Authorization header is malformed")");
        CHECK(r.body() == bad_request_body);
    }
    // A token of the right shape that does not verify: 401.
    for (auto const& value :
         {"Bearer abc"s, "Bearer a.b.c"s, "Bearer " + token + "x",
          "Bearer x" + token, "Bearer " + token.substr(0, token.size() - 2)}) {
        INFO(value);
        auto const r = answer(value);
        CHECK(r.result() == status::unauthorized);
        CHECK_THAT(std::string(r[http::field::www_authenticate]),
                   Catch::StartsWith(R"(Bearer realm="docs-service", )"
                                     R"(error="invalid_token")"));
    }
    // No bearer credentials at all: 401 with a plain challenge.
    for (auto const& value :
         {""s, "Basic YWxpY2U6YWxpY2U="s, "Token " + token}) {
        INFO(value);
        auto const r = answer(value);
        CHECK(r.result() == status::unauthorized);
        CHECK(r[http::field::www_authenticate] ==
              R"(Bearer realm="docs-service")");
    }
    // The scheme is case-insensitive.
    CHECK(answer("bearer " + token).result() == status::ok);
    CHECK(answer("BEARER " + token).result() == status::ok);
}

TEST_CASE("hostile: headers cannot grant an identity", "[hostile]") {
    std::string const claims = "X-User: root\r\n"
                               "X-Roles: admin\r\n"
                               "X-Role: admin\r\n"
                               "X-Forwarded-User: root\r\n"
                               "X-Remote-User: root\r\n"
                               "Remote-User: root\r\n"
                               "X-Auth-Request-User: root\r\n"
                               "X-Tenant: globex\r\n"
                               "X-Forwarded-For: 127.0.0.1\r\n"
                               "Forwarded: for=127.0.0.1\r\n"
                               "X-Original-URL: /health\r\n"
                               "X-Rewrite-URL: /health\r\n";
    auto const bob = bearer("bob");
    auto const root = bearer("root");
    struct probe {
        char const* line;
        std::string credentials;
        status expected;
    };
    for (auto const& [line, credentials, expected] : {
             probe{"GET /admin/users HTTP/1.1", "", status::unauthorized},
             probe{"GET /admin/users HTTP/1.1", bob, status::forbidden},
             probe{"GET /documents/1 HTTP/1.1", bob, status::not_found},
             probe{"GET /documents/3 HTTP/1.1", root, status::not_found},
             probe{"DELETE /admin/users/1 HTTP/1.1", bob, status::forbidden},
         }) {
        INFO(line << "\n" << credentials);
        auto const plain = send(request(line, credentials));
        CHECK(status_of(plain) == expected);
        // Byte for byte the answer without the claims.
        CHECK(send(request(line, claims + credentials)) == plain);
    }
    // Nor do they reroute: /health stays /health.
    auto const health = parse(
        send(request("GET /health HTTP/1.1", "X-Original-URL: /admin/users\r\n"
                                             "X-Rewrite-URL: /admin/users\r\n" +
                                                 root)));
    CHECK(health.result() == status::ok);
    CHECK(health.body() == R"({"status":"ok"})");
}

TEST_CASE("hostile: an oversized header is 431", "[hostile]") {
    std::string const padding =
        "X-Padding: " + std::string(20'000, 'a') + "\r\n";
    auto const expected = send(request("GET /admin/users HTTP/1.1", padding));
    auto const refusal = parse(expected);
    CHECK(refusal.result() == status::request_header_fields_too_large);
    CHECK(refusal.body() ==
          R"({"error":"header_too_large",)"
          R"("message":"the request headers are too large"})");
    CHECK(send(request("GET /nowhere HTTP/1.1", padding)) == expected);
    CHECK(send(request("GET /admin/users HTTP/1.1",
                       bearer("root") + padding)) == expected);
}

TEST_CASE("hostile: an oversized target is 414", "[hostile]") {
    std::string const tail(9'000, 'a');
    auto const expected =
        send(request("GET /documents/" + tail + " HTTP/1.1", bearer("alice")));
    auto const refusal = parse(expected);
    CHECK(refusal.result() == status::uri_too_long);
    CHECK(refusal.body() == R"({"error":"uri_too_long",)"
                            R"("message":"the request target is too long"})");
    CHECK(send(request("GET /nowhere/" + tail + " HTTP/1.1")) == expected);
    CHECK(send(request("GET /documents/1?q=" + tail + " HTTP/1.1")) ==
          expected);
}

TEST_CASE("hostile: an oversized body is 413 only for an authorised client",
          "[hostile]") {
    // The body is announced and never sent: only a refusal from the
    // header can answer.
    auto const announce = [](std::string const& credentials) {
        return send(request("POST /documents HTTP/1.1",
                            credentials + "Content-Type: application/json\r\n"
                                          "Content-Length: 2000000\r\n"));
    };
    auto const alice = parse(announce(bearer("alice")));
    CHECK(alice.result() == status::payload_too_large);
    CHECK(alice.body() == R"({"error":"payload_too_large",)"
                          R"("message":"the request body is too large"})");
    CHECK(status_of(announce("")) == status::unauthorized);
    CHECK(status_of(announce(bearer("bob"))) == status::forbidden);
    CHECK(status_of(announce("Authorization: Bearer abc\r\n")) ==
          status::unauthorized);

    // A chunked body is refused as soon as a chunk's size is over.
    auto const chunked =
        send(request("POST /documents HTTP/1.1",
                     bearer("alice") + "Transfer-Encoding: chunked\r\n") +
             "200000\r\n" + std::string(1000, 'a'));
    CHECK(status_of(chunked) == status::payload_too_large);
}

TEST_CASE("hostile: a viewer's malformed body is 403, not 400", "[hostile]") {
    for (auto body : {"{not json", "", "[]", R"({"title":1})"}) {
        INFO(body);
        std::string const fields =
            "Content-Type: application/json\r\n"
            "Content-Length: " +
            std::to_string(std::string_view(body).size()) + "\r\n";
        auto const as = [&](std::string const& credentials) {
            return status_of(
                send(request("POST /documents HTTP/1.1", credentials + fields) +
                     body));
        };
        CHECK(as(bearer("bob")) == status::forbidden);
        CHECK(as("") == status::unauthorized);
        // The editor's request reaches the handler, which refuses it.
        CHECK(as(bearer("alice")) == status::bad_request);
    }
}

TEST_CASE("hostile: a smuggled request is never answered", "[hostile]") {
    std::string const smuggled = "GET /admin/users HTTP/1.1\r\n"
                                 "Host: localhost\r\n" +
                                 bearer("root") + "\r\n";
    for (auto const& framing :
         {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"s,
          "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"s,
          "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n"s,
          "Transfer-Encoding: gzip\r\n"s,
          "Transfer-Encoding: gzip, chunked\r\n"s,
          "Content-Length: 5\r\nContent-Length: 48\r\n"s}) {
        INFO(framing);
        for (auto const& credentials : {""s, bearer("alice")}) {
            auto const reply =
                send("POST /documents HTTP/1.1\r\n"
                     "Host: localhost\r\n" +
                     credentials + framing + "\r\n0\r\n\r\n" + smuggled);
            auto const refusal = parse(reply);
            CHECK(refusal.result() == status::bad_request);
            CHECK(refusal.body() == bad_request_body);
            CHECK_FALSE(refusal.keep_alive());
            // One response, and nothing of the users list.
            CHECK(reply.find("HTTP/1.1", 1) == std::string::npos);
            CHECK(reply.find("users") == std::string::npos);
        }
    }
    // Nothing was created either.
    auto const listed =
        parse(send(request("GET /documents HTTP/1.1", bearer("alice"))));
    CHECK(listed.body().find(R"("id":1)") != std::string::npos);
    CHECK(listed.body().find(R"("id":4)") == std::string::npos);
}

TEST_CASE("hostile: slow clients are closed after the timeouts", "[hostile]") {
    auto options = local_options();
    options.header_timeout = 200ms;
    options.read_timeout = 600ms;
    running_service slow{options};
    auto const quietly_closed = [&](std::string const& raw) {
        INFO(raw);
        auto const start = std::chrono::steady_clock::now();
        auto const reply = exchange(slow.port(), raw);
        REQUIRE(reply);
        CHECK(reply->empty()); // closed, without an answer
        CHECK(std::chrono::steady_clock::now() - start < 3s);
    };
    auto const alice = "Authorization: Bearer " + slow.token("alice") + "\r\n";
    // Nothing at all, a header that never ends, a body that never ends.
    quietly_closed("");
    quietly_closed("GET /documents/1 HTTP/1.1\r\nHost: localhost\r\n" + alice);
    quietly_closed("POST /documents HTTP/1.1\r\nHost: localhost\r\n" + alice +
                   "Content-Type: application/json\r\n"
                   "Content-Length: 30\r\n\r\n{\"title\":");
    // Other clients are served meanwhile and afterwards; nothing was
    // created.
    auto const listed =
        exchange(slow.port(), request("GET /documents HTTP/1.1", alice));
    REQUIRE(listed);
    auto const documents = parse(*listed);
    CHECK(documents.result() == status::ok);
    CHECK(documents.body() ==
          R"({"documents":[{"body":"Ship the first release.","id":1,)"
          R"("owner":"alice","tenant":"acme","title":"Alice's plan"}]})");
}

namespace {

// Knows one token, "ann", of a reader of acme.
struct one_user_authenticator {
    clearance::authentication authenticate(clearance::request const& r) const {
        auto const bearer = clearance::read_bearer(r);
        using kind = clearance::bearer_credentials::kind;
        if (bearer.state == kind::absent)
            return clearance::authentication::none();
        if (bearer.state == kind::malformed)
            return clearance::authentication::malformed();
        if (bearer.token != "ann")
            return clearance::authentication::invalid();
        clearance::principal who;
        who.subject = "ann";
        who.tenant = "acme";
        who.roles.set(*test_policy::policy::find_role("reader"));
        test_policy::policy::compute_permissions(who);
        return clearance::authentication::success(std::move(who));
    }
};

[[noreturn]] clearance::response fail() {
    throw std::runtime_error("secret: the database password is hunter2");
}

auto make_throwing_service() {
    using namespace clearance;
    return make_service<test_policy::policy>(
        service_options{"tests"}, one_user_authenticator{}, loaders(),
        get<"/fine">([](public_route) {
            response r{status::ok, 11};
            r.set(http::field::content_type, "text/plain");
            r.body() = "fine";
            return r;
        }),
        get<"/boom">([](public_route) -> response { fail(); }),
        get<"/guarded-boom">(
            [](granted<test_policy::can_read>) -> response { fail(); }));
}

} // namespace

TEST_CASE("hostile: a throwing handler is 500 with a generic body",
          "[hostile]") {
    using service_type = decltype(make_throwing_service());
    service_type const throwing = make_throwing_service();
    background_server<screened<service_type>> server{
        screened<service_type>{&throwing}, local_options()};
    auto const ask = [&](std::string const& line,
                         std::string const& fields = {}) {
        auto const reply = exchange(server.port(), request(line, fields));
        REQUIRE(reply);
        CHECK(reply->find("secret") == std::string::npos);
        CHECK(reply->find("hunter2") == std::string::npos);
        return parse(*reply);
    };
    for (auto const& [line, fields] :
         {std::pair{"GET /boom HTTP/1.1"s, ""s},
          std::pair{"GET /guarded-boom HTTP/1.1"s,
                    "Authorization: Bearer ann\r\n"s}}) {
        auto const failed = ask(line, fields);
        CHECK(failed.result() == status::internal_server_error);
        CHECK(failed.body() == internal_error_body);
        // The next request, on another connection, is served.
        auto const next = ask("GET /fine HTTP/1.1");
        CHECK(next.result() == status::ok);
        CHECK(next.body() == "fine");
    }
    // The guard runs first: no credentials, no handler, no 500.
    CHECK(ask("GET /guarded-boom HTTP/1.1").result() == status::unauthorized);
}
