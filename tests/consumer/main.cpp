// SPDX-License-Identifier: BSL-1.0
// Serves one public and one guarded route on a free port and asks them
// over a real socket: the public route without credentials (200), the
// guarded one without (401), with a reader's token (200) and with a
// token of no role (403). Exits 0 if every answer is the expected one.
#include <clearance/jwt.hpp>
#include <clearance/server.hpp>
#include <clearance/service.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

using can_read = clearance::permission<"read">;
struct reader : clearance::role<"reader", clearance::grants<can_read>> {};
using policy = clearance::policy<clearance::roles<reader>>;

static clearance::response text(char const* body) {
    clearance::response r{boost::beast::http::status::ok, 11};
    r.body() = body;
    return r;
}

static unsigned status_of(std::uint16_t port, char const* target,
                          std::string const& token = {}) {
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    net::io_context io;
    net::ip::tcp::socket socket(io);
    socket.connect({net::ip::make_address("127.0.0.1"), port});
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "localhost");
    if (!token.empty())
        req.set(http::field::authorization, "Bearer " + token);
    http::write(socket, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    return res.result_int();
}

int main() {
    clearance::jwt_options keys;
    keys.secret = "a development key of at least thirty-two bytes";
    clearance::jwt_authenticator<policy> tokens{keys};
    clearance::token_claims ada;
    ada.subject = "ada";
    ada.tenant = "acme";
    ada.roles = {"reader"};
    clearance::token_claims bob = ada;
    bob.subject = "bob";
    bob.roles.clear();
    auto const reader_token = tokens.issue(ada, std::chrono::minutes{5});
    auto const roleless_token = tokens.issue(bob, std::chrono::minutes{5});
    auto service = clearance::make_service<policy>(
        clearance::service_options{"consumer"}, tokens, clearance::loaders(),
        clearance::get<"/health">(
            [](clearance::public_route) { return text("ok"); }),
        clearance::get<"/secret">(
            [](clearance::granted<can_read>) { return text("secret"); }));

    clearance::server_options options;
    options.port = 0;
    options.threads = 1;
    options.handle_signals = false;
    clearance::server server(
        [&](clearance::request&& r, clearance::peer_address const& peer) {
            return service(r, peer);
        },
        options);
    std::thread running([&] { server.run(); });
    unsigned open = status_of(server.port(), "/health");
    unsigned closed = status_of(server.port(), "/secret");
    unsigned granted = status_of(server.port(), "/secret", reader_token);
    unsigned refused = status_of(server.port(), "/secret", roleless_token);
    server.stop();
    running.join();
    std::printf("/health %u; /secret: no token %u, reader %u, no role %u\n",
                open, closed, granted, refused);
    return open == 200 && closed == 401 && granted == 200 && refused == 403 ? 0
                                                                            : 1;
}
