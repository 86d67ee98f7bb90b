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

#include <clearance/any_of.hpp>
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

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <random>
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

/// The header a trusted proxy names the client in.
enum class forwarding_header {
    /// `X-Forwarded-For: client, proxy1, ...`, as nginx and most load
    /// balancers write it.
    x_forwarded_for,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    forwarded,
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

    /// Proxies whose forwarding header is believed, as addresses or
    /// CIDR blocks ("10.0.0.0/8"). Empty by default: the caller is
    /// always the socket's peer.
    std::vector<std::string> trusted_proxies;

    /// The one forwarding header the trusted proxies write. Only that
    /// header is read; the other is ignored whoever sent it, so a client
    /// cannot add one the proxy passes through unchanged.
    forwarding_header proxy_header = forwarding_header::x_forwarded_for;
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

// Whether the authenticator `Auth` reads credentials of kind `Kind`.
template <class Auth, class Kind>
struct reads_kind : std::is_same<credential_kind_t<Auth>, Kind> {};

template <class... Alternatives, class Kind>
struct reads_kind<any_of_authenticator<Alternatives...>, Kind>
    : std::bool_constant<(
          std::is_same_v<credential_kind_t<Alternatives>, Kind> || ...)> {};

// Whether `Auth` reads every kind of `Accepted`, a route's accepted
// credentials (void: any).
template <class Auth, class Accepted>
inline constexpr bool reads_accepted = true;

template <class Auth, class... Kinds>
inline constexpr bool reads_accepted<Auth, type_list<Kinds...>> =
    (reads_kind<Auth, Kinds>::value && ...);

// Authenticates `r` with the alternatives of `auth` that a route with
// accepted credentials `Accepted` (void: any) allows.
template <class Accepted, class Auth>
authentication authenticate_accepting(Auth const& auth, request const& r) {
    if constexpr (std::is_void_v<Accepted>)
        return auth.authenticate(r);
    else
        return [&]<class... Kinds>(type_list<Kinds...>) {
            if constexpr (requires {
                              auth.template authenticate_only<Kinds...>(r);
                          })
                return auth.template authenticate_only<Kinds...>(r);
            else
                return auth.authenticate(r);
        }(Accepted{});
}

// One address per set of accepted credentials, to tell which set a
// cached authentication was made for.
template <class Accepted>
inline constexpr char accepted_key = 0;

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

// Two routes in conflict: positions in declaration order, `first`
// before `second`, and whether their templates are equal or only
// overlap. `second` is the number of routes when there is none.
struct route_conflict {
    std::size_t first = 0, second = 0;
    bool equal = false;
};

// Finds the conflict whose `second` route comes first (then whose
// `first` does) among N routes, without comparing every pair. Two
// templates can only match one path if they have the same method and
// number of segments, and then only through the segments that are
// literal in both. So routes are grouped by method, segment count and
// which segments are parameters; for each pair of groups that could
// clash, their routes are sorted by the keys of the segments literal in
// both, and only routes with equal keys are compared. Routes ending in a
// catch-all, which match paths of several lengths, are compared with
// every route of their method. Services have few
// groups, so the cost grows as n log n rather than n squared, which
// keeps large services within the compilers' constexpr limits.
template <std::size_t N, std::size_t MaxSegments>
constexpr route_conflict
find_route_conflict(std::array<method, N> const& verbs,
                    std::array<std::string_view, N> const& templates,
                    std::array<std::span<segment const>, N> const& segments) {
    route_conflict best{N, N, false};
    // Keeps the conflict (a, b) if it is one and comes before the best.
    auto consider = [&](std::size_t a, std::size_t b) {
        if (a > b)
            std::swap(a, b);
        if (b > best.second || (b == best.second && a >= best.first))
            return true;
        if (!templates_overlap(segments[a], segments[b]))
            return false;
        best = {a, b, templates[a] == templates[b]};
        return true;
    };
    if constexpr (MaxSegments > 64) {
        // Masks do not fit: compare every pair.
        for (std::size_t j = 0; j < N; ++j)
            for (std::size_t i = 0; i < j; ++i)
                if (verbs[i] == verbs[j])
                    consider(i, j);
        return best;
    } else {
        std::array<std::uint64_t, N> masks{};
        std::array<std::array<std::uint64_t, MaxSegments + 1>, N> keys{};
        for (std::size_t i = 0; i < N; ++i)
            for (std::size_t p = 0; p < segments[i].size(); ++p) {
                if (segments[i][p].parameter)
                    masks[i] |= std::uint64_t{1} << p;
                else
                    keys[i][p] = name_key_of(segments[i][p].text);
            }
        auto shape_less = [&](std::size_t a, std::size_t b) {
            if (verbs[a] != verbs[b])
                return verbs[a] < verbs[b];
            if (segments[a].size() != segments[b].size())
                return segments[a].size() < segments[b].size();
            return masks[a] < masks[b];
        };
        auto same_class = [&](std::size_t a, std::size_t b) {
            return verbs[a] == verbs[b] &&
                   segments[a].size() == segments[b].size();
        };
        // A catch-all matches paths of several lengths: each is compared
        // with every route of its method, and left out of the groups.
        std::array<std::size_t, N> order{};
        std::size_t regular = 0;
        for (std::size_t i = 0; i < N; ++i) {
            if (segments[i].empty() || !segments[i].back().rest) {
                order[regular++] = i;
                continue;
            }
            for (std::size_t j = 0; j < N; ++j)
                if (j != i && verbs[j] == verbs[i])
                    consider(i, j);
        }
        std::sort(order.begin(), order.begin() + regular, shape_less);

        std::array<std::size_t, N> list{};
        std::array<bool, N> from_second{};
        for (std::size_t g1 = 0; g1 < regular;) {
            std::size_t e1 = g1 + 1;
            while (e1 < regular && masks[order[e1]] == masks[order[g1]] &&
                   same_class(order[e1], order[g1]))
                ++e1;
            for (std::size_t g2 = g1;
                 g2 < regular && same_class(order[g2], order[g1]);) {
                std::size_t e2 = g2 + 1;
                while (e2 < regular && masks[order[e2]] == masks[order[g2]] &&
                       same_class(order[e2], order[g2]))
                    ++e2;
                // The segments literal in both groups.
                std::uint64_t literal = ~(masks[order[g1]] | masks[order[g2]]);
                std::size_t n = 0;
                for (std::size_t k = g1; k < e1; ++k, ++n) {
                    list[n] = order[k];
                    from_second[list[n]] = false;
                }
                if (g2 != g1)
                    for (std::size_t k = g2; k < e2; ++k, ++n) {
                        list[n] = order[k];
                        from_second[list[n]] = true;
                    }
                auto size = segments[order[g1]].size();
                auto key_less = [&](std::size_t a, std::size_t b) {
                    for (std::size_t p = 0; p < size; ++p)
                        if (((literal >> p) & 1U) && keys[a][p] != keys[b][p])
                            return keys[a][p] < keys[b][p];
                    return false;
                };
                std::sort(list.begin(), list.begin() + n, key_less);
                // Within a run of equal keys, the two earliest routes
                // (one of each group when the groups differ) are the
                // best conflict; a run whose keys collided without equal
                // text is searched in full.
                for (std::size_t r = 0; r < n;) {
                    std::size_t end = r + 1;
                    while (end < n && !key_less(list[r], list[end]))
                        ++end;
                    if (end - r > 1) {
                        std::size_t a = N, b = N;
                        for (std::size_t k = r; k < end; ++k) {
                            auto i = list[k];
                            if (g1 == g2) {
                                if (i < a) {
                                    b = a;
                                    a = i;
                                } else if (i < b) {
                                    b = i;
                                }
                            } else if (from_second[i]) {
                                b = i < b ? i : b;
                            } else {
                                a = i < a ? i : a;
                            }
                        }
                        if (a < N && b < N && !consider(a, b))
                            for (std::size_t x = r; x < end; ++x)
                                for (std::size_t y = x + 1; y < end; ++y)
                                    if (g1 == g2 || from_second[list[x]] !=
                                                        from_second[list[y]])
                                        consider(list[x], list[y]);
                    }
                    r = end;
                }
                g2 = e2;
            }
            g1 = e1;
        }
        return best;
    }
}

template <class Policy, class Loaders, class... Routes>
struct service_facts {
    static constexpr std::size_t count = sizeof...(Routes);

