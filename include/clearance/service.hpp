// SPDX-License-Identifier: BSL-1.0
#pragma once

// A service: a policy, an authenticator, the loaders of owned resources
// and the routes, assembled into one callable that turns a request into
// a response. Every request goes through the same steps, in this order:
//
//   1. canonicalise the target, or 400;
//   2. route on the canonical path: unknown path 404, a known path
//      without a route for the method 405 with Allow;
//   3. on a guarded route, authenticate: no credentials 401 with a
//      Bearer challenge, refused credentials 401 invalid_token, an
//      ambiguous Authorization header 400;
//   4. compare the principal's permissions and scopes with the route's
//      constant masks: 403 if any is missing;
//   5. convert path parameters (400), load owned resources and apply
//      their ownership rules (404 when concealed, 403 when revealed);
//   6. call the handler.
//
// HEAD is served by the GET route, through its guard, without a body.

#include <clearance/audit.hpp>
#include <clearance/authentication.hpp>
#include <clearance/context.hpp>
#include <clearance/detail/bitmask.hpp>
#include <clearance/guard.hpp>
#include <clearance/loader.hpp>
#include <clearance/network.hpp>
#include <clearance/peer.hpp>
#include <clearance/response.hpp>
#include <clearance/route.hpp>
#include <clearance/rules.hpp>
#include <clearance/target.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

namespace clearance {

/// Cross-origin resource sharing for browser clients. Preflight
/// requests are answered from it; they never run a handler and never
/// grant access.
struct cors_options {
    /// Origins allowed to call the service, compared exactly, such as
    /// "https://app.example.com".
    std::vector<std::string> allowed_origins;

    /// The value of `Access-Control-Allow-Headers` in preflight answers.
    std::string allowed_headers = "Authorization, Content-Type";

    /// How long a browser may cache a preflight answer.
    std::chrono::seconds max_age{600};
};

/// Settings of a service that do not belong in types.
struct service_options {
    service_options() = default;

    /// Options with the challenge realm `realm_name`.
    explicit service_options(std::string realm_name)
        : realm(std::move(realm_name)) {}

    /// The `realm` of the `WWW-Authenticate` challenge.
    std::string realm = "clearance";

    /// CORS; none by default, and then OPTIONS is answered like any
    /// method a route does not serve.
    std::optional<cors_options> cors;

    /// Where every decision is reported; nothing by default, and then no
    /// report is built.
    audit_sink audit;

    /// Proxies whose `Forwarded` or `X-Forwarded-For` headers are
    /// believed, as addresses or CIDR blocks ("10.0.0.0/8"). Empty by
    /// default: the caller is always the socket's peer.
    std::vector<std::string> trusted_proxies;
};

namespace detail {

constexpr unsigned method_bit(method m) noexcept {
    switch (m) {
    case method::get:
        return 1U << 0;
    case method::head:
        return 1U << 1;
    case method::post:
        return 1U << 2;
    case method::put:
        return 1U << 3;
    case method::patch:
        return 1U << 4;
    case method::delete_:
        return 1U << 5;
    case method::options:
        return 1U << 6;
    default:
        return 1U << 7;
    }
}

inline std::string allow_header(unsigned methods) {
    // A GET route serves HEAD as well.
    if (methods & method_bit(method::get))
        methods |= method_bit(method::head);
    constexpr std::pair<method, std::string_view> order[] = {
        {method::get, "GET"},         {method::head, "HEAD"},
        {method::post, "POST"},       {method::put, "PUT"},
        {method::patch, "PATCH"},     {method::delete_, "DELETE"},
        {method::options, "OPTIONS"},
    };
    std::string allow;
    for (auto const& [m, name] : order) {
        if (!(methods & method_bit(m)))
            continue;
        if (!allow.empty())
            allow += ", ";
        allow += name;
    }
    return allow;
}

// Calls `f` on each element of `t` in order until it returns true.
// Written as recursion rather than a fold: compilers limit how many
// operands a fold may have, and services may have hundreds of routes.
template <std::size_t I = 0, class Tuple, class F>
bool until_true(Tuple const& t, F& f) {
    if constexpr (I == std::tuple_size_v<Tuple>)
        return false;
    else
        return f(std::get<I>(t)) || until_true<I + 1>(t, f);
}

// A request id a client may choose: letters, digits and "-_.:".
constexpr bool is_plain_token(std::string_view s) noexcept {
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
              c == ':'))
            return false;
    return true;
}

