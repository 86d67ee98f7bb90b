// SPDX-License-Identifier: BSL-1.0
// Serves one public and one guarded route on a free port, asks both
// without credentials over a real socket, and exits 0 if the answers are
// 200 and 401.
#include <clearance/jwt.hpp>
#include <clearance/server.hpp>
#include <clearance/service.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <thread>

using can_read = clearance::permission<"read">;
struct reader : clearance::role<"reader", clearance::grants<can_read>> {};
using policy = clearance::policy<clearance::roles<reader>>;

static clearance::response text(char const* body) {
    clearance::response r{boost::beast::http::status::ok, 11};
    r.body() = body;
    return r;
}

static unsigned status_of(std::uint16_t port, char const* target) {
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    net::io_context io;
    net::ip::tcp::socket socket(io);
    socket.connect({net::ip::make_address("127.0.0.1"), port});
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "localhost");
    http::write(socket, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    return res.result_int();
}

int main() {
    clearance::jwt_options keys;
    keys.secret = "a development key of at least thirty-two bytes";
    auto service = clearance::make_service<policy>(
        clearance::service_options{"consumer"},
        clearance::jwt_authenticator<policy>{keys}, clearance::loaders(),
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
    server.stop();
    running.join();
    std::printf("/health %u, /secret %u\n", open, closed);
    return open == 200 && closed == 401 ? 0 : 1;
}