    template <std::size_t I>
    using route_at = type_at<I, Routes...>;

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
    static constexpr std::size_t max_segments = [] {
        std::size_t most = 0;
        for (auto const& s : segments)
            most = s.size() > most ? s.size() : most;
        return most;
    }();

    // The first pair of routes in conflict, and whether they are equal
    // or only overlap.
    static constexpr route_conflict first_conflict =
        find_route_conflict<count, max_segments>(verbs, templates, segments);

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
        else if constexpr (first_conflict.second < count)
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
namespace detail {

// What a service does with a request, whatever its routes: everything
// but the route table. Routes reach it through `try_route`, one
// function per route type, so that no function's name or body holds
// every route.
template <class Policy, class Auth, class Loaders>
class service_core {
public:
    // Throws std::invalid_argument if the realm cannot be sent as a
    // quoted-string or a trusted proxy is not an address or block.
    service_core(service_options options, Auth authenticator, Loaders loaders)
        : options_(std::move(options))
        , authenticator_(std::move(authenticator))
        , loaders_(std::move(loaders)) {
        if (!is_valid_realm(options_.realm))
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

    Auth const& authenticator() const noexcept { return authenticator_; }

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
        // A refused target is reported without its query, which may
        // carry a credential (an access_token the request was refused
        // for, say).
        e.path = t.path.empty() ? std::string_view(req.target())
                                      .substr(0, req.target().find('?'))
                                : t.path;
        e.subject = t.subject;
        e.tenant = t.tenant;
        e.status = r.result_int();
        e.outcome = t.rule == "preflight" ? decision::preflight
                                          : decision_of(e.status, t.concealed);
        e.rule = t.rule;
        auto id = req["X-Request-Id"];
        std::string made;
        // A client's id is taken unless it is in the service's own
        // series, where it could pose as another request's.
        if (!id.empty() && id.size() <= 64 && is_plain_token(id) &&
            !std::string_view(id).starts_with(requests_.prefix)) {
            e.request_id = id;
        } else {
            made = requests_.next();
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
        screening_memo& known;
        trace& notes;
    };

    // Authenticates with the credentials that `Accepted` allows (void:
    // any), at most once per set of kinds and request.
    template <class Accepted = void>
    authentication const& authenticate(exchange& x) const {
        constexpr void const* kinds = &accepted_key<Accepted>;
        // Kept by the kinds of credentials they were made for, so that a
        // route accepting other kinds authenticates anew.
        auto& known = x.known;
        if (!known.auth_ || known.kinds_ != kinds) {
            known.auth_ =
                authenticate_accepting<Accepted>(authenticator_, x.req);
            known.kinds_ = kinds;
        }
        return *known.auth_;
    }

    // Whether the principal holds the route's permissions and scopes.
    template <class Analysis>
    static bool permitted(authentication const& auth) noexcept {
        return auth.result == authentication::outcome::authenticated &&
               contains_all<Analysis::required_permissions>(
                   auth.who.permissions) &&
               contains_all<Analysis::required_scopes>(auth.who.scopes);
    }

    // A hidden route exists only for principals that may call it.
    template <class Route>
    bool visible(exchange& x) const {
        using analysis = analysis_of<Policy, Route>;
        if constexpr (!analysis::is_hidden)
            return true;
        else if constexpr (!analysis::needs_principal)
            return analysis::admits(x.client);
        else
            return analysis::admits(x.client) &&
                   permitted<analysis>(
                       authenticate<typename analysis::accepted_credentials>(
                           x));
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
    // returns a response. `routes.try_each(*this, x, state, screening)`
    // offers the request to each route in order (see `try_route`).
    template <class Table>
    std::optional<response>
    dispatch(request const& req, peer_address const& peer, bool screening,
             trace& t, screening_memo& known, Table const& routes) const {
        using http_status = boost::beast::http::status;
        using boost::beast::http::field;
        auto target = canonicalize_target(req.target());
        if (!target) {
            t.rule = "target";
            return error_response(http_status::bad_request);
        }
        if (!has_valid_host(req)) {
            t.rule = "host";
            return error_response(http_status::bad_request);
        }
        // Two credentials are ambiguous wherever they are sent.
        if (count_fields(req, field::authorization) > 1) {
            t.rule = "authorization";
            return invalid_request(
                "the request has more than one Authorization header");
        }
        auto client = client_of(req, peer);
        if (!client) {
            t.rule = "forwarded";
            return error_response(http_status::bad_request);
        }
        exchange x{req, peer, std::move(*target), *client, known, t};
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

        routing state;
        state.wanted = wanted;
        state.preflight = preflight;
        routes.try_each(*this, x, state, screening);
        if (state.matched)
            return std::move(state.result);
        if (state.allowed == 0) {
            t.rule = state.hidden ? "hidden route" : "no route";
            t.concealed = state.hidden;
            return error_response(http_status::not_found);
        }
        if (preflight && (state.allowed & method_bit(*preflight))) {
            t.rule = "preflight";
            return preflight_response(origin, state.allowed);
        }
        // Which methods a guarded path serves is for authenticated
        // callers to learn.
        if (state.guarded && !preflight) {
            auto const& auth = authenticate(x);
            if (auth.result != authentication::outcome::authenticated)
                return refuse_credentials(auth, t);
            note_principal(t, auth.who);
        }
        t.rule = "method";
        auto r = error_response(http_status::method_not_allowed);
        r.set(field::allow, allow_header(state.allowed));
        return r;
    }

    // What routing has learnt about the request so far.
    struct routing {
        method wanted = method::unknown;
        std::optional<method> preflight;
        // The methods of the visible routes whose template matches.
        unsigned allowed = 0;
        bool guarded = false;
        bool hidden = false;
        bool matched = false;
        std::optional<response> result;
    };

    // Offers the request to one route: whether the route took it. Kept
    // out of line, so that each route's code is a function of its own
    // whose name and size do not grow with the number of routes.
    template <class Route>
    [[gnu::noinline]] bool try_route(Route const& route, exchange& x,
                                     routing& state, bool screening) const {
        constexpr auto tmpl = Route::path_template;
        std::array<std::string_view, parameter_count<tmpl>> raw;
        if (!match_template<tmpl>(x.target.path, raw))
            return false;
        if (!visible<Route>(x)) {
            state.hidden = true;
            return false;
        }
        state.allowed |= method_bit(Route::verb);
        state.guarded =
            state.guarded || analysis_of<Policy, Route>::needs_principal;
        if (state.preflight || Route::verb != state.wanted)
            return false;
        state.matched = true;
        x.notes.route = Route::path_template.view();
        state.result = run(route, x, raw, screening);
        return true;
    }

    response preflight_response(std::string_view origin,
                                unsigned allowed) const {
        using boost::beast::http::field;
        response r{boost::beast::http::status::no_content, 11};
        r.set(field::access_control_allow_origin, origin);
        r.set(field::access_control_allow_methods, allow_header(allowed));
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
        using analysis = analysis_of<Policy, Route>;
        using http_status = boost::beast::http::status;
        request_context context{x.req,  x.target.path, x.target.query,
                                x.peer, x.client,      nullptr};
        detail::handler_note handler_note;
        if (options_.audit)
            context.audit_note = &handler_note;
        if (!analysis::admits(x.client)) {
            x.notes.rule = analysis::network_rule(x.client);
            return error_response(http_status::forbidden);
        }
        if constexpr (analysis::needs_principal) {
            auto const& auth =
                authenticate<typename analysis::accepted_credentials>(x);
            if (auth.result != authentication::outcome::authenticated)
                return refuse_credentials(auth, x.notes);
            context.principal = &auth.who;
            note_principal(x.notes, auth.who);
            // The whole role and permission decision: constant masks,
            // no allocation, no string comparison.
            if (!contains_all<analysis::required_permissions>(
                    auth.who.permissions)) {
                x.notes.rule =
                    detail::named_bits<"permission", Policy::permissions::names,
                                       analysis::required_permissions>::value;
                return error_response(http_status::forbidden);
            }
            if (!contains_all<analysis::required_scopes>(auth.who.scopes)) {
                x.notes.rule =
                    detail::named_bits<"scope", Policy::scope_names,
                                       analysis::required_scopes>::value;
                return insufficient_scope<analysis>();
            }
        }
        if (screening)
            return std::nullopt;
        using arguments =
            typename callable_traits<typename Route::handler_type>::arguments;
        auto outcome = [&]<class... Args>(type_list<Args...>) {
            return guard::invoke<Policy>(route, loaders_, context, raw,
                                         std::index_sequence_for<Args...>{});
        }(arguments{});
        if (auto* refused = std::get_if<refusal>(&outcome)) {
            x.notes.rule = refused->rule;
            x.notes.concealed = refused->concealed;
            return error_response(refused->status);
        }
        auto r = std::get<response>(std::move(outcome));
        if (!handler_note.rule.empty()) {
            x.notes.rule = handler_note.rule;
            x.notes.concealed = handler_note.concealed;
        }
        if constexpr (analysis::needs_principal) {
            // The answer depends on who asked: keep it out of shared
            // caches unless the handler chose a policy itself.
            if (r.find(boost::beast::http::field::cache_control) == r.end())
                r.set(boost::beast::http::field::cache_control,
                      "private, no-store");
            add_vary_authorization(r);
        }
        return r;
    }

    // Adds Authorization to the response's Vary, keeping what the
    // handler named there.
    static void add_vary_authorization(response& r) {
        using boost::beast::http::field;
        auto const named = r[field::vary];
        if (named.empty()) {
            r.set(field::vary, "Authorization");
            return;
        }
        for (std::string_view list = named; !list.empty();) {
            auto comma = list.find(',');
            auto item = list.substr(0, comma);
            while (!item.empty() &&
                   (item.front() == ' ' || item.front() == '\t'))
                item.remove_prefix(1);
            while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
                item.remove_suffix(1);
            if (item == "*" || detail::iequals(item, "Authorization"))
                return;
            if (comma == std::string_view::npos)
                break;
            list.remove_prefix(comma + 1);
        }
        r.set(field::vary, std::string(named) + ", Authorization");
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
        bool const forwarded =
            options_.proxy_header == forwarding_header::forwarded;
        for (auto const& f : req) {
            if (forwarded
                    ? f.name() != field::forwarded
                    : !detail::iequals(f.name_string(), "X-Forwarded-For"))
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
                            iequals(pair.substr(0, 4), "for="))
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
            auto address = parse_forwarded_node(*node, forwarded);
            if (!address)
                return std::nullopt;
            client = *address;
            if (!trusted(client))
                break;
        }
        return client;
    }

private:
    service_options options_;
    std::vector<network> proxies_;
    // Names requests for the audit trail: "clearance-", 32 random bits
    // drawn once per service in hexadecimal, "-" and a number, so that
    // replicas behind one balancer and restarts of one process do not
    // hand out the same ids. A copied service draws anew.
    struct counter {
        std::atomic<std::uint64_t> value{0};
        std::string prefix = fresh_prefix();
        counter() = default;
        counter(counter const&)
            : prefix(fresh_prefix()) {}
        counter& operator=(counter const&) noexcept { return *this; }
        std::string next() { return prefix + std::to_string(++value); }
        static std::string fresh_prefix() {
            constexpr char digits[] = "0123456789abcdef";
            auto bits = std::random_device{}();
            std::string out = "clearance-";
            for (int shift = 28; shift >= 0; shift -= 4)
                out += digits[(bits >> shift) & 0xF];
            return out + "-";
        }
    };
    mutable counter requests_;
    Auth authenticator_;
    Loaders loaders_;
};

// The routes of a service, each in a slot of its own: a flat table
// rather than a std::tuple, whose recursive bases and constructor
// constraints cost quadratic compile time and exceed the template depth
// with hundreds of routes.
template <std::size_t I, class Route>
struct route_slot {
    Route route;
};

template <class Sequence, class... Routes>
class route_table;

template <std::size_t... I, class... Routes>
class route_table<std::index_sequence<I...>, Routes...>
    : route_slot<I, Routes>... {
public:
    explicit route_table(Routes... routes)
        : route_slot<I, Routes>{std::move(routes)}... {}

    // Offers the request to each route in order until one takes it:
    // the braced list is evaluated left to right, and is neither a fold
    // (whose operands compilers limit) nor a recursion.
    template <class Core, class Exchange, class Routing>
    void try_each(Core const& core, Exchange& x, Routing& state,
                  bool screening) const {
        bool taken = false;
        [[maybe_unused]] bool const each[] = {
            false,
            (taken = taken ||
                     core.try_route(
                         static_cast<route_slot<I, Routes> const&>(*this).route,
                         x, state, screening))...};
    }
};

} // namespace detail

template <class Policy, Authenticator Auth, class Loaders, class... Routes>
class service {
    // Without it, the first route would be taken for the loaders and
    // never be served.
    static_assert(detail::is_loader_set<Loaders>,
                  "clearance: the third argument of make_service must be "
                  "the service's loaders, clearance::loaders(...); write "
                  "clearance::loaders() when no route owns a resource");