inline std::size_t count_fields(request const& req,
                                boost::beast::http::field name) {
    auto [first, last] = req.equal_range(name);
    return static_cast<std::size_t>(std::distance(first, last));
}

// RFC 9112 3.2: an HTTP/1.1 request has exactly one Host, and it is a
// valid authority without user information.
inline bool has_valid_host(request const& req) {
    auto count = count_fields(req, boost::beast::http::field::host);
    if (count > 1 || (count == 0 && req.version() >= 11))
        return false;
    return count == 0 ||
           is_valid_authority(req[boost::beast::http::field::host]);
}

// A realm is sent as an RFC 9110 quoted-string; refusing quotes,
// backslashes and control characters keeps it one without escaping.
inline bool is_valid_realm(std::string_view realm) noexcept {
    for (char c : realm) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F || c == '"' || c == '\\')
            return false;
    }
    return true;
}

} // namespace detail

/// What documentation tools and compile-time queries know about one
/// route of a service.
struct route_description {
    method verb;
    std::string_view method_name;
    std::string_view path_template;
    bool is_public = false;
    /// Whether principals who may not call the route get the 404 of an
    /// unknown path (see `clearance::hidden`).
    bool is_hidden = false;
    /// Whether the route authenticates: it has a requirement other than
    /// a network one.
    bool needs_principal = false;
    /// Whether the route requires the caller to be in given networks.
    bool network_restricted = false;
    permission_set permissions;
    scope_set scopes;
    std::span<path_parameter_description const> path_parameters;
    std::span<ownership_description const> ownerships;
};

namespace detail {

// Whether two templates of one method can match the same request path.
// A catch-all "{name...}" matches one or more segments, so it overlaps
// any template at least as long that agrees on the segments before it.
constexpr bool templates_overlap(std::span<segment const> a,
                                 std::span<segment const> b) noexcept {
    bool a_rest = !a.empty() && a.back().rest;
    bool b_rest = !b.empty() && b.back().rest;
    if (a_rest && !b_rest && b.size() < a.size())
        return false;
    if (b_rest && !a_rest && a.size() < b.size())
        return false;
    if (!a_rest && !b_rest && a.size() != b.size())
        return false;
    auto compared = a.size() < b.size() ? a.size() : b.size();
    for (std::size_t i = 0; i < compared; ++i)
        if (!a[i].parameter && !b[i].parameter && a[i].text != b[i].text)
            return false;
    return true;
}

template <class Policy, class Loaders, class... Routes>
struct service_facts {
    static constexpr std::size_t count = sizeof...(Routes);
    using route_list = std::tuple<Routes...>;

    template <std::size_t I>
    using route_at = std::tuple_element_t<I, route_list>;

    template <class Route>
    struct route_valid
        : std::is_same<route_violation<Policy, Loaders, Route>, rules::none> {};

    using broken_route =
        typename first_failing<route_valid, type_list<Routes...>>::type;

    static constexpr std::array<method, count> verbs{Routes::verb...};
    static constexpr std::array<std::string_view, count> templates{
        Routes::path_template.view()...};
    static constexpr std::array<std::span<segment const>, count> segments{
        std::span<segment const>{template_segments<Routes::path_template>}...};

    // The first pair of routes in conflict, and whether they are equal
    // or only overlap.
    struct conflict {
        std::size_t first = count, second = count;
        bool equal = false;
    };

    static constexpr conflict first_conflict = [] {
        for (std::size_t j = 0; j < count; ++j)
            for (std::size_t i = 0; i < j; ++i) {
                if (verbs[i] != verbs[j])
                    continue;
                if (templates[i] == templates[j])
                    return conflict{i, j, true};
                if (templates_overlap(segments[i], segments[j]))
                    return conflict{i, j, false};
            }
        return conflict{};
    }();

    template <class A, class B>
    static constexpr auto conflict_rule() {
        constexpr auto a = route_label<A::verb, A::path_template>();
        constexpr auto b = route_label<B::verb, B::path_template>();
        if constexpr (first_conflict.equal)
            return rules::routes_are_unique<a, b, false>{};
        else
            return rules::routes_do_not_overlap<a, b, false>{};
    }

