// SPDX-License-Identifier: BSL-1.0
#include <clearance/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <memory>
#include <optional>
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

// What the screening handler below saw, shared by its copies and
// threads.
struct screening_log {
    std::atomic<int> screened{0};
    std::atomic<int> handled{0};
    std::atomic<bool> screen_saw_a_body{false};
    std::atomic<bool> screen_saw_the_header{true};
};

// A handler that screens like a guard: a request without
// `X-Test-Allow: yes` is refused 401 from its header alone, and
// /screen-throw makes the screen throw. Requests let through are
// answered by `echo`.
struct screening_echo {
    std::shared_ptr<screening_log> log = std::make_shared<screening_log>();

    std::optional<clearance::response> screen(clearance::request const& req,
                                              clearance::peer_address const&) {
        ++log->screened;
        if (!req.body().empty()) {
            log->screen_saw_a_body = true;
        }
        if (req[http::field::host] != "x") {
            log->screen_saw_the_header = false;
        }
        if (req.target() == "/screen-throw") {
            throw std::runtime_error{"secret detail"};
        }
        if (req["X-Test-Allow"] == "yes") {
            return std::nullopt;
        }
        auto refusal = clearance::error_response(http::status::unauthorized,
                                                 req.version());
        refusal.set(http::field::www_authenticate, "Bearer");
        return refusal;
    }

    clearance::response operator()(clearance::request&& req,
                                   clearance::peer_address const& peer) {
        ++log->handled;
        return echo(std::move(req), peer);
    }
};

// A handler whose screen has the wrong return type: the server must
// reject it rather than serve it unscreened.
struct misdeclared_screen {
    bool screen(clearance::request const&, clearance::peer_address const&) {
        return true;
    }
    clearance::response operator()(clearance::request&&,
                                   clearance::peer_address const&) {
        return {};
    }
};

// A server running on a background thread for the length of a test.
template <class Handler>
class serving {
public:
    serving(Handler handler, clearance::server_options options)
        : server_{std::move(handler), std::move(options)}
        , done_{std::async(std::launch::async, [this] { server_.run(); })} {}

    serving(serving const&) = delete;
    serving& operator=(serving const&) = delete;

    ~serving() {
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
    clearance::server<Handler> server_;
    std::future<void> done_;
};

// The echo server most tests use.
class running_server : public serving<decltype(&echo)> {
public:
    explicit running_server(clearance::server_options options = test_options())
        : serving{&echo, std::move(options)} {}
};

// A screening server and what its handler saw.
class screening_server : public serving<screening_echo> {
public:
    explicit screening_server(
        screening_echo handler = {},
        clearance::server_options options = test_options())
        : serving{handler, std::move(options)}
        , log_{handler.log} {}