    using facts = detail::service_facts<Policy, Loaders, Routes...>;
    using core_type = detail::service_core<Policy, Auth, Loaders>;

    // Whether the authenticator reads what each route accepts; asked only
    // of routes that break no other rule.
    struct credential_facts {
        template <class Route>
        struct readable : std::bool_constant<detail::reads_accepted<
                              Auth, typename detail::analysis_of<
                                        Policy, Route>::accepted_credentials>> {
        };

        static constexpr auto first_violation() {
            if constexpr (!std::is_same_v<typename facts::violation,
                                          rules::none>) {
                return rules::none{};
            } else {
                using unread = typename detail::first_failing<
                    readable, detail::type_list<Routes...>>::type;
                if constexpr (std::is_void_v<unread>)
                    return rules::none{};
                else
                    return rules::accepted_credentials_are_read<
                        detail::route_label<unread::verb,
                                            unread::path_template>(),
                        false>{};
            }
        }

        using violation = decltype(first_violation());
    };

public:
    /// Whether every rule holds. When one does not, the build has
    /// already stopped with exactly one error naming it.
    static constexpr bool well_formed =
        detail::report<typename facts::violation>() &&
        detail::report<typename credential_facts::violation>();
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
        : core_(std::move(options), std::move(authenticator),
                std::move(loaders))
        , routes_(std::move(route_list)...) {}