    static constexpr auto first_violation() {
        if constexpr (!std::is_void_v<broken_route>)
            return route_violation<Policy, Loaders, broken_route>{};
        else if constexpr (first_conflict.first < count)
            return conflict_rule<route_at<first_conflict.first>,
                                 route_at<first_conflict.second>>();
        else
            return rules::none{};
    }

    using violation = decltype(first_violation());
};

template <class Policy, class Route>
struct route_description_of {
    using analysis = analysis_of<Policy, Route>;
    static constexpr auto path_parameters = analysis::path_parameters;
    static constexpr auto ownerships = analysis::ownerships;
    static constexpr route_description value{Route::verb,
                                             method_name(Route::verb),
                                             Route::path_template.view(),
                                             analysis::is_public,
                                             analysis::is_hidden,
                                             analysis::needs_principal,
                                             analysis::network_restricted,
                                             analysis::required_permissions,
                                             analysis::required_scopes,
                                             path_parameters,
                                             ownerships};
};

} // namespace detail

/// The first rule a service of `Policy` with loaders `Loaders` and
/// routes `Routes` breaks: a rule of one of its routes, or two routes in
/// conflict. `rules::none` if there is none. Computing it never fails to
/// compile.
template <class Policy, class Loaders, class... Routes>
using diagnose_service =
    typename detail::service_facts<Policy, Loaders, Routes...>::violation;

/// The request handler built from a policy, an authenticator, loaders
/// and routes. It is immutable once made and safe to call from several
/// threads at once.
template <class Policy, Authenticator Auth, class Loaders, class... Routes>
class service {
    using facts = detail::service_facts<Policy, Loaders, Routes...>;

public:
    /// Whether every rule holds. When one does not, the build has
    /// already stopped with exactly one error naming it.
    static constexpr bool well_formed =
        detail::report<typename facts::violation>();
    static_assert(well_formed || true);

    using policy_type = Policy;

    /// The number of routes.
    static constexpr std::size_t route_count = sizeof...(Routes);

    /// Every route, in declaration order.
    static constexpr auto routes = [] {
        if constexpr (well_formed)
            return std::array<route_description, route_count>{
                detail::route_description_of<Policy, Routes>::value...};
        else
            return std::array<route_description, route_count>{};
    }();

    /// The position of the route with `verb` and `path_template` (as
    /// written in the route), if there is one.
    static constexpr std::optional<std::size_t>
    find_route(method verb, std::string_view path_template) noexcept {
        for (std::size_t i = 0; i < route_count; ++i)
            if (routes[i].verb == verb &&
                routes[i].path_template == path_template)
                return i;
        return std::nullopt;
    }

    /// Whether that route exists and is public.
    static constexpr bool is_public(method verb,
                                    std::string_view path_template) noexcept {
        auto i = find_route(verb, path_template);
        return i && routes[*i].is_public;
    }

    /// Whether a principal holding role `R` gets past that route's
    /// permission checks: the route exists and is public, or `R`'s
    /// permissions cover the route's. Scopes (carried by tokens, not
    /// roles) and ownership rules (decided per record) are left aside.
    template <Role R>
    static constexpr bool can_reach(method verb,
                                    std::string_view path_template) noexcept {
        auto i = find_route(verb, path_template);
        return i && reaches<R>(routes[*i]);
    }

    /// For each route, in order, whether role `R` can reach it in the
    /// sense of `can_reach`.
    template <Role R>
    static constexpr std::array<bool, route_count> reachable_by() noexcept {
        std::array<bool, route_count> out{};
        for (std::size_t i = 0; i < route_count; ++i)
            out[i] = reaches<R>(routes[i]);
        return out;
    }

    /// Assembles a service. Throws `std::invalid_argument` if the realm
    /// cannot be sent as a quoted-string.
    service(service_options options, Auth authenticator, Loaders loaders,
            Routes... route_list)
        : options_(std::move(options))
        , authenticator_(std::move(authenticator))
        , loaders_(std::move(loaders))
        , routes_(std::move(route_list)...) {
        if (!detail::is_valid_realm(options_.realm))
            throw std::invalid_argument(
                "clearance: the realm must not contain '\"', '\\' or "
                "control characters");
        for (auto const& proxy : options_.trusted_proxies) {
            auto parsed = parse_network(proxy);
            if (!parsed)
                throw std::invalid_argument(
                    "clearance: the trusted proxy \"" + proxy +
                    "\" is not an address or a CIDR block");
            proxies_.push_back(*parsed);
        }
    }