    screening_log const& log() const noexcept { return *log_; }

private:
    std::shared_ptr<screening_log> log_;
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
    // Connects from `source`, a loopback address such as 127.0.0.2, so
    // that tests can play several peers.
    explicit client(std::uint16_t port, char const* source = "127.0.0.1") {
        auto& socket = stream_.socket();
        socket.open(tcp::v4());
        socket.bind(tcp::endpoint{net::ip::make_address(source), 0});
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

// The set-up most tests share, as a Catch fixture: a server with the
// test options and one client connected to it.
template <class Server>
struct one_client {
    Server server;
    client c{server.port()};
};

using echo_fixture = one_client<running_server>;
using screening_fixture = one_client<screening_server>;

std::string const bad_request_body =
    R"({"error":"bad_request","message":"the request is malformed"})";

std::string const payload_too_large_body =
    R"({"error":"payload_too_large",)"
    R"("message":"the request body is too large"})";

std::string const unauthorized_body =
    R"({"error":"unauthorized","message":"valid credentials are required"})";

std::string const internal_error_body =
    R"({"error":"internal_error",)"
    R"("message":"the server could not complete the request"})";

// Sends `head`, a request line and fields, with a body over the test
// options' limit of 64 bytes, and checks that it is answered 413 and
// the connection closed.
void check_oversized_body(client& c, std::string const& head) {
    SECTION("declared by Content-Length, before the body is sent") {
        c.send(head + "Content-Length: 1000\r\n\r\n");
    }
    SECTION("chunked, while the body is read") {
        c.send(head + "Transfer-Encoding: chunked\r\n\r\n64\r\n" +
               std::string(100, 'a') + "\r\n0\r\n\r\n");
    }
    auto const res = c.receive();
    CHECK(res.result() == http::status::payload_too_large);
    CHECK(res.body() == payload_too_large_body);
    CHECK(c.closed());
}

} // namespace

TEST_CASE_METHOD(echo_fixture, "a request is answered by the handler",
                 "[server]") {
    c.send(make_request(http::verb::post, "/echo", "hello"));
    auto const res = c.receive();
    CHECK(res.result() == http::status::ok);
    CHECK(res.version() == 11);
    CHECK(res.body() == "POST /echo hello");
    CHECK(res[http::field::content_length] == "16");
}

TEST_CASE_METHOD(echo_fixture, "the handler sees the peer address",
                 "[server]") {
    c.send(make_request(http::verb::get, "/peer"));
    CHECK(c.receive().body() ==
          "v4 127.0.0.1:" + std::to_string(c.local_port()));
}

TEST_CASE_METHOD(echo_fixture,
                 "a keep-alive connection serves several requests",
                 "[server]") {
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

TEST_CASE_METHOD(echo_fixture, "the connection closes when either side asks",
                 "[server]") {
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

TEST_CASE_METHOD(echo_fixture, "HTTP/1.0 with keep-alive stays open",
                 "[server]") {
    c.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto const res = c.receive();
    CHECK(res.version() == 10);
    CHECK(res.keep_alive());
    c.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    CHECK(c.receive().body() == "GET /b");
}

TEST_CASE_METHOD(echo_fixture, "a HEAD response carries no body", "[server]") {
    c.send(make_request(http::verb::head, "/hello"));
    auto const res = c.receive(true);
    CHECK(res.result() == http::status::ok);
    CHECK(res[http::field::content_length] == "11"); // "HEAD /hello"
    // Had the body been sent, it would be read as the next response.
    c.send(make_request(http::verb::get, "/next"));
    CHECK(c.receive().body() == "GET /next");
}

TEST_CASE_METHOD(echo_fixture,
                 "a client that expects 100-continue is told to send its body",
                 "[server]") {
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
           "Content-Length: 5\r\n\r\n");
    CHECK(c.receive().result() == http::status::continue_);
    c.send("hello");
    CHECK(c.receive().body() == "POST /echo hello");
}

TEST_CASE_METHOD(echo_fixture, "an oversized header is answered 431",
                 "[server]") {
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

TEST_CASE_METHOD(echo_fixture, "an oversized body is answered 413",
                 "[server]") {
    check_oversized_body(c, "POST /echo HTTP/1.1\r\nHost: x\r\n");
}

TEST_CASE_METHOD(echo_fixture,
                 "chunked framing that never ends its line is answered 400",
                 "[server]") {
    // More than header_limit plus the read buffer's allowance for
    // framing, 1 KiB + 64 KiB with the test options, and no line end:
    // Beast's parser would wait for the rest, holding all of it.
    std::string const endless(100 * 1024, '0');
    std::string const head = "POST /echo HTTP/1.1\r\nHost: x\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n";
    SECTION("a chunk extension") {
        c.send(head + "5;" + endless);
    }
    SECTION("a chunk size") {
        c.send(head + endless);
    }
    SECTION("a trailer field") {
        c.send(head + "0\r\nX-Trailer: " + endless);
    }
    auto const res = c.receive();
    CHECK(res.result() == http::status::bad_request);
    CHECK(res.body() == bad_request_body);
    CHECK(c.closed());
}

TEST_CASE_METHOD(echo_fixture, "a malformed request is answered 400",
                 "[server]") {
    c.send("\x01\x02\x03 garbage\r\n\r\n");
    auto const res = c.receive();
    CHECK(res.result() == http::status::bad_request);
    CHECK(res.body() == bad_request_body);
    CHECK(c.closed());
}

TEST_CASE_METHOD(echo_fixture,
                 "a throwing handler is answered 500 and serving goes on",
                 "[server]") {
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

TEST_CASE_METHOD(echo_fixture,
                 "stop() closes connections and makes run() return",
                 "[server]") {
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

TEST_CASE("a handler with a screen is a ScreeningHandler", "[server]") {
    STATIC_REQUIRE(clearance::ScreeningHandler<screening_echo>);
    STATIC_REQUIRE_FALSE(clearance::ScreeningHandler<decltype(&echo)>);
    // A screen with the wrong signature is noticed, so that the server
    // can refuse to compile rather than skip it.
    STATIC_REQUIRE_FALSE(clearance::ScreeningHandler<misdeclared_screen>);
    STATIC_REQUIRE(clearance::detail::DeclaresScreen<misdeclared_screen>);
    STATIC_REQUIRE_FALSE(clearance::detail::DeclaresScreen<decltype(&echo)>);
}

TEST_CASE("a screen refuses a large body without waiting for it", "[server]") {
    auto options = test_options();
    // Were the server to wait for the body, the client would give up
    // long before this.
    options.read_timeout = 10s;
    screening_server server{{}, options};
    client c{server.port()};
    auto const start = std::chrono::steady_clock::now();
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\n"
           "Content-Length: 10000000\r\n\r\n");
    auto const res = c.receive();
    CHECK(std::chrono::steady_clock::now() - start < 1s);
    // 401, not 413: the body limit applies only to admitted requests.
    CHECK(res.result() == http::status::unauthorized);
    CHECK(res.body() == unauthorized_body);
    CHECK(res[http::field::www_authenticate] == "Bearer");
    CHECK(res[http::field::connection] == "close");
    CHECK(c.closed());
    CHECK(server.log().screened == 1);
    CHECK(server.log().handled == 0);
    CHECK(server.log().screen_saw_the_header);
}

TEST_CASE_METHOD(screening_fixture,
                 "a screen's refusal closes a connection with an unread body",
                 "[server]") {
    SECTION("a small body") {
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\n"
               "Content-Length: 5\r\n\r\nhello");
    }
    SECTION("a malformed chunked body, which would have been a 400") {
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\n"
               "Transfer-Encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n");
    }
    auto const res = c.receive();
    CHECK(res.result() == http::status::unauthorized);
    CHECK(res.body() == unauthorized_body);
    CHECK_FALSE(res.keep_alive());
    CHECK(c.closed());
    CHECK(server.log().handled == 0);
}

TEST_CASE_METHOD(screening_fixture,
                 "a screen's refusal of a request without a body keeps the "
                 "connection",
                 "[server]") {
    SECTION("no Content-Length") {
        c.send("GET /secret HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    SECTION("Content-Length: 0") {
        c.send("POST /secret HTTP/1.1\r\nHost: x\r\n"
               "Content-Length: 0\r\n\r\n");
    }
    auto const refused = c.receive();
    CHECK(refused.result() == http::status::unauthorized);
    CHECK(refused.keep_alive());

    c.send("GET /next HTTP/1.1\r\nHost: x\r\nX-Test-Allow: yes\r\n\r\n");
    CHECK(c.receive().body() == "GET /next");
    CHECK(server.log().handled == 1);
}

TEST_CASE_METHOD(screening_fixture,
                 "a request the screen lets through reaches the handler whole",
                 "[server]") {
    SECTION("with Content-Length") {
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nX-Test-Allow: yes\r\n"
               "Content-Length: 5\r\n\r\nhello");
    }
    SECTION("chunked") {
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nX-Test-Allow: yes\r\n"
               "Transfer-Encoding: chunked\r\n\r\n"
               "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n");
    }
    auto const res = c.receive();
    CHECK(res.result() == http::status::ok);
    CHECK(res.body() == "POST /echo hello");
    CHECK(res.keep_alive());
    CHECK(server.log().screened == 1);
    CHECK(server.log().handled == 1);
    // The screen judged the header before any of the body was read.
    CHECK_FALSE(server.log().screen_saw_a_body);
    CHECK(server.log().screen_saw_the_header);
}

TEST_CASE_METHOD(screening_fixture,
                 "the body limits apply to requests the screen lets through",
                 "[server]") {
    check_oversized_body(
        c, "POST /echo HTTP/1.1\r\nHost: x\r\nX-Test-Allow: yes\r\n");
    CHECK(server.log().handled == 0);
}

TEST_CASE_METHOD(screening_fixture,
                 "100-continue is sent only once the screen has passed",
                 "[server]") {
    SECTION("a refused request gets its refusal instead") {
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
               "Content-Length: 5\r\n\r\n");
        auto const res = c.receive();
        CHECK(res.result() == http::status::unauthorized);
        CHECK(res.body() == unauthorized_body);
        CHECK(c.closed());
        CHECK(server.log().handled == 0);
    }
    SECTION("an admitted request is told to send its body") {
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
               "X-Test-Allow: yes\r\nContent-Length: 5\r\n\r\n");
        CHECK(c.receive().result() == http::status::continue_);
        c.send("hello");
        auto const res = c.receive();
        CHECK(res.result() == http::status::ok);
        CHECK(res.body() == "POST /echo hello");
        CHECK(server.log().handled == 1);
    }
}

