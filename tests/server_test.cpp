// SPDX-License-Identifier: BSL-1.0
#include <clearance/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <future>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using namespace std::chrono_literals;

// Longer than any server timeout in these tests: a client operation
// that takes this long means the server failed to answer or to close.
constexpr auto client_deadline = 3s;

std::string describe(clearance::peer_address const& peer) {
    std::string text = peer.is_v4 ? "v4 " : "v6 ";
    for (int i = 0; i < 4; ++i) {
        text += std::to_string(peer.bytes[i]) + (i < 3 ? "." : "");
    }
    return text + ":" + std::to_string(peer.port);
}

// Answers "<method> <target>", followed by the body when there is one;
// /peer answers the peer address, /throw throws and /close asks the
// server to close the connection.
clearance::response echo(clearance::request&& req,
                         clearance::peer_address const& peer) {
    if (req.target() == "/throw") {
        throw std::runtime_error{"secret detail"};
    }
    clearance::response res{http::status::ok, req.version()};
    res.set(http::field::content_type, "text/plain");
    if (req.target() == "/peer") {
        res.body() = describe(peer);
        return res;
    }
    res.body() =
        std::string{req.method_string()} + " " + std::string{req.target()};
    if (!req.body().empty()) {
        res.body() += " " + req.body();
    }
    if (req.target() == "/close") {
        res.keep_alive(false);
    }
    return res;
}

clearance::server_options test_options() {
    clearance::server_options options;
    options.port = 0;
    options.threads = 2;
    options.read_timeout = 1s;
    options.idle_timeout = 1s;
    options.write_timeout = 1s;
    options.header_limit = 1024;
    options.body_limit = 64;
    options.handle_signals = false;
    return options;
}

using echo_server = clearance::server<decltype(&echo)>;

// A server running on a background thread for the length of a test.
class running_server {
public:
    explicit running_server(clearance::server_options options = test_options())
        : server_{&echo, std::move(options)}
        , done_{std::async(std::launch::async, [this] { server_.run(); })} {}

    running_server(running_server const&) = delete;
    running_server& operator=(running_server const&) = delete;

    ~running_server() {
        server_.stop();
        if (done_.valid()) {
            done_.wait();
        }
    }

    std::uint16_t port() const noexcept { return server_.port(); }

    void stop() { server_.stop(); }

    // Whether run() returned within the client deadline.
    bool finished() {
        if (done_.wait_for(client_deadline) != std::future_status::ready) {
            return false;
        }
        done_.get();
        return true;
    }

private:
    echo_server server_;
    std::future<void> done_;
};

clearance::request make_request(http::verb method, std::string target,
                                std::string body = {}) {
    clearance::request req{method, target, 11};
    req.set(http::field::host, "localhost");
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
}

// A client connection whose every operation has a deadline, so that a
// server that neither answers nor closes fails the test instead of
// hanging it.
class client {
public:
    explicit client(std::uint16_t port) {
        stream_.connect(
            tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
    }

    std::uint16_t local_port() const {
        return stream_.socket().local_endpoint().port();
    }

    void send(clearance::request const& req) {
        error_code const ec = complete([&](auto done) {
            http::async_write(stream_, req, std::move(done));
        });
        INFO(ec.message());
        REQUIRE_FALSE(ec);
    }

    void send(std::string_view bytes) {
        error_code const ec = complete([&](auto done) {
            net::async_write(stream_, net::buffer(bytes), std::move(done));
        });
        INFO(ec.message());
        REQUIRE_FALSE(ec);
    }

    // Reads a response; `head` says it answers a HEAD request, whose
    // Content-Length announces a body that is not sent.
    error_code read(clearance::response& res, bool head = false) {
        http::response_parser<http::string_body> parser;
        parser.skip(head);
        error_code const ec = complete([&](auto done) {
            http::async_read(stream_, buffer_, parser, std::move(done));
        });
        if (!ec) {
            res = parser.release();
        }
        return ec;
    }

    clearance::response receive(bool head = false) {
        clearance::response res;
        error_code const ec = read(res, head);
        INFO(ec.message());
        REQUIRE_FALSE(ec);
        return res;
    }

    // Whether the server closed the connection without sending more.
    bool closed() {
        clearance::response ignored;
        return read(ignored) == http::error::end_of_stream;
    }

private:
    template <class Operation>
    error_code complete(Operation operation) {
        error_code result = net::error::would_block;
        stream_.expires_after(client_deadline);
        operation([&](error_code ec, std::size_t) { result = ec; });
        io_.restart();
        io_.run();
        return result;
    }

    net::io_context io_;
    boost::beast::tcp_stream stream_{io_};
    boost::beast::flat_buffer buffer_;
};

std::string const internal_error_body =
    R"({"error":"internal_error",)"
    R"("message":"the server could not complete the request"})";

} // namespace