    /// Answers `req`, received from `peer`. The response's version and
    /// keep-alive follow the request's.
    response operator()(request const& req, peer_address const& peer) const {
        trace t;
        response r = *dispatch(req, peer, false, t);
        finish(req, r);
        report(req, r, t);
        return r;
    }

    /// Runs every check that needs no request body: target, routing,
    /// authentication, permissions and scopes. Returns the refusal, or
    /// nothing if the request may go on; the server calls it before it
    /// reads the body, so that no refused client can make it read or
    /// parse one. Owned resources are checked when the request is
    /// answered.
    std::optional<response> screen(request const& req,
                                   peer_address const& peer) const {
        trace t;
        auto r = dispatch(req, peer, true, t);
        if (r) {
            finish(req, *r);
            report(req, *r, t);
        }
        return r;
    }

    /// The authenticator, for tools that mint or inspect credentials.
    Auth const& authenticator() const noexcept { return authenticator_; }

private:
    template <Role R>
    static constexpr bool reaches(route_description const& r) noexcept {
        if constexpr (Policy::template has_role<R>)
            return r.is_public ||
                   Policy::template role_mask<R>.contains(r.permissions);
        else
            return false;
    }

    // What the audit trail needs to know about how a request was
    // decided. The subject and tenant are copied only when a sink is set.
    struct trace {
        std::string_view route;
        std::string_view rule;
        std::string path;
        bool concealed = false;
        std::string subject;
        std::string tenant;
    };

    void note_principal(trace& t, principal const& who) const {
        if (options_.audit) {
            t.subject = who.subject;
            t.tenant = who.tenant;
        }
    }

    static decision decision_of(unsigned status, bool concealed) noexcept {
        switch (status) {
        case 204:
            return decision::allowed;
        case 400:
            return decision::bad_request;
        case 401:
            return decision::unauthorized;
        case 403:
            return decision::forbidden;
        case 404:
            return concealed ? decision::concealed : decision::not_found;
        case 405:
            return decision::method_not_allowed;
        default:
            return status >= 500 ? decision::internal_error : decision::allowed;
        }
    }

    void report(request const& req, response const& r, trace const& t) const {
        if (!options_.audit)
            return;
        audit_event e;
        e.time = std::chrono::system_clock::now();
        e.method = req.method_string();
        e.route = t.route;
        e.path = t.path.empty() ? std::string_view(req.target()) : t.path;
        e.subject = t.subject;
        e.tenant = t.tenant;
        e.status = r.result_int();
        e.outcome = t.rule == "preflight" ? decision::preflight
                                          : decision_of(e.status, t.concealed);
        e.rule = t.rule;
        auto id = req["X-Request-Id"];
        std::string made;
        if (!id.empty() && id.size() <= 64 && detail::is_plain_token(id)) {
            e.request_id = id;
        } else {
            made = "clearance-" + std::to_string(requests_.next());
            e.request_id = made;
        }
        try {
            options_.audit(e);
        } catch (...) {
            // An audit sink that fails must not fail the request.
        }
    }

    // One request in flight: its canonical target and, once asked for,
    // its authentication, so that hidden routes and the guard share one
    // verification.
    struct exchange {
        request const& req;
        peer_address const& peer;
        canonical_target target;
        peer_address client;
        std::optional<authentication> auth;
        trace& notes;
    };

    authentication const& authenticate(exchange& x) const {
        if (!x.auth)
            x.auth = authenticator_.authenticate(x.req);
        return *x.auth;
    }

    // Whether the principal holds the route's permissions and scopes.
    template <class Analysis>
    static bool permitted(authentication const& auth) noexcept {
        return auth.result == authentication::outcome::authenticated &&
               detail::contains_all<Analysis::required_permissions>(
                   auth.who.permissions) &&
               detail::contains_all<Analysis::required_scopes>(auth.who.scopes);
    }

    // A hidden route exists only for principals that may call it.
    template <class Route>
    bool visible(exchange& x) const {
        using analysis = detail::analysis_of<Policy, Route>;
        if constexpr (!analysis::is_hidden)
            return true;
        else if constexpr (!analysis::needs_principal)
            return analysis::admits(x.client);
        else
            return analysis::admits(x.client) &&
                   permitted<analysis>(authenticate(x));
    }

