// SPDX-License-Identifier: BSL-1.0
#pragma once

// A plain HTTP/1.1 client for tests: it sends the exact request bytes it
// is given and returns the exact response bytes, so that tests can
// compare responses byte for byte, and parses them with Beast.

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace test_http {

/// Sends `raw` to 127.0.0.1:`port` and reads until the server closes.
inline std::string exchange(std::uint16_t port, std::string_view raw) {
    namespace net = boost::asio;
    net::io_context io;
    net::ip::tcp::socket socket(io);
    socket.connect({net::ip::make_address("127.0.0.1"), port});
    net::write(socket, net::buffer(raw.data(), raw.size()));
    std::string received;
    boost::system::error_code error;
    net::read(socket, net::dynamic_buffer(received), error);
    return received;
}

/// Parses the first response in `raw`. `head` tells the parser the
/// request was HEAD, so it expects no body.
inline boost::beast::http::response<boost::beast::http::string_body>
parse(std::string_view raw, bool head = false) {
    boost::beast::http::response_parser<boost::beast::http::string_body> parser;
    parser.eager(true);
    parser.skip(head);
    boost::system::error_code error;
    parser.put(boost::asio::buffer(raw.data(), raw.size()), error);
    if (error || !parser.is_done())
        throw std::runtime_error("unparsable response: " + std::string(raw));
    return parser.release();
}

/// A request's bytes: `method target`, an optional bearer token, an
/// optional JSON body, and `Connection: close`.
inline std::string request(std::string_view method, std::string_view target,
                           std::string_view token = {},
                           std::string_view body = {}) {
    std::string raw;
    raw += method;
    raw += ' ';
    raw += target;
    raw += " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
    if (!token.empty()) {
        raw += "Authorization: Bearer ";
        raw += token;
        raw += "\r\n";
    }
    if (!body.empty()) {
        raw += "Content-Type: application/json\r\nContent-Length: ";
        raw += std::to_string(body.size());
        raw += "\r\n";
    }
    raw += "\r\n";
    raw += body;
    return raw;
}

} // namespace test_http