TEST_CASE("a request is answered by the handler", "[server]") {
    running_server server;
    client c{server.port()};
    c.send(make_request(http::verb::post, "/echo", "hello"));
    auto const res = c.receive();
    CHECK(res.result() == http::status::ok);
    CHECK(res.version() == 11);
    CHECK(res.body() == "POST /echo hello");
    CHECK(res[http::field::content_length] == "16");
}

TEST_CASE("the handler sees the peer address", "[server]") {
    running_server server;
    client c{server.port()};
    c.send(make_request(http::verb::get, "/peer"));
    CHECK(c.receive().body() ==
          "v4 127.0.0.1:" + std::to_string(c.local_port()));
}

TEST_CASE("a keep-alive connection serves several requests", "[server]") {
    running_server server;
    client c{server.port()};
    c.send(make_request(http::verb::get, "/first"));
    CHECK(c.receive().body() == "GET /first");
    c.send(make_request(http::verb::get, "/second"));
    CHECK(c.receive().body() == "GET /second");

    SECTION("and pipelined requests are answered in order") {
        c.send("GET /third HTTP/1.1\r\nHost: x\r\n\r\n"
               "GET /fourth HTTP/1.1\r\nHost: x\r\n\r\n");
        CHECK(c.receive().body() == "GET /third");
        CHECK(c.receive().body() == "GET /fourth");
    }
}

TEST_CASE("the connection closes when either side asks", "[server]") {
    running_server server;
    client c{server.port()};

    SECTION("HTTP/1.1 with Connection: close") {
        auto req = make_request(http::verb::get, "/hello");
        req.keep_alive(false);
        c.send(req);
        auto const res = c.receive();
        CHECK(res.body() == "GET /hello");
        CHECK_FALSE(res.keep_alive());
    }
    SECTION("HTTP/1.0 without keep-alive") {
        c.send("GET /hello HTTP/1.0\r\n\r\n");
        auto const res = c.receive();
        CHECK(res.version() == 10);
        CHECK(res.body() == "GET /hello");
    }
    SECTION("a response with Connection: close") {
        c.send(make_request(http::verb::get, "/close"));
        CHECK(c.receive().body() == "GET /close");
    }
    CHECK(c.closed());
}

TEST_CASE("HTTP/1.0 with keep-alive stays open", "[server]") {
    running_server server;
    client c{server.port()};
    c.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto const res = c.receive();
    CHECK(res.version() == 10);
    CHECK(res.keep_alive());
    c.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    CHECK(c.receive().body() == "GET /b");
}

TEST_CASE("a HEAD response carries no body", "[server]") {
    running_server server;
    client c{server.port()};
    c.send(make_request(http::verb::head, "/hello"));
    auto const res = c.receive(true);
    CHECK(res.result() == http::status::ok);
    CHECK(res[http::field::content_length] == "11"); // "HEAD /hello"
    // Had the body been sent, it would be read as the next response.
    c.send(make_request(http::verb::get, "/next"));
    CHECK(c.receive().body() == "GET /next");
}

TEST_CASE("a client that expects 100-continue is told to send its body",
          "[server]") {
    running_server server;
    client c{server.port()};
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
           "Content-Length: 5\r\n\r\n");
    CHECK(c.receive().result() == http::status::continue_);
    c.send("hello");
    CHECK(c.receive().body() == "POST /echo hello");
}

TEST_CASE("an oversized header is answered 431", "[server]") {
    running_server server;
    client c{server.port()};
    auto req = make_request(http::verb::get, "/hello");
    req.set("X-Padding", std::string(4000, 'a'));
    c.send(req);
    auto const res = c.receive();
    CHECK(res.result() == http::status::request_header_fields_too_large);
    CHECK(res.body() == R"({"error":"header_too_large",)"
                        R"("message":"the request headers are too large"})");
    CHECK_FALSE(res.keep_alive());
    CHECK(c.closed());
}

