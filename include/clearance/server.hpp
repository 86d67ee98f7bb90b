// SPDX-License-Identifier: BSL-1.0
#pragma once

// The server adapter: the one part of clearance that includes Asio and
// Beast's networking. It reads HTTP/1.1 requests from connections,
// hands each to a handler together with the address of the peer, and
// writes back the handler's response. The protocol limits (timeouts,
// header, target and body sizes, requests per connection, the number of
// connections) are enforced here, so that a handler never sees a
// request that broke them and a slow or hostile client costs a bounded
// amount of memory and time.
//
// Each request goes through the same steps, in this order:
//
//  1. header: the request line and header fields are read, within
//     `header_timeout` and `header_limit` (431); a malformed header is
//     answered 400;
//  2. framing: a request whose body length is ambiguous is answered 400
//     (RFC 9112 6.1 and 6.3: Transfer-Encoding beside Content-Length,
//     a transfer coding other than "chunked", Transfer-Encoding twice or
//     in an HTTP/1.0 request, Content-Length values that differ);
//  3. limits: a target longer than `target_limit` is answered 414;
//  4. screen: a handler that has a `screen` member (`ScreeningHandler`)
//     judges the header alone and may answer at once, so that a client
//     the guard refuses never makes the server read or parse a body, and
//     its refusal never depends on what that body holds;
//  5. body: a body declared or found longer than `body_limit` is
//     answered 413; a client that asked for 100-continue is told to send
//     its body only now, once screening has passed; the whole request
//     must have arrived within `read_timeout`;
//  6. handler: the whole request is passed to the handler, and its
//     response written back.
//
// Every refusal of steps 1, 2, 3 and 5 closes the connection, and
// nothing the client sent after the refused request is answered. After
// `max_requests_per_connection` requests the connection closes too.
//
// Connections are admitted up to `max_connections` in all and
// `max_connections_per_peer` from any one address; others are closed
// as soon as they are accepted.

#include <clearance/peer.hpp>
#include <clearance/response.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/none.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <concepts>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace clearance {

/// How a `server` listens and what it tolerates from a client.
struct server_options {
    /// The local address to listen on, a numeric IPv4 or IPv6 address.
    std::string address = "127.0.0.1";

    /// The port to listen on; 0 lets the system pick a free one, which
    /// `server::port()` then reports.
    std::uint16_t port = 8080;

    /// The number of threads `server::run()` serves on; 0 means one per
    /// hardware thread.
    unsigned threads = 0;