TEST_CASE_METHOD(screening_fixture, "a throwing screen is answered 500",
                 "[server]") {
    SECTION("and a connection without a body serves on") {
        c.send("GET /screen-throw HTTP/1.1\r\nHost: x\r\n\r\n");
        auto const res = c.receive();
        CHECK(res.result() == http::status::internal_server_error);
        CHECK(res.body() == internal_error_body);
        CHECK(res.keep_alive());
        c.send("GET /after HTTP/1.1\r\nHost: x\r\nX-Test-Allow: yes\r\n\r\n");
        CHECK(c.receive().body() == "GET /after");
        CHECK(server.log().handled == 1);
    }
    SECTION("and a connection with an unread body closes") {
        c.send("POST /screen-throw HTTP/1.1\r\nHost: x\r\n"
               "X-Test-Allow: yes\r\nContent-Length: 5\r\n\r\nhello");
        auto const res = c.receive();
        CHECK(res.result() == http::status::internal_server_error);
        CHECK(res.body() == internal_error_body);
        CHECK_FALSE(res.keep_alive());
        CHECK(c.closed());
        CHECK(server.log().handled == 0);
    }
}

// The default target and header limits, on a screening server.
clearance::server_options target_options() {
    clearance::server_options const defaults;
    auto options = test_options();
    options.header_limit = defaults.header_limit;
    options.target_limit = defaults.target_limit;
    return options;
}

