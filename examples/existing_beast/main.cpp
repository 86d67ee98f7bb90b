// SPDX-License-Identifier: BSL-1.0
// clearance behind a Beast server you already have. The server below is
// a plain synchronous Beast server, a thread per connection; the lines
// that concern clearance are marked "clearance:". Run it with an
// optional port and try the curl line it prints. Synchronous reads have
// no timeouts: a server facing the internet uses Beast's asynchronous
// operations, or clearance::server.

#include <clearance/jwt.hpp>
#include <clearance/service.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

using reports_read = clearance::permission<"reports:read">;
struct analyst : clearance::role<"analyst", clearance::grants<reports_read>> {};
using policy = clearance::policy<clearance::roles<analyst>>;

clearance::response reply(std::string body) {
    return {http::status::ok, 11, std::move(body) + "\n"};
}

auto make_service() {
    clearance::jwt_options jwt;
    jwt.secret = "existing-beast-development-key-never-use-in-production";
    return clearance::make_service<policy>(
        clearance::service_options{"reports"},
        clearance::jwt_authenticator<policy>{jwt}, clearance::loaders(),
        clearance::get<"/health">(
            [](clearance::public_route) { return reply("ok"); }),
        clearance::post<"/reports">(
            [](clearance::granted<reports_read>,
               clearance::request_context const& context) {
                return reply("received " +
                             std::to_string(context.request.body().size()) +
                             " bytes");
            }));
}

using service_type = decltype(make_service());

// clearance: the address of the peer, as the guard and network rules
// see it.
clearance::peer_address peer_of(tcp::endpoint const& endpoint) {
    clearance::peer_address peer;
    auto address = endpoint.address();
    if (address.is_v4()) {
        auto bytes = address.to_v4().to_bytes();
        std::copy(bytes.begin(), bytes.end(), peer.bytes.begin());
    } else {
        peer.bytes = address.to_v6().to_bytes();
        peer.is_v4 = false;
    }
    peer.port = endpoint.port();
    return peer;
}

// Serves one connection until the client closes it or sends something
// that cannot be parsed. Errors end the connection, never the server.
constexpr std::uint64_t body_limit = 1024 * 1024;

void serve(tcp::socket socket, service_type const& service) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    auto const peer = peer_of(socket.remote_endpoint(ec));
    if (ec)
        return;
    while (true) {
        // Read the header first, so that clearance can refuse a request
        // before its body is read.
        http::request_parser<http::string_body> parser;
        parser.header_limit(16 * 1024);
        // The body limit is applied after screening, so that a refused
        // request gets its refusal whatever length it declares.
        parser.body_limit(boost::none);
        http::read_header(socket, buffer, parser, ec);
        if (ec)
            return;
        // clearance: every check that needs no body (target, route,
        // credentials, permissions). An answer means "refused".
        std::optional<clearance::response> response =
            service.screen(parser.get(), peer);
        auto const length = parser.content_length();
        if (!response && length && *length > body_limit)
            response = clearance::error_response(
                http::status::payload_too_large, parser.get().version());
        if (response) {
            // The body was not read, so the connection cannot be reused.
            response->keep_alive(false);
        } else {
            parser.body_limit(body_limit);
            http::read(socket, buffer, parser, ec);
            if (ec)
                return;
            // clearance: the whole pipeline, then the handler.
            response = service(parser.get(), peer);
        }
        http::write(socket, *response, ec);
        if (ec || !response->keep_alive())
            break;
    }
    socket.shutdown(tcp::socket::shutdown_send, ec);
}

int main(int argc, char** argv) {
    try {
        auto port =
            static_cast<std::uint16_t>(argc > 1 ? std::stoul(argv[1]) : 8080);
        auto const service = make_service();
        asio::io_context io;
        tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), port});
        std::cout << "curl -i -X POST -d hello -H 'Authorization: Bearer "
                  << service.authenticator().issue({"ann", "", {"analyst"}, ""},
                                                   std::chrono::hours{1})
                  << "' localhost:" << acceptor.local_endpoint().port()
                  << "/reports\n"
                  << std::flush;
        while (true) {
            tcp::socket socket(io);
            beast::error_code ec;
            acceptor.accept(socket, ec);
            if (!ec)
                std::thread(serve, std::move(socket), std::cref(service))
                    .detach();
        }
    } catch (std::exception const& e) {
        std::cerr << "existing_beast: " << e.what() << "\n";
        return 1;
    }
}