    std::string_view allowed_origin(request const& req) const {
        if (!options_.cors)
            return {};
        auto origin = req[boost::beast::http::field::origin];
        for (auto const& allowed : options_.cors->allowed_origins)
            if (origin == allowed)
                return origin;
        return {};
    }

    // The pipeline. With `screening`, it stops once the checks that need
    // no body have passed and returns nothing; otherwise it always
    // returns a response.
    std::optional<response> dispatch(request const& req,
                                     peer_address const& peer, bool screening,
                                     trace& t) const {
        if constexpr (!well_formed)
            return error_response(boost::beast::http::status::not_found);
        else
            return dispatch_checked(req, peer, screening, t);
    }

    std::optional<response> dispatch_checked(request const& req,
                                             peer_address const& peer,
                                             bool screening, trace& t) const {
        using http_status = boost::beast::http::status;
        using boost::beast::http::field;
        auto target = canonicalize_target(req.target());
        if (!target) {
            t.rule = "target";
            return error_response(http_status::bad_request);
        }
        if (!detail::has_valid_host(req)) {
            t.rule = "host";
            return error_response(http_status::bad_request);
        }
        // Two credentials are ambiguous wherever they are sent.
        if (detail::count_fields(req, field::authorization) > 1) {
            t.rule = "authorization";
            return invalid_request();
        }
        auto client = client_of(req, peer);
        if (!client) {
            t.rule = "forwarded";
            return error_response(http_status::bad_request);
        }
        exchange x{req, peer, std::move(*target), *client, std::nullopt, t};
        if (options_.audit)
            t.path = x.target.path;
        method wanted =
            req.method() == method::head ? method::get : req.method();

        // A CORS preflight asks about another method; it is answered
        // from the routes the caller can see, and runs no handler.
        auto origin = allowed_origin(req);
        std::optional<method> preflight;
        if (req.method() == method::options && !origin.empty()) {
            auto asked = boost::beast::http::string_to_verb(
                req[field::access_control_request_method]);
            if (asked != method::unknown)
                preflight = asked == method::head ? method::get : asked;
        }

        unsigned allowed = 0;
        bool guarded = false;
        bool hidden = false;
        bool matched = false;
        std::optional<response> result;
        auto try_route = [&](auto const& route) {
            using route_type = std::remove_cvref_t<decltype(route)>;
            constexpr auto tmpl = route_type::path_template;
            std::array<std::string_view, detail::parameter_count<tmpl>> raw;
            if (!detail::match_template<tmpl>(x.target.path, raw))
                return false;
            if (!visible<route_type>(x)) {
                hidden = true;
                return false;
            }
            allowed |= detail::method_bit(route_type::verb);
            guarded = guarded ||
                      detail::analysis_of<Policy, route_type>::needs_principal;
            if (preflight || route_type::verb != wanted)
                return false;
            matched = true;
            t.route = route_type::path_template.view();
            result = run(route, x, raw, screening);
            return true;
        };
        detail::until_true(routes_, try_route);
        if (matched)
            return result;
        if (allowed == 0) {
            t.rule = hidden ? "hidden route" : "no route";
            t.concealed = hidden;
            return error_response(http_status::not_found);
        }
        if (preflight && (allowed & detail::method_bit(*preflight))) {
            t.rule = "preflight";
            return preflight_response(origin, allowed);
        }
        // Which methods a guarded path serves is for authenticated
        // callers to learn.
        if (guarded && !preflight) {
            auto const& auth = authenticate(x);
            if (auth.result != authentication::outcome::authenticated)
                return refuse_credentials(auth, t);
            note_principal(t, auth.who);
        }
        t.rule = "method";
        auto r = error_response(http_status::method_not_allowed);
        r.set(field::allow, detail::allow_header(allowed));
        return r;
    }

    response preflight_response(std::string_view origin,
                                unsigned allowed) const {
        using boost::beast::http::field;
        response r{boost::beast::http::status::no_content, 11};
        r.set(field::access_control_allow_origin, origin);
        r.set(field::access_control_allow_methods,
              detail::allow_header(allowed));
        r.set(field::access_control_allow_headers,
              options_.cors->allowed_headers);
        r.set(field::access_control_max_age,
              std::to_string(options_.cors->max_age.count()));
        r.set(field::vary, "Origin");
        return r;
    }