    /// What screening a request learnt that its answer can use: the
    /// credentials already verified, so that a token is checked once per
    /// request. A server that screens keeps one per request, from
    /// `screen(req, peer, memo)` to `(*this)(req, peer, memo)`.
    using screening_memo = clearance::screening_memo;

    /// Answers `req`, received from `peer`. The response's version and
    /// keep-alive follow the request's.
    response operator()(request const& req, peer_address const& peer) const {
        screening_memo fresh;
        return (*this)(req, peer, fresh);
    }

    /// Answers `req` as above, reusing what `screen(req, peer, memo)`
    /// learnt about this same request.
    response operator()(request const& req, peer_address const& peer,
                        screening_memo& memo) const {
        typename core_type::trace t;
        response r = *dispatch(req, peer, false, t, memo);
        core_.finish(req, r);
        core_.report(req, r, t);
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
        screening_memo fresh;
        return screen(req, peer, fresh);
    }

    /// Screens `req` as above, and keeps in `memo` what its answer can
    /// reuse.
    std::optional<response> screen(request const& req, peer_address const& peer,
                                   screening_memo& memo) const {
        typename core_type::trace t;
        auto r = dispatch(req, peer, true, t, memo);
        if (r) {
            core_.finish(req, *r);
            core_.report(req, *r, t);
        }
        return r;
    }

    /// The authenticator, for tools that mint or inspect credentials.
    Auth const& authenticator() const noexcept { return core_.authenticator(); }

private:
    template <Role R>
    static constexpr bool reaches(route_description const& r) noexcept {
        if constexpr (Policy::template has_role<R>)
            return r.is_public ||
                   Policy::template role_mask<R>.contains(r.permissions);
        else
            return false;
    }

    // Answers the request, or with `screening` refuses it or lets it
    // through; `known` holds the authentications made for it.
    std::optional<response> dispatch(request const& req,
                                     peer_address const& peer, bool screening,
                                     typename core_type::trace& t,
                                     screening_memo& known) const {
        if constexpr (!well_formed)
            return error_response(boost::beast::http::status::not_found);
        else
            return core_.dispatch(req, peer, screening, t, known, routes_);
    }

    core_type core_;
    detail::route_table<std::index_sequence_for<Routes...>, Routes...> routes_;
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
