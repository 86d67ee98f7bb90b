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

#include <clearance/authentication.hpp>
#include <clearance/context.hpp>
#include <clearance/detail/bitmask.hpp>
#include <clearance/guard.hpp>
#include <clearance/loader.hpp>
#include <clearance/peer.hpp>
#include <clearance/response.hpp>
#include <clearance/route.hpp>
#include <clearance/rules.hpp>
#include <clearance/target.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>

namespace clearance {

/// Settings of a service that do not belong in types.
struct service_options {
    /// The `realm` of the `WWW-Authenticate` challenge.
    std::string realm = "clearance";
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

/// The request handler built from a policy, an authenticator, loaders
/// and routes. It is immutable once made and safe to call from several
/// threads at once.
template <class Policy, Authenticator Auth, class Loaders, class... Routes>
class service {
    // Instantiating each route's analysis runs its compile-time checks;
    // their diagnostics name the route.
    static constexpr bool routes_checked =
        ((sizeof(detail::analysis_of<Policy, Routes>) > 0) && ...);

    template <class Route, class Arguments>
    struct loaders_present;

    template <class Route, class... Args>
    struct loaders_present<Route, detail::type_list<Args...>> {
        template <class Arg>
        static constexpr bool loadable() {
            if constexpr (detail::kind_of<Arg> == detail::parameter_kind::owned)
                return Loaders::template has<
                    typename detail::owned_traits<Arg>::resource>;
            else
                return true;
        }
        static constexpr bool value = (loadable<Args>() && ...);
        static_assert(
            rules::owned_resource_has_loader<
                detail::route_label<Route::verb, Route::path_template>(),
                value>::satisfied,
            "clearance: the route's handler takes an owned<> resource "
            "that has no loader; pass clearance::load<Resource>(...) in "
            "the service's clearance::loaders(...)");
    };

    static constexpr bool loaders_checked =
        (loaders_present<
             Routes, typename detail::callable_traits<
                         typename Routes::handler_type>::arguments>::value &&
         ...);

public:
    /// Assembles a service. Throws `std::invalid_argument` if the realm
    /// cannot be sent as a quoted-string.
    service(service_options options, Auth authenticator, Loaders loaders,
            Routes... routes)
        : options_(std::move(options))
        , authenticator_(std::move(authenticator))
        , loaders_(std::move(loaders))
        , routes_(std::move(routes)...) {
        static_assert(routes_checked || true);
        static_assert(loaders_checked || true);
        if (!detail::is_valid_realm(options_.realm))
            throw std::invalid_argument(
                "clearance: the realm must not contain '\"', '\\' or "
                "control characters");
    }

    /// Answers `req`, received from `peer`. The response's version and
    /// keep-alive follow the request's.
    response operator()(request const& req, peer_address const& peer) const {
        response r = dispatch(req, peer);
        r.version(req.version());
        r.keep_alive(req.keep_alive());
        if (req.method() == method::head) {
            auto length = r.body().size();
            r.body().clear();
            r.content_length(length);
        } else {
            r.prepare_payload();
        }
        return r;
    }

    /// The authenticator, for tools that mint or inspect credentials.
    Auth const& authenticator() const noexcept { return authenticator_; }

private:
    response dispatch(request const& req, peer_address const& peer) const {
        auto target = canonicalize_target(req.target());
        if (!target)
            return error_response(boost::beast::http::status::bad_request);
        method wanted =
            req.method() == method::head ? method::get : req.method();
        unsigned allowed = 0;
        std::optional<response> result;
        auto try_route = [&](auto const& route) {
            using route_type = std::remove_cvref_t<decltype(route)>;
            constexpr auto tmpl = route_type::path_template;
            std::array<std::string_view, detail::parameter_count<tmpl>> raw;
            if (!detail::match_template<tmpl>(target->path, raw))
                return false;
            allowed |= detail::method_bit(route_type::verb);
            if (route_type::verb != wanted)
                return false;
            result = run(route, req, peer, *target, raw);
            return true;
        };
        std::apply([&](auto const&... route) { (try_route(route) || ...); },
                   routes_);
        if (result)
            return std::move(*result);
        if (allowed == 0)
            return error_response(boost::beast::http::status::not_found);
        auto r = error_response(boost::beast::http::status::method_not_allowed);
        r.set(boost::beast::http::field::allow, detail::allow_header(allowed));
        return r;
    }

    response unauthorized(std::string_view error) const {
        auto r = error_response(boost::beast::http::status::unauthorized);
        std::string challenge = "Bearer realm=\"" + options_.realm + "\"";
        if (!error.empty()) {
            challenge += ", error=\"";
            challenge += error;
            challenge += '"';
        }
        r.set(boost::beast::http::field::www_authenticate, challenge);
        return r;
    }

    template <class Route, std::size_t N>
    response run(Route const& route, request const& req,
                 peer_address const& peer, canonical_target const& target,
                 std::array<std::string_view, N> const& raw) const {
        using analysis = detail::analysis_of<Policy, Route>;
        using http_status = boost::beast::http::status;
        request_context context{req, target.path, target.query, peer, nullptr};
        authentication auth;
        if constexpr (!analysis::is_public) {
            auth = authenticator_.authenticate(req);
            switch (auth.result) {
            case authentication::outcome::none:
                return unauthorized({});
            case authentication::outcome::invalid:
                return unauthorized("invalid_token");
            case authentication::outcome::malformed: {
                auto r = error_response(http_status::bad_request);
                r.set(boost::beast::http::field::www_authenticate,
                      "Bearer realm=\"" + options_.realm +
                          "\", error=\"invalid_request\"");
                return r;
            }
            case authentication::outcome::authenticated:
                break;
            }
            context.principal = &auth.who;
            // The whole role and permission decision: constant masks,
            // no allocation, no string comparison.
            if (!detail::contains_all<analysis::required_permissions>(
                    auth.who.permissions) ||
                !detail::contains_all<analysis::required_scopes>(
                    auth.who.scopes))
                return error_response(http_status::forbidden);
        }
        using arguments = typename detail::callable_traits<
            typename Route::handler_type>::arguments;
        auto outcome = [&]<class... Args>(detail::type_list<Args...>) {
            return detail::invoke_guarded<Policy>(
                route, loaders_, context, raw,
                std::index_sequence_for<Args...>{});
        }(arguments{});
        if (auto* refused = std::get_if<detail::refusal>(&outcome))
            return error_response(refused->status);
        auto r = std::get<response>(std::move(outcome));
        if constexpr (!analysis::is_public) {
            // The answer depends on who asked: keep it out of shared
            // caches unless the handler chose a policy itself.
            if (r.find(boost::beast::http::field::cache_control) == r.end())
                r.set(boost::beast::http::field::cache_control,
                      "private, no-store");
            r.set(boost::beast::http::field::vary, "Authorization");
        }
        return r;
    }

    service_options options_;
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