    // Headers every answer gets: the request's version and keep-alive,
    // HEAD without a body, and CORS for an allowed origin.
    void finish(request const& req, response& r) const {
        // A handler may close the connection; the client may too.
        bool handler_keeps_alive = r.keep_alive();
        r.version(req.version());
        r.keep_alive(req.keep_alive() && handler_keeps_alive);
        if (req.method() == method::head) {
            auto length = r.body().size();
            r.body().clear();
            r.content_length(length);
        } else {
            r.prepare_payload();
        }
        auto origin = allowed_origin(req);
        if (!origin.empty() &&
            r.find(boost::beast::http::field::access_control_allow_origin) ==
                r.end()) {
            r.set(boost::beast::http::field::access_control_allow_origin,
                  origin);
            auto vary = r[boost::beast::http::field::vary];
            r.set(boost::beast::http::field::vary,
                  vary.empty() ? std::string("Origin")
                               : std::string(vary) + ", Origin");
        }
    }

    // RFC 6750 3: the challenge, with an error code and, when the
    // authenticator gave one, a short fixed description. A description
    // that is not a plain quoted-string is left out rather than escaped.
    std::string challenge(std::string_view error,
                          std::string_view description) const {
        std::string text = "Bearer realm=\"" + options_.realm + "\"";
        if (!error.empty()) {
            text += ", error=\"";
            text += error;
            text += '"';
        }
        bool plain = !description.empty();
        for (char c : description)
            plain = plain && c >= 0x20 && c <= 0x7E && c != '"' && c != '\\';
        if (plain) {
            text += ", error_description=\"";
            text += description;
            text += '"';
        }
        return text;
    }

    response unauthorized(std::string_view error,
                          std::string_view description = {}) const {
        auto r = error_response(boost::beast::http::status::unauthorized);
        r.set(boost::beast::http::field::www_authenticate,
              challenge(error, description));
        return r;
    }

    response refuse_credentials(authentication const& auth, trace& t) const {
        t.rule = auth.result == authentication::outcome::none ? "no credentials"
                 : auth.result == authentication::outcome::malformed
                     ? "malformed credentials"
                     : "refused credentials";
        switch (auth.result) {
        case authentication::outcome::invalid:
            return unauthorized("invalid_token", auth.description);
        case authentication::outcome::malformed:
            return invalid_request(auth.description);
        default:
            return unauthorized({});
        }
    }

    // RFC 6750 3.1: a token without the scopes a route needs gets a
    // 403 whose challenge names them.
    template <class Analysis>
    response insufficient_scope() const {
        auto r = error_response(boost::beast::http::status::forbidden);
        std::string challenge = "Bearer realm=\"" + options_.realm +
                                "\", error=\"insufficient_scope\", scope=\"";
        bool first = true;
        for (std::size_t i = 0; i < Policy::scope_count; ++i) {
            if (!Analysis::required_scopes.test(i))
                continue;
            if (!first)
                challenge += ' ';
            challenge += Policy::scope_names[i];
            first = false;
        }
        challenge += '"';
        r.set(boost::beast::http::field::www_authenticate, challenge);
        return r;
    }

    response invalid_request(std::string_view description = {}) const {
        auto r = error_response(boost::beast::http::status::bad_request);
        r.set(boost::beast::http::field::www_authenticate,
              challenge("invalid_request", description));
        return r;
    }