TEST_CASE("a target within target_limit passes", "[server]") {
    clearance::server_options const defaults;
    CHECK(defaults.target_limit == 8 * 1024);
    CHECK(defaults.header_limit == 16 * 1024);
    screening_server server{{}, target_options()};
    client c{server.port()};
    std::string const target = "/" + std::string(7999, 'a');
    c.send("GET " + target +
           " HTTP/1.1\r\nHost: x\r\nX-Test-Allow: yes\r\n\r\n");
    CHECK(c.receive().body() == "GET " + target);
    CHECK(server.log().handled == 1);
}

TEST_CASE("a target over target_limit is answered 414", "[server]") {
    screening_server server{{}, target_options()};
    client c{server.port()};
    std::string const refusal =
        R"({"error":"uri_too_long",)"
        R"("message":"the request target is too long"})";

    SECTION("a target of 9000 bytes is refused, before the screen") {
        c.send("GET /" + std::string(8999, 'a') +
               " HTTP/1.1\r\nHost: x\r\nX-Test-Allow: yes\r\n\r\n");
    }
    SECTION("even when the header is too large as well") {
        c.send("GET /" + std::string(8999, 'a') +
               " HTTP/1.1\r\nHost: x\r\nX-Padding: " +
               std::string(10'000, 'b') + "\r\n\r\n");
    }
    SECTION("even when the target alone is over the header limit") {
        c.send("GET /" + std::string(19'999, 'a') +
               " HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    auto const res = c.receive();
    CHECK(res.result() == http::status::uri_too_long);
    CHECK(res.body() == refusal);
    CHECK_FALSE(res.keep_alive());
    CHECK(c.closed());
    CHECK(server.log().screened == 0);
    CHECK(server.log().handled == 0);
}

TEST_CASE("a target over target_limit is answered 414 even when the header "
          "that follows it is too large",
          "[server]") {
    auto options = target_options();
    options.target_limit = 100;
    screening_server server{{}, options};
    client c{server.port()};
    // The server parses a request line that arrives in its first read
    // before the rest, and no longer holds it when the header limit is
    // reached.
    c.send("GET /" + std::string(299, 'a') + " HTTP/1.1\r\nHost: x\r\n");
    std::this_thread::sleep_for(50ms);
    c.send("X-Padding: " + std::string(20'000, 'b') + "\r\n\r\n");
    auto const res = c.receive();
    CHECK(res.result() == http::status::uri_too_long);
    CHECK(c.closed());
    CHECK(server.log().screened == 0);
}

TEST_CASE("a header over header_limit with a short target is answered 431",
          "[server]") {
    screening_server server{{}, target_options()};
    client c{server.port()};
    c.send("GET /short HTTP/1.1\r\nHost: x\r\nX-Padding: " +
           std::string(20'000, 'b') + "\r\n\r\n");
    auto const res = c.receive();
    CHECK(res.result() == http::status::request_header_fields_too_large);
    CHECK(c.closed());
    CHECK(server.log().screened == 0);
}

TEST_CASE("a connection closes after max_requests_per_connection", "[server]") {
    auto options = test_options();
    options.max_requests_per_connection = 3;
    running_server server{options};
    client c{server.port()};
    for (std::string const name : {"/first", "/second"}) {
        c.send(make_request(http::verb::get, name));
        auto const res = c.receive();
        CHECK(res.body() == "GET " + name);
        CHECK(res.keep_alive());
    }
    c.send(make_request(http::verb::get, "/third"));
    auto const last = c.receive();
    CHECK(last.body() == "GET /third");
    CHECK(last[http::field::connection] == "close");
    CHECK(c.closed());

    client next{server.port()};
    next.send(make_request(http::verb::get, "/again"));
    CHECK(next.receive().body() == "GET /again");
}

TEST_CASE("max_requests_per_connection counts refusals by the screen",
          "[server]") {
    auto options = test_options();
    options.max_requests_per_connection = 2;
    screening_server server{{}, options};
    client c{server.port()};
    c.send("GET /refused HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(c.receive().keep_alive());
    c.send("GET /refused HTTP/1.1\r\nHost: x\r\n\r\n");
    auto const last = c.receive();
    CHECK(last.result() == http::status::unauthorized);
    CHECK(last[http::field::connection] == "close");
    CHECK(c.closed());
}

TEST_CASE("max_requests_per_connection of 0 acts as 1", "[server]") {
    auto options = test_options();
    options.max_requests_per_connection = 0;
    running_server server{options};
    client c{server.port()};
    c.send(make_request(http::verb::get, "/only"));
    auto const res = c.receive();
    CHECK(res.body() == "GET /only");
    CHECK_FALSE(res.keep_alive());
    CHECK(c.closed());
}

TEST_CASE("the defaults bound each peer and each header", "[server]") {
    clearance::server_options const defaults;
    CHECK(defaults.max_connections_per_peer == 64);
    CHECK(defaults.header_timeout == 5s);
    CHECK(defaults.header_timeout < defaults.read_timeout);
}

namespace {

// Whether a client from `source` is served, trying for a while: a
// session that has ended on the server's side is forgotten
// asynchronously, once its client has gone.
bool eventually_served(std::uint16_t port, char const* source) {
    for (int attempt = 0; attempt < 200; ++attempt) {
        client c{port, source};
        c.send(make_request(http::verb::get, "/again"));
        clearance::response res;
        if (!c.read(res) && res.body() == "GET /again") {
            return true;
        }
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

} // namespace

TEST_CASE("one peer cannot take every connection from the others", "[server]") {
    auto options = test_options();
    options.max_connections_per_peer = 2;
    running_server server{options};
    {
        client first{server.port()};
        client second{server.port()};
        for (client* c : {&first, &second}) {
            c->send(make_request(http::verb::get, "/held"));
            CHECK(c->receive().body() == "GET /held");
        }

        // The same address, at its cap: closed at once, unanswered.
        client third{server.port()};
        CHECK(third.closed());

        // Another address is served meanwhile, and seen as itself.
        client other{server.port(), "127.0.0.2"};
        other.send(make_request(http::verb::get, "/peer"));
        CHECK(other.receive().body() ==
              "v4 127.0.0.2:" + std::to_string(other.local_port()));
        client another{server.port(), "127.0.0.2"};
        another.send(make_request(http::verb::get, "/second-peer"));
        CHECK(another.receive().body() == "GET /second-peer");

        // The held connections still work.
        first.send(make_request(http::verb::get, "/still"));
        CHECK(first.receive().body() == "GET /still");
    }
    // Once its connections have closed, the first address is served
    // again.
    CHECK(eventually_served(server.port(), "127.0.0.1"));
}

TEST_CASE("max_connections_per_peer of 0 acts as 1", "[server]") {
    auto options = test_options();
    options.max_connections_per_peer = 0;
    running_server server{options};
    client first{server.port()};
    first.send(make_request(http::verb::get, "/only"));
    CHECK(first.receive().body() == "GET /only");
    client second{server.port()};
    CHECK(second.closed());
    client other{server.port(), "127.0.0.2"};
    other.send(make_request(http::verb::get, "/other"));
    CHECK(other.receive().body() == "GET /other");
}

TEST_CASE("idle connections at a peer's cap are closed by header_timeout",
          "[server]") {
    auto options = test_options();
    options.max_connections_per_peer = 2;
    options.header_timeout = 100ms;
    options.read_timeout = 10s;
    running_server server{options};
    auto const start = std::chrono::steady_clock::now();
    client idle{server.port()};
    client also_idle{server.port()};
    // Neither sent anything: both are closed well before read_timeout,
    // and their address is served again.
    CHECK(idle.closed());
    CHECK(also_idle.closed());
    CHECK(std::chrono::steady_clock::now() - start < 2s);
    CHECK(eventually_served(server.port(), "127.0.0.1"));
}

TEST_CASE("a header must be complete within header_timeout", "[server]") {
    auto options = test_options();
    options.header_timeout = 500ms;
    options.read_timeout = 10s;
    options.idle_timeout = 10s;
    running_server server{options};
    client c{server.port()};
    auto const start = std::chrono::steady_clock::now();

    SECTION("however steadily its bytes arrive") {
        c.send("GET /hello HTTP/1.1\r\n");
        for (auto const* field : {"Host: x\r\n", "X-Slow: 1\r\n"}) {
            std::this_thread::sleep_for(100ms);
            c.send(field);
        }
        CHECK(c.closed());
        CHECK(std::chrono::steady_clock::now() - start < 2s);
    }
    SECTION("while the body has the rest of read_timeout") {
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n");
        std::this_thread::sleep_for(800ms);
        c.send("hello");
        CHECK(c.receive().body() == "POST /echo hello");
    }
    SECTION("counted from a later request's first byte, not while idle") {
        c.send(make_request(http::verb::get, "/first"));
        CHECK(c.receive().body() == "GET /first");
        std::this_thread::sleep_for(800ms);
        c.send(make_request(http::verb::get, "/second"));
        CHECK(c.receive().body() == "GET /second");
    }
}

namespace {

// A request that must be answered 400 because its body cannot be
// delimited unambiguously, followed on the same connection by one that
// must never be answered.
void check_refused_framing(client& c, std::string const& head,
                           std::string const& rest = {}) {
    c.send(head + "\r\n" + rest + "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
    auto const res = c.receive();
    CHECK(res.result() == http::status::bad_request);
    CHECK(res.body() == bad_request_body);
    CHECK_FALSE(res.keep_alive());
    // Had the server answered what follows, it would be read here.
    CHECK(c.closed());
}

} // namespace

TEST_CASE_METHOD(echo_fixture,
                 "a request whose body length is ambiguous is answered 400 and "
                 "nothing after it",
                 "[server]") {
    std::string const post = "POST /echo HTTP/1.1\r\nHost: x\r\n";

    SECTION("Content-Length, then Transfer-Encoding") {
        check_refused_framing(
            c, post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
            "0\r\n\r\n");
    }
    SECTION("Transfer-Encoding, then Content-Length") {
        check_refused_framing(
            c, post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
            "0\r\n\r\n");
    }
    SECTION("an unknown coding beside Content-Length") {
        check_refused_framing(
            c, post + "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n",
            "hello");
    }
    SECTION("an unknown coding alone") {
        check_refused_framing(c, post + "Transfer-Encoding: gzip\r\n");
    }
    SECTION("identity, which RFC 9112 no longer defines") {
        check_refused_framing(c, post + "Transfer-Encoding: identity\r\n");
    }
    SECTION("a coding before chunked") {
        check_refused_framing(c, post + "Transfer-Encoding: gzip, chunked\r\n",
                              "0\r\n\r\n");
    }
    SECTION("chunked twice in one field") {
        check_refused_framing(
            c, post + "Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n");
    }
    SECTION("chunked in two fields") {
        check_refused_framing(c,
                              post + "Transfer-Encoding: chunked\r\n"
                                     "Transfer-Encoding: chunked\r\n",
                              "0\r\n\r\n");
    }
    SECTION("an unknown coding, then chunked in another field") {
        check_refused_framing(c,
                              post + "Transfer-Encoding: gzip\r\n"
                                     "Transfer-Encoding: chunked\r\n",
                              "0\r\n\r\n");
    }
    SECTION("a name that merely contains chunked") {
        check_refused_framing(c, post + "Transfer-Encoding: xchunked\r\n");
    }
    SECTION("an empty coding") {
        check_refused_framing(c, post + "Transfer-Encoding: \r\n");
    }
    SECTION("chunked in an HTTP/1.0 request") {
        check_refused_framing(c,
                              "POST /echo HTTP/1.0\r\nHost: x\r\n"
                              "Connection: keep-alive\r\n"
                              "Transfer-Encoding: chunked\r\n",
                              "0\r\n\r\n");
    }
    SECTION("two Content-Length fields that differ") {
        check_refused_framing(
            c, post + "Content-Length: 5\r\nContent-Length: 6\r\n", "hello!");
    }
    SECTION("one Content-Length field with two values that differ") {
        check_refused_framing(c, post + "Content-Length: 5, 6\r\n", "hello!");
    }
    SECTION("a Content-Length that is not a number") {
        check_refused_framing(c, post + "Content-Length: +5\r\n", "hello");
    }
    SECTION("white space before the colon of Transfer-Encoding") {
        check_refused_framing(c, post + "Transfer-Encoding : chunked\r\n",
                              "0\r\n\r\n");
    }
}

TEST_CASE_METHOD(
    echo_fixture,
    "chunked is recognised whatever its case and surrounding space",
    "[server]") {
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\n"
           "Transfer-Encoding: \t CHUNKED \t\r\n\r\n"
           "5\r\nhello\r\n0\r\n\r\n"
           "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(c.receive().body() == "POST /echo hello");
    CHECK(c.receive().body() == "GET /next");
}

TEST_CASE_METHOD(echo_fixture,
                 "Content-Length fields that agree are read as one",
                 "[server]") {
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\n"
           "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"
           "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(c.receive().body() == "POST /echo hello");
    CHECK(c.receive().body() == "GET /next");
}

TEST_CASE_METHOD(screening_fixture,
                 "ambiguous framing is refused before the screen", "[server]") {
    // Were the screen to refuse this bodiless-looking request first, the
    // connection would stay open and its "body" be read as a request.
    check_refused_framing(c,
                          "GET /refused HTTP/1.1\r\nHost: x\r\n"
                          "Transfer-Encoding: gzip\r\n",
                          "");
    CHECK(server.log().screened == 0);
    CHECK(server.log().handled == 0);
}