    /// How long a client may take to send a whole request, counted from
    /// its first byte; for the first request of a connection, counted
    /// from the moment the connection was accepted. A slower client is
    /// disconnected without an answer.
    std::chrono::milliseconds read_timeout{10'000};

    /// How long a client may take to send a request's line and header
    /// fields, counted as `read_timeout` is; a client that has not sent
    /// a complete header by then is disconnected without an answer. It
    /// is shorter than `read_timeout` so that connections that send
    /// nothing, or a header a byte at a time, hold their place among
    /// `max_connections` only briefly, while a large body still has
    /// `read_timeout` to arrive. A value above `read_timeout` acts as
    /// `read_timeout`.
    std::chrono::milliseconds header_timeout{5'000};

    /// How long a kept-alive connection may wait for its next request.
    std::chrono::milliseconds idle_timeout{30'000};

    /// How long a client may take to receive a response.
    std::chrono::milliseconds write_timeout{10'000};

    /// The largest request line plus header fields, in bytes. A larger
    /// header is answered 431 and the connection closed; 414 when what
    /// was read of it already shows a target longer than
    /// `target_limit`. The default leaves room for a target of
    /// `target_limit` beside ordinary header fields.
    std::size_t header_limit = 16 * 1024;

    /// The longest request target (path and query, as sent), in bytes.
    /// A longer one is answered 414 and the connection closed, before
    /// the handler or its screen sees the request. The request line
    /// counts towards `header_limit` too, so a target can only reach the
    /// handler when it also fits there.
    std::size_t target_limit = 8 * 1024;

    /// The largest request body, in bytes. A larger one is answered 413
    /// and the connection closed; when the request declares its length
    /// in Content-Length, this happens before any of the body is read.
    /// The limit is applied after screening, so a request the screen
    /// refuses gets the screen's answer whatever length it declares.
    std::uint64_t body_limit = 1024 * 1024;

    /// The most requests served on one kept-alive connection. The
    /// response to the last one carries `Connection: close` and the
    /// server then closes the connection, so that no client holds a
    /// connection forever and clients spread over the server's
    /// connections as they reconnect. 0 acts as 1.
    std::size_t max_requests_per_connection = 1000;

    /// The most connections served at once. Further connections are
    /// accepted and closed at once, so that they neither wait in the
    /// system's queue nor hold any memory.
    std::size_t max_connections = 10'000;

    /// The most connections served at once from one peer IP address
    /// (IPv4, or IPv6 with all 128 bits; an IPv4 client of a dual-stack
    /// socket counts as its IPv4 address). Further connections from that
    /// address are accepted and closed at once, so that one client
    /// cannot take every one of `max_connections` from the others. 0
    /// acts as 1. Behind a reverse proxy every connection comes from the
    /// proxy's address: raise it to `max_connections` there, and limit
    /// clients at the proxy.
    std::size_t max_connections_per_peer = 64;

    /// Whether SIGINT and SIGTERM stop the server as `server::stop()`
    /// does.
    bool handle_signals = true;
};

/// Satisfied by what a `server` can pass requests to: a callable that
/// answers `handler(std::move(req), peer)`, where `req` is a `request`
/// and `peer` a `peer_address const&`, with a `response`.
template <class Handler>
concept ServerHandler = std::move_constructible<Handler> &&
    std::is_invocable_r_v<response, Handler&, request&&, peer_address const&>;

/// Satisfied by a `ServerHandler` that can also judge a request from its
/// header alone: `handler.screen(req, peer)`, where `req` holds the
/// method, target, version and header fields of the request and an
/// empty body, returns either the response that refuses the request or
/// `std::nullopt` to let it through.
///
/// The server calls `screen` before it reads the body, so that a client
/// the guard refuses cannot make the server read or parse a body, and a
/// malformed or oversized body cannot turn the guard's 401 or 403 into
/// a 400 or 413. A request let through is then read whole and passed to
/// the handler as usual.
template <class Handler>
concept ScreeningHandler = ServerHandler<Handler> &&
    requires(Handler& h, request const& r, peer_address const& p) {
    { h.screen(r, p) } -> std::same_as<std::optional<response>>;
};

/// Satisfied by a `ScreeningHandler` that keeps what screening learnt
/// for the answer, so that work such as verifying a token is done once
/// per request: it has a default-constructible member type
/// `screening_memo`, `handler.screen(req, peer, memo)` and
/// `handler(std::move(req), peer, memo)`. The server makes one memo per
/// request and passes it to both. `clearance::service` is one.
template <class Handler>
concept RemembersScreening = ScreeningHandler<Handler> &&
    std::default_initializable<typename Handler::screening_memo> &&
    requires(Handler& h, request const& r, request&& body,
             peer_address const& p, typename Handler::screening_memo& m) {
    { h.screen(r, p, m) } -> std::same_as<std::optional<response>>;
    { h(std::move(body), p, m) } -> std::same_as<response>;
};

namespace detail {

// What a server keeps of screening for the answer: the handler's memo,
// or nothing.
template <class Handler>
struct memo_of {
    struct type {};
};

template <RemembersScreening Handler>
struct memo_of<Handler> {
    using type = typename Handler::screening_memo;
};

// Whether a handler looks as if it meant to screen requests: it has a
// member named screen, or one callable with a request header and a
// peer. A handler that does but is not a ScreeningHandler would
// otherwise be served without screening, silently.
template <class Handler>
concept NamesScreen = requires {
    &Handler::screen;
};

template <class Handler>
concept CallsScreen = requires(Handler& h, request const& r,
                               peer_address const& p) {
    h.screen(r, p);
};

template <class Handler>
concept DeclaresScreen = NamesScreen<Handler> || CallsScreen<Handler>;

} // namespace detail

/// An asynchronous HTTP/1.1 server that passes every well-formed request
/// to a `Handler` and writes back its response.
///
/// A request is read and answered in steps: its header is read, within
/// `header_timeout`; its framing is checked, and its target against
/// `target_limit`; if `Handler` is a `ScreeningHandler`, its `screen`
/// judges the header; only then is the body read, within `body_limit`
/// and `read_timeout`; and last the handler is called.
///
/// The server refuses, without calling the handler, a request whose
/// header is too large (431), whose target is too long (414), whose
/// body is too large (413), that is malformed (400) or whose body
/// length is ambiguous (400: Transfer-Encoding with Content-Length, a
/// coding other than "chunked"), and then closes the connection
/// without answering anything sent after it. A handler or screen that
/// throws is answered 500, and nothing of the exception reaches the
/// client. A client that is too slow, or that closes its connection, is
/// disconnected without an answer. Each connection is served on its own
/// strand, so that what happens on one never disturbs another.
///
/// When `screen` answers a request, that answer is sent at once: a
/// client that asked for 100-continue gets it instead of the 100, and
/// the body is never read. Unless the request declared no body at all
/// (no Content-Length, or 0, and not chunked), the answer carries
/// `Connection: close` and the connection is closed after it, because
/// the unread body would otherwise be read as the next request.
///
/// The response's version and keep-alive follow the request: HTTP/1.1
/// connections stay open unless the request or the response says
/// `Connection: close`; HTTP/1.0 ones close unless the request asks for
/// keep-alive. Whatever they say, the connection closes after
/// `max_requests_per_connection` requests, with `Connection: close` on
/// the last response. The server frames the body (`prepare_payload`); a
/// response to HEAD announces the length of its body but is sent
/// without it.
///
/// `Handler` must be callable as `response(request&&, peer_address
/// const&)` and safe to call, and to `screen`, from several threads at
/// once: `run()` calls it concurrently from all its threads. While a
/// call runs, its thread serves no other connection.
///
/// A server is neither copyable nor movable, because its pending
/// operations refer to it, and it must outlive `run()`.
template <class Handler>
class server {
    static_assert(ServerHandler<Handler>,
                  "clearance::server<Handler> requires Handler to be "
                  "move-constructible and callable as "
                  "clearance::response(clearance::request&&, "
                  "clearance::peer_address const&)");
    static_assert(!detail::DeclaresScreen<Handler> || ScreeningHandler<Handler>,
                  "clearance::server<Handler>: Handler has a member "
                  "'screen', but not one callable as "
                  "std::optional<clearance::response> "
                  "screen(clearance::request const&, "
                  "clearance::peer_address const&); correct its signature, "
                  "or the server would read every body unscreened");

public:
    /// Binds `options.address` and `options.port` and starts listening:
    /// clients can connect once this returns, and are served once
    /// `run()` is called.
    ///
    /// Throws `boost::system::system_error` naming the address when it
    /// is not a numeric IP address or cannot be bound and listened on.
    server(Handler handler, server_options options);

    server(server const&) = delete;
    server& operator=(server const&) = delete;

    /// The port the server listens on; the one the system chose when
    /// `options.port` was 0.
    std::uint16_t port() const noexcept { return port_; }

    /// Serves connections on `options.threads` threads, the calling one
    /// included, until `stop()` is called or a handled signal arrives,
    /// and returns once every thread has finished. Call it once; after
    /// the server stopped it returns at once.
    ///
    /// If a thread fails (only a failure to allocate can make it), the
    /// server abandons its connections and the exception is rethrown
    /// here once all threads have finished.
    void run();

    /// Stops accepting, closes every open connection and so lets
    /// `run()` return once the handler calls in progress have returned.
    ///
    /// Safe to call from any thread, any number of times, before, during
    /// or after `run()`. It locks a mutex, so it is not async-signal-safe:
    /// rather than calling it from a signal handler, leave
    /// `handle_signals` on.
    void stop();

private:
    using error_code = boost::system::error_code;
    using tcp = boost::asio::ip::tcp;

    class session;

    // When the system runs out of descriptors or memory, the listening
    // socket stays readable and every accept fails at once; pausing
    // keeps the accept loop from spinning on a core until a connection
    // ends.
    static constexpr std::chrono::milliseconds accept_retry_delay{100};

    // A peer's address without its port: what max_connections_per_peer
    // counts by.
    using peer_key = std::pair<bool, std::array<std::uint8_t, 16>>;

    static server_options resolve(server_options options);
    void listen();
    void accept_next();
    void on_accept(error_code ec, tcp::socket socket);
    bool admit(std::shared_ptr<session> const& candidate);
    void forget(session* ended, peer_address const& peer) noexcept;

    Handler handler_;
    server_options options_;

    // Guards the live sessions and their count by peer, the stopping
    // flag and every call on the acceptor, the retry timer and the
    // signal set: those objects are used both by io threads and by
    // whichever thread calls stop(). A session is counted in
    // `connections_by_peer_` exactly while it is in `sessions_`.
    std::mutex mutex_;
    bool stopping_ = false;
    std::unordered_map<session*, std::weak_ptr<session>> sessions_;
    std::map<peer_key, std::size_t> connections_by_peer_;

    // Declared after what the sessions use, so that sessions still
    // queued when the io_context is destroyed can unregister themselves.
    boost::asio::io_context io_;
    tcp::acceptor acceptor_;
    boost::asio::steady_timer accept_retry_;
    std::optional<boost::asio::signal_set> signals_;
    std::uint16_t port_ = 0;
};

namespace detail {

// The peer as the guard sees it. A dual-stack socket reports an IPv4
// client as ::ffff:a.b.c.d; it is reported as the IPv4 peer it is, so
// that network rules written for IPv4 match it.
inline peer_address
peer_from_endpoint(boost::asio::ip::tcp::endpoint const& endpoint) {
    namespace ip = boost::asio::ip;
    peer_address peer;
    peer.port = endpoint.port();
    ip::address address = endpoint.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = ip::make_address_v4(ip::v4_mapped, address.to_v6());
    }
    if (address.is_v4()) {
        auto const bytes = address.to_v4().to_bytes();
        std::copy(bytes.begin(), bytes.end(), peer.bytes.begin());
        peer.is_v4 = true;
    } else {
        peer.bytes = address.to_v6().to_bytes();
        peer.is_v4 = false;
    }
    return peer;
}

} // namespace detail

// One connection, from acceptance to close. Every step runs on the
// connection's strand; the pending operation's handler owns the session,
// so it lives exactly as long as there is something to do on it.
template <class Handler>
class server<Handler>::session : public std::enable_shared_from_this<session> {
public:
    session(server& owner, tcp::socket socket, peer_address const& peer)
        : owner_(owner)
        , stream_(std::move(socket))
        , buffer_(owner.options_.header_limit + framing_allowance)
        , peer_(peer) {}

    session(session const&) = delete;
    session& operator=(session const&) = delete;

    ~session() { owner_.forget(this, peer_); }

    peer_address const& peer() const noexcept { return peer_; }

    void start() {
        boost::asio::post(stream_.get_executor(),
                          [self = this->shared_from_this()] { self->begin(); });
    }

    // Called by stop() from any thread. The close runs on the strand,
    // and the operations it cancels end the session.
    void close() {
        boost::asio::post(
            stream_.get_executor(),
            [self = this->shared_from_this()] { self->stream_.close(); });
    }

private:
    using status = boost::beast::http::status;

    // What a single read asks of the socket when the server reads
    // without Beast's parser.
    static constexpr std::size_t read_size = 4096;

    // How much more than `header_limit` the read buffer may hold: room
    // for a chunk-size line, its extensions or the trailer fields, which
    // Beast's parser needs whole but does not limit. A request whose
    // framing needs more is answered 400, so that no request holds more
    // than this beside its body.
    static constexpr std::size_t framing_allowance = 64 * 1024;

    // A client that asked for 100-continue waits for this before it
    // sends the body.
    static constexpr std::string_view continue_line =
        "HTTP/1.1 100 Continue\r\n\r\n";

    // After a response that ends the connection, the server discards
    // what the client still sends for at most this long.
    static constexpr std::chrono::milliseconds linger_time{1'000};

    server_options const& options() const noexcept { return owner_.options_; }

    void begin() { read_header(); }

    // The idle timeout applies until the first byte of the next request
    // arrives, and the header and read timeouts from then on; Beast's
    // read cannot tell them apart, so the first bytes are read here.
    void await_next_request() {
        if (buffer_.size() > 0) {
            // The client sent this request along with the previous one.
            read_header();
            return;
        }
        stream_.expires_after(options().idle_timeout);
        stream_.async_read_some(
            buffer_.prepare(read_size),
            [self = this->shared_from_this()](error_code ec, std::size_t n) {
                self->buffer_.commit(n);
                if (ec) {
                    return; // idle too long, or the client closed
                }
                self->read_header();
            });
    }

    // Reads up to the end of the header only, so that the target limit
    // and the screen can refuse a request before any of its body is
    // read, and a client that asked for 100-continue is told to send the
    // body only once they have passed. The request's time starts now:
    // at its first byte, or at the connection's acceptance.
    void read_header() {
        namespace http = boost::beast::http;
        started_ = std::chrono::steady_clock::now();
        stream_.expires_at(started_ + std::min(options().header_timeout,
                                               options().read_timeout));
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(
            std::min<std::size_t>(options().header_limit,
                                  std::numeric_limits<std::uint32_t>::max())));
        // Beast would refuse a declared length over the limit while it
        // reads the header, before the screen could answer; the limit is
        // applied in on_header instead, once the screen has passed.
        parser_->body_limit(boost::none);
        http::async_read_header(
            stream_, buffer_, *parser_,
            [self = this->shared_from_this()](error_code ec, std::size_t) {
                self->on_header(ec);
            });
    }

    void on_header(error_code ec) {
        if (ec) {
            fail(ec);
            return;
        }
        ++requests_;
        if (!unambiguous_framing()) {
            refuse(status::bad_request);
            return;
        }
        if (parser_->get().target().size() > options().target_limit) {
            refuse(status::uri_too_long);
            return;
        }
        if constexpr (ScreeningHandler<Handler>) {
            if (screen()) {
                return;
            }
        }
        auto const declared = parser_->content_length();
        if (declared && *declared > options().body_limit) {
            refuse(status::payload_too_large);
            return;
        }
        // No body octet has been parsed yet, so the limit still applies
        // to the whole of a chunked body.
        parser_->body_limit(options().body_limit);
        // What is left of the read timeout, which may be longer than
        // the header timeout, is the body's.
        stream_.expires_at(started_ + options().read_timeout);
        if (parser_->is_done()) {
            respond();
        } else if (expects_continue()) {
            send_continue();
        } else {
            read_body();
        }
    }

    // Whether the request's header says unambiguously where its body
    // ends (RFC 9112 6.1 and 6.3). Beast already refuses Content-Length
    // values that differ, and Transfer-Encoding: chunked beside
    // Content-Length in either order. But it reads a coding list that
    // does not end with a single "chunked" as no body at all, and
    // "gzip, chunked" as plain chunked; a proxy in front of the server
    // may read either otherwise, and then what this server takes for
    // the next request is part of this one for the proxy. So only the
    // one coding the server decodes, alone, is accepted.
    bool unambiguous_framing() const {
        namespace http = boost::beast::http;
        auto const& header = parser_->get();
        auto const [first, last] =
            header.equal_range(http::field::transfer_encoding);
        if (first == last) {
            return true;
        }
        if (std::next(first) != last || header.version() < 11 ||
            header.count(http::field::content_length) != 0) {
            return false;
        }
        std::string_view coding = first->value();
        auto const blank = [](char c) {
            return c == ' ' || c == '\t';
        };
        while (!coding.empty() && blank(coding.front())) {
            coding.remove_prefix(1);
        }
        while (!coding.empty() && blank(coding.back())) {
            coding.remove_suffix(1);
        }
        return boost::beast::iequals(coding, "chunked");
    }

    // Lets the handler answer the request from its header alone; returns
    // whether it did, in which case the answer is being written.
    bool screen() {
        namespace http = boost::beast::http;
        // The parser stops at the end of the header and has not begun
        // the body, so its message is the request's header with an empty
        // body: exactly what the screen may judge, without a copy.
        request const& header = parser_->get();
        bool const head = header.method() == http::verb::head;
        unsigned const version = header.version();
        // A body left unread would be taken for the next request, so
        // only a request that declared none may keep its connection.
        bool keep_alive = parser_->is_done() && header.keep_alive();
        std::optional<response> answer;
        try {
            if constexpr (RemembersScreening<Handler>) {
                memo_ = {};
                answer =
                    owner_.handler_.screen(header, std::as_const(peer_), memo_);
            } else {
                answer = owner_.handler_.screen(header, std::as_const(peer_));
            }
            if (!answer) {
                return false;
            }
            keep_alive = keep_alive && !closes(*answer);
            frame(*answer, version, head);
        } catch (...) {
            // As for the handler: the client learns only that its
            // request failed.
            answer = error_response(status::internal_server_error, version);
        }
        parser_.reset();
        deliver(std::move(*answer), head, keep_alive);
        return true;
    }

    bool expects_continue() const {
        namespace http = boost::beast::http;
        auto const& header = parser_->get();
        // RFC 9110 section 10.1.1: an HTTP/1.0 client does not know
        // the interim response.
        return header.version() >= 11 &&
               boost::beast::iequals(header[http::field::expect],
                                     "100-continue");
    }

    void send_continue() {
        stream_.expires_after(options().write_timeout);
        boost::asio::async_write(
            stream_,
            boost::asio::buffer(continue_line.data(), continue_line.size()),
            [self = this->shared_from_this()](error_code ec, std::size_t) {
                if (ec) {
                    return;
                }
                self->stream_.expires_after(self->options().read_timeout);
                self->read_body();
            });
    }

    void read_body() {
        namespace http = boost::beast::http;
        http::async_read(
            stream_, buffer_, *parser_,
            [self = this->shared_from_this()](error_code ec, std::size_t) {
                if (ec) {
                    self->fail(ec);
                } else {
                    self->respond();
                }
            });
    }

    // Answers a request that could not be read, when there is someone
    // to answer: a timeout or a client that closed ends the connection
    // silently.
    void fail(error_code ec) {
        namespace http = boost::beast::http;
        if (ec == http::error::header_limit) {
            refuse(target_too_long() ? status::uri_too_long
                                     : status::request_header_fields_too_large);
        } else if (ec == http::error::body_limit) {
            refuse(status::payload_too_large);
        } else if (ec.category() ==
                       http::make_error_code(http::error::bad_method)
                           .category() &&
                   ec != http::error::end_of_stream &&
                   ec != http::error::partial_message) {
            refuse(status::bad_request);
        }
    }

    // Whether the request whose header broke the header limit has a
    // target longer than the target limit, so that a long target is
    // answered 414 whichever limit it reached first.
    bool target_too_long() const {
        std::size_t const limit = options().target_limit;
        std::string_view const target = parser_->get().target();
        if (!target.empty()) {
            return target.size() > limit; // the request line was parsed
        }
        // The request line alone broke the header limit, so the parser
        // left it in the buffer: the target runs from the first space to
        // the next space or line end, or to the end of what was read.
        std::string_view const line{
            static_cast<char const*>(buffer_.data().data()), buffer_.size()};
        auto const start = line.find(' ');
        if (start == std::string_view::npos) {
            return false;
        }
        auto end = line.find_first_of(" \r\n", start + 1);
        if (end == std::string_view::npos) {
            end = line.size();
        }
        return end - (start + 1) > limit;
    }

    // Refuses the request being read and closes the connection: what is
    // left of the request cannot be told apart from the next one.
    void refuse(status refusal) {
        unsigned const version =
            parser_->is_header_done() ? parser_->get().version() : 11;
        response res = error_response(refusal, version);
        res.keep_alive(false);
        write(std::move(res), false);
    }

    void respond() {
        namespace http = boost::beast::http;
        request req = parser_->release();
        parser_.reset();
        bool const head = req.method() == http::verb::head;
        unsigned const version = req.version();
        bool keep_alive = req.keep_alive();
        response res;
        try {
            if constexpr (RemembersScreening<Handler>) {
                res = owner_.handler_(std::move(req), std::as_const(peer_),
                                      memo_);
            } else {
                res = owner_.handler_(std::move(req), std::as_const(peer_));
            }
            keep_alive = keep_alive && !closes(res);
            frame(res, version, head);
        } catch (...) {
            // The exception may describe the server's internals, so the
            // client learns only that its request failed.
            res = error_response(status::internal_server_error, version);
        }
        deliver(std::move(res), head, keep_alive);
    }

    // Sets the version and the framing of a response of the handler or
    // its screen. Throws when the response cannot be framed, such as a
    // 204 with a body.
    static void frame(response& res, unsigned version, bool head) {
        res.version(version);
        // A HEAD response with an empty body may carry the
        // Content-Length of the GET response; framing would overwrite it
        // with 0.
        if (!head || !res.body().empty()) {
            res.prepare_payload();
        }
    }

    // Writes the answer to the request just read; `keep_alive` says
    // whether the request and the answer let the connection stay open.
    void deliver(response res, bool head, bool keep_alive) {
        keep_alive =
            keep_alive && requests_ < options().max_requests_per_connection;
        res.keep_alive(keep_alive);
        if (head) {
            // Sending a body after a HEAD response would be read as the
            // start of the next response on this connection.
            res.body().clear();
        }
        write(std::move(res), keep_alive);
    }

    static bool closes(response const& res) {
        namespace http = boost::beast::http;
        return http::token_list{res[http::field::connection]}.exists("close");
    }

    void write(response res, bool keep_alive) {
        namespace http = boost::beast::http;
        response_ = std::move(res);
        stream_.expires_after(options().write_timeout);
        http::async_write(stream_, response_,
                          [self = this->shared_from_this(),
                           keep_alive](error_code ec, std::size_t) {
                              self->on_written(ec, keep_alive);
                          });
    }

    void on_written(error_code ec, bool keep_alive) {
        // An idle connection should not hold on to the body it last
        // sent.
        response_ = {};
        if (ec) {
            return;
        }
        if (keep_alive) {
            await_next_request();
        } else {
            linger();
        }
    }

    // Closing a socket with unread input makes the system reset the
    // connection, which can destroy the response before the client has
    // read it. So the server only stops sending, and discards what the
    // client still sends until the client closes too or the linger time
    // runs out; the session ends with the last read.
    void linger() {
        error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        if (ec) {
            return;
        }
        stream_.expires_after(std::min<std::chrono::milliseconds>(
            linger_time, options().read_timeout));
        discard();
    }

    void discard() {
        buffer_.clear();
        stream_.async_read_some(
            buffer_.prepare(read_size),
            [self = this->shared_from_this()](error_code ec, std::size_t) {
                if (!ec) {
                    self->discard();
                }
            });
    }

    server& owner_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<
        boost::beast::http::request_parser<boost::beast::http::string_body>>
        parser_;
    response response_;
    // What screening the request being read learnt for its answer.
    [[no_unique_address]] typename detail::memo_of<Handler>::type memo_;
    peer_address const peer_;
    // When the request being read began: its first byte, or for the
    // first request the connection's acceptance.
    std::chrono::steady_clock::time_point started_;
    // The requests whose header has been read on this connection.
    std::size_t requests_ = 0;
};

template <class Handler>
server<Handler>::server(Handler handler, server_options options)
    : handler_(std::move(handler))
    , options_(resolve(std::move(options)))
    , io_(static_cast<int>(options_.threads))
    , acceptor_(io_)
    , accept_retry_(io_) {
    listen();
    if (options_.handle_signals) {
        signals_.emplace(io_, SIGINT, SIGTERM);
        signals_->async_wait([this](error_code ec, int) {
            if (!ec) {
                stop();
            }
        });
    }
    std::lock_guard const lock{mutex_};
    accept_next();
}

template <class Handler>
server_options server<Handler>::resolve(server_options options) {
    if (options.threads == 0) {
        options.threads = std::max(1u, std::thread::hardware_concurrency());
    }
    // The io_context takes its concurrency hint as an int.
    options.threads = std::min<unsigned>(
        options.threads,
        static_cast<unsigned>(std::numeric_limits<int>::max()));
    options.max_connections_per_peer =
        std::max<std::size_t>(options.max_connections_per_peer, 1);
    return options;
}

template <class Handler>
void server<Handler>::listen() {
    error_code ec;
    auto const address = boost::asio::ip::make_address(options_.address, ec);
    if (ec) {
        throw boost::system::system_error{
            ec, "clearance::server: \"" + options_.address +
                    "\" is not a numeric IP address"};
    }
    tcp::endpoint const endpoint{address, options_.port};
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
        // Lets a restarted server bind while connections of its previous
        // run linger in TIME_WAIT; it never lets two servers share a port.
        acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    }
    if (!ec) {
        acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        std::string const host =
            address.is_v6() ? "[" + options_.address + "]" : options_.address;
        throw boost::system::system_error{
            ec, "clearance::server: cannot listen on " + host + ":" +
                    std::to_string(options_.port)};
    }
    port_ = acceptor_.local_endpoint().port();
}

// Requires mutex_.
template <class Handler>
void server<Handler>::accept_next() {
    // Each connection gets its own strand; the acceptor needs none,
    // since it never has more than one operation pending.
    acceptor_.async_accept(boost::asio::make_strand(io_),
                           [this](error_code ec, tcp::socket socket) {
                               on_accept(ec, std::move(socket));
                           });
}

template <class Handler>
void server<Handler>::on_accept(error_code ec, tcp::socket socket) {
    // Made before the lock and outliving it, because a session's
    // destructor takes it; one that is not admitted closes its socket
    // as it ends.
    std::shared_ptr<session> candidate;
    if (!ec) {
        error_code gone;
        auto const remote = socket.remote_endpoint(gone);
        if (!gone) { // otherwise the client left before it was served
            candidate = std::make_shared<session>(
                *this, std::move(socket), detail::peer_from_endpoint(remote));
        }
    }
    bool admitted = false;
    {
        std::lock_guard const lock{mutex_};
        if (stopping_) {
            return;
        }
        if (candidate) {
            admitted = admit(candidate);
        }
        namespace errc = boost::system::errc;
        if (ec == errc::too_many_files_open ||
            ec == errc::too_many_files_open_in_system ||
            ec == errc::no_buffer_space || ec == errc::not_enough_memory) {
            accept_retry_.expires_after(accept_retry_delay);
            accept_retry_.async_wait([this](error_code wait_error) {
                std::lock_guard const retry_lock{mutex_};
                if (!wait_error && !stopping_) {
                    accept_next();
                }
            });
        } else {
            accept_next();
        }
    }
    if (admitted) {
        candidate->start();
    } else if (!candidate) {
        error_code ignored;
        socket.close(ignored);
    }
}

// Requires mutex_. Registers and counts a new session, unless the
// server or the session's peer already has as many as it may; returns
// whether it did.
template <class Handler>
bool server<Handler>::admit(std::shared_ptr<session> const& candidate) {
    if (sessions_.size() >= options_.max_connections) {
        return false;
    }
    peer_address const& peer = candidate->peer();
    auto const counted =
        connections_by_peer_.try_emplace(peer_key{peer.is_v4, peer.bytes}, 0)
            .first;
    if (counted->second >= options_.max_connections_per_peer) {
        return false;
    }
    try {
        sessions_.emplace(candidate.get(), candidate);
    } catch (...) {
        if (counted->second == 0) {
            connections_by_peer_.erase(counted);
        }
        throw;
    }
    ++counted->second;
    return true;
}

template <class Handler>
void server<Handler>::forget(session* ended,
                             peer_address const& peer) noexcept {
    std::lock_guard const lock{mutex_};
    if (sessions_.erase(ended) == 0) {
        return;
    }
    auto const counted =
        connections_by_peer_.find(peer_key{peer.is_v4, peer.bytes});
    if (counted != connections_by_peer_.end() && --counted->second == 0) {
        connections_by_peer_.erase(counted);
    }
}

template <class Handler>
void server<Handler>::run() {
    std::mutex failure_mutex;
    std::exception_ptr failure;
    auto const serve = [&] {
        try {
            io_.run();
        } catch (...) {
            std::lock_guard const lock{failure_mutex};
            if (!failure) {
                failure = std::current_exception();
            }
            // The other threads would otherwise serve on without the
            // caller ever learning of the failure.
            io_.stop();
        }
    };
    std::vector<std::thread> helpers;
    try {
        helpers.reserve(options_.threads - 1);
        for (unsigned i = 1; i < options_.threads; ++i) {
            helpers.emplace_back(serve);
        }
    } catch (...) {
        io_.stop();
        for (auto& helper : helpers) {
            helper.join();
        }
        throw;
    }
    serve();
    for (auto& helper : helpers) {
        helper.join();
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
}

template <class Handler>
void server<Handler>::stop() {
    // Released after the lock, because a session's destructor takes it.
    std::vector<std::shared_ptr<session>> open;
    {
        std::lock_guard const lock{mutex_};
        if (stopping_) {
            return;
        }
        open.reserve(sessions_.size());
        stopping_ = true;
        error_code ignored;
        acceptor_.close(ignored);
        accept_retry_.cancel();
        if (signals_) {
            signals_->cancel(ignored);
            // A second signal, if the program hangs on the way out,
            // should end it as if the server had never handled signals.
            signals_->clear(ignored);
        }
        for (auto const& entry : sessions_) {
            if (auto live = entry.second.lock()) {
                open.push_back(std::move(live));
            }
        }
    }
    for (auto const& live : open) {
        live->close();
    }
}

} // namespace clearance