    template <class Route, std::size_t N>
    std::optional<response> run(Route const& route, exchange& x,
                                std::array<std::string_view, N> const& raw,
                                bool screening) const {
        using analysis = detail::analysis_of<Policy, Route>;
        using http_status = boost::beast::http::status;
        request_context context{x.req,  x.target.path, x.target.query,
                                x.peer, x.client,      nullptr};
        if (!analysis::admits(x.client)) {
            x.notes.rule = "network";
            return error_response(http_status::forbidden);
        }
        if constexpr (analysis::needs_principal) {
            auto const& auth = authenticate(x);
            if (auth.result != authentication::outcome::authenticated)
                return refuse_credentials(auth, x.notes);
            context.principal = &auth.who;
            note_principal(x.notes, auth.who);
            // The whole role and permission decision: constant masks,
            // no allocation, no string comparison.
            if (!detail::contains_all<analysis::required_permissions>(
                    auth.who.permissions)) {
                x.notes.rule = "permission";
                return error_response(http_status::forbidden);
            }
            if (!detail::contains_all<analysis::required_scopes>(
                    auth.who.scopes)) {
                x.notes.rule = "scope";
                return insufficient_scope<analysis>();
            }
        }
        if (screening)
            return std::nullopt;
        using arguments = typename detail::callable_traits<
            typename Route::handler_type>::arguments;
        auto outcome = [&]<class... Args>(detail::type_list<Args...>) {
            return detail::guard::invoke<Policy>(
                route, loaders_, context, raw,
                std::index_sequence_for<Args...>{});
        }(arguments{});
        if (auto* refused = std::get_if<detail::refusal>(&outcome)) {
            x.notes.rule = refused->rule;
            x.notes.concealed = refused->concealed;
            return error_response(refused->status);
        }
        auto r = std::get<response>(std::move(outcome));
        if constexpr (analysis::needs_principal) {
            // The answer depends on who asked: keep it out of shared
            // caches unless the handler chose a policy itself.
            if (r.find(boost::beast::http::field::cache_control) == r.end())
                r.set(boost::beast::http::field::cache_control,
                      "private, no-store");
            r.set(boost::beast::http::field::vary, "Authorization");
        }
        return r;
    }

    bool trusted(peer_address const& a) const noexcept {
        for (auto const& n : proxies_)
            if (n.contains(a))
                return true;
        return false;
    }

    // The caller's address: the socket's peer, unless that peer is a
    // trusted proxy; then the forwarding headers are read right to left
    // and the first address that is not a trusted proxy is the caller.
    // Nothing if a trusted proxy sent a header that cannot be read.
    std::optional<peer_address> client_of(request const& req,
                                          peer_address const& peer) const {
        using boost::beast::http::field;
        if (!trusted(peer))
            return peer;
        std::vector<std::string_view> nodes;
        bool forwarded = req.find(field::forwarded) != req.end();
        for (auto const& f : req) {
            if (forwarded ? f.name() != field::forwarded
                          : f.name_string() != "X-Forwarded-For" &&
                                f.name_string() != "x-forwarded-for")
                continue;
            std::string_view list = f.value();
            while (true) {
                auto comma = list.find(',');
                auto element = list.substr(0, comma);
                if (forwarded) {
                    // for=... among ';'-separated pairs.
                    std::string_view found;
                    while (!element.empty()) {
                        auto semi = element.find(';');
                        auto pair = element.substr(0, semi);
                        while (!pair.empty() && pair.front() == ' ')
                            pair.remove_prefix(1);
                        if (pair.size() > 4 &&
                            detail::iequals(pair.substr(0, 4), "for="))
                            found = pair.substr(4);
                        if (semi == std::string_view::npos)
                            break;
                        element.remove_prefix(semi + 1);
                    }
                    nodes.push_back(found);
                } else {
                    nodes.push_back(element);
                }
                if (comma == std::string_view::npos)
                    break;
                list.remove_prefix(comma + 1);
            }
        }
        peer_address client = peer;
        for (auto node = nodes.rbegin(); node != nodes.rend(); ++node) {
            auto address = detail::parse_forwarded_node(*node);
            if (!address)
                return std::nullopt;
            client = *address;
            if (!trusted(client))
                break;
        }
        return client;
    }

    service_options options_;
    std::vector<network> proxies_;
    // Numbers requests for the audit trail; a copied service starts anew.
    struct counter {
        std::atomic<std::uint64_t> value{0};
        counter() = default;
        counter(counter const&) noexcept {}
        counter& operator=(counter const&) noexcept { return *this; }
        std::uint64_t next() noexcept { return ++value; }
    };
    mutable counter requests_;
    Auth authenticator_;
    Loaders loaders_;
    std::tuple<Routes...> routes_;
};

/// Makes the service of `Policy` from its options, authenticator,
/// loaders (`clearance::loaders(...)`) and routes.
template <class Policy, Authenticator Auth, class Loaders, class... Routes>
service<Policy, Auth, Loaders, Routes...>
make_service(service_options options, Auth authenticator, Loaders loaders,
             Routes... routes) {
    return {std::move(options), std::move(authenticator), std::move(loaders),
            std::move(routes)...};
}

} // namespace clearance