TEST_CASE("an oversized body is answered 413", "[server]") {
    running_server server;
    client c{server.port()};
    std::string const refusal = R"({"error":"payload_too_large",)"
                                R"("message":"the request body is too large"})";

    SECTION("from its Content-Length, before it is sent") {
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\n"
               "Content-Length: 1000\r\n\r\n");
    }
    SECTION("while it is read, when it is chunked") {
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\n"
               "Transfer-Encoding: chunked\r\n\r\n"
               "64\r\n" +
               std::string(100, 'a') + "\r\n0\r\n\r\n");
    }
    auto const res = c.receive();
    CHECK(res.result() == http::status::payload_too_large);
    CHECK(res.body() == refusal);
    CHECK(c.closed());
}

TEST_CASE("a malformed request is answered 400", "[server]") {
    running_server server;
    client c{server.port()};
    c.send("\x01\x02\x03 garbage\r\n\r\n");
    auto const res = c.receive();
    CHECK(res.result() == http::status::bad_request);
    CHECK(res.body() ==
          R"({"error":"bad_request","message":"the request is malformed"})");
    CHECK(c.closed());
}

TEST_CASE("a throwing handler is answered 500 and serving goes on",
          "[server]") {
    running_server server;
    client c{server.port()};
    c.send(make_request(http::verb::get, "/throw"));
    auto const res = c.receive();
    CHECK(res.result() == http::status::internal_server_error);
    CHECK(res.body() == internal_error_body);

    c.send(make_request(http::verb::get, "/after"));
    CHECK(c.receive().body() == "GET /after");

    client other{server.port()};
    other.send(make_request(http::verb::get, "/other"));
    CHECK(other.receive().body() == "GET /other");
}

TEST_CASE("slow and idle clients are disconnected without an answer",
          "[server]") {
    auto options = test_options();
    options.read_timeout = 100ms;
    options.idle_timeout = 100ms;
    running_server server{options};
    client c{server.port()};

    SECTION("a request that never completes") {
        c.send("GET /hello HTTP/1.1\r\nHost:");
    }
    SECTION("a kept-alive connection with no next request") {
        c.send(make_request(http::verb::get, "/hello"));
        CHECK(c.receive().body() == "GET /hello");
    }
    CHECK(c.closed());
}

TEST_CASE("connections over max_connections are closed at once", "[server]") {
    auto options = test_options();
    options.max_connections = 1;
    running_server server{options};
    {
        client first{server.port()};
        first.send(make_request(http::verb::get, "/first"));
        CHECK(first.receive().body() == "GET /first");

        client second{server.port()};
        CHECK(second.closed());
    }
    // The first session ends asynchronously once its client has gone.
    bool served = false;
    for (int attempt = 0; attempt < 200 && !served; ++attempt) {
        client third{server.port()};
        third.send(make_request(http::verb::get, "/third"));
        clearance::response res;
        served = !third.read(res) && res.body() == "GET /third";
        if (!served) {
            std::this_thread::sleep_for(10ms);
        }
    }
    CHECK(served);
}

TEST_CASE("stop() closes connections and makes run() return", "[server]") {
    running_server server;
    client c{server.port()};
    c.send(make_request(http::verb::get, "/hello"));
    CHECK(c.receive().body() == "GET /hello");
    server.stop();
    CHECK(server.finished());
    CHECK(c.closed());
    server.stop();
}

TEST_CASE("a single-threaded server serves and stops", "[server]") {
    auto options = test_options();
    options.threads = 1;
    running_server server{options};
    client c{server.port()};
    c.send(make_request(http::verb::get, "/hello"));
    CHECK(c.receive().body() == "GET /hello");
    server.stop();
    CHECK(server.finished());
}

TEST_CASE("stop() before run() makes run() return at once", "[server]") {
    echo_server server{&echo, test_options()};
    server.stop();
    server.run();
}

TEST_CASE("a signal stops the server", "[server]") {
    auto options = test_options();
    options.handle_signals = true;
    running_server server{options};
    std::raise(SIGTERM);
    CHECK(server.finished());
}

TEST_CASE("an address that cannot be bound throws", "[server]") {
    running_server server;
    auto options = test_options();
    options.port = server.port();
    CHECK_THROWS_WITH(echo_server(&echo, options),
                      Catch::Contains("cannot listen on 127.0.0.1:" +
                                      std::to_string(server.port())));

    options.address = "localhost";
    CHECK_THROWS_WITH(echo_server(&echo, options),
                      Catch::Contains("\"localhost\" is not a numeric IP"));
}
