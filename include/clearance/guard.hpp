// SPDX-License-Identifier: BSL-1.0
#pragma once

// The guard of a route, generated from its handler's signature. At
// compile time it reads the handler's parameter types, checks them
// against the policy and the route's path template, and folds every
// permission and scope requirement into one constant mask. At run time
// it compares the principal's bits with those masks, converts path
// parameters, loads and checks owned resources, and only then builds the
// proof arguments and calls the handler.
//
// Nothing here includes networking code.

#include <clearance/context.hpp>
#include <clearance/detail/bitmask.hpp>
#include <clearance/detail/fixed_string.hpp>
#include <clearance/loader.hpp>
#include <clearance/policy.hpp>
#include <clearance/requirements.hpp>
#include <clearance/response.hpp>
#include <clearance/route.hpp>
#include <clearance/rules.hpp>
#include <clearance/target.hpp>

#include <boost/beast/http/status.hpp>

#include <array>
#include <charconv>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace clearance {

namespace detail {

template <class... Ts>
struct type_list {};

// The parameter list of a handler: a function, a function pointer or an
// object with one non-template call operator (a lambda).
template <class F>
struct callable_traits : callable_traits<decltype(&F::operator())> {};

template <class R, class... A>
struct callable_traits<R(A...)> {
    using result = R;
    using arguments = type_list<std::remove_cvref_t<A>...>;
};
template <class R, class... A>
struct callable_traits<R(A...) noexcept> : callable_traits<R(A...)> {};
template <class R, class... A>
struct callable_traits<R (*)(A...)> : callable_traits<R(A...)> {};
template <class R, class... A>
struct callable_traits<R (*)(A...) noexcept> : callable_traits<R(A...)> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...)> : callable_traits<R(A...)> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...) const> : callable_traits<R(A...)> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...) noexcept> : callable_traits<R(A...)> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...) const noexcept>
    : callable_traits<R(A...)> {};

template <class F>
concept has_single_call_operator = requires {
    &F::operator();
};

template <class F>
concept introspectable_handler =
    std::is_function_v<std::remove_pointer_t<F>> || has_single_call_operator<F>;

enum class parameter_kind {
    public_marker,
    authenticated,
    permissions,
    scopes,
    owned,
    path,
    context,
    unknown,
};

template <class T>
struct classify {
    static constexpr parameter_kind kind = parameter_kind::unknown;
};
template <>
struct classify<public_route> {
    static constexpr parameter_kind kind = parameter_kind::public_marker;
};
template <>
struct classify<authenticated> {
    static constexpr parameter_kind kind = parameter_kind::authenticated;
};
template <class... Ps>
struct classify<granted<Ps...>> {
    static constexpr parameter_kind kind = parameter_kind::permissions;
};
template <class... Ss>
struct classify<scoped<Ss...>> {
    static constexpr parameter_kind kind = parameter_kind::scopes;
};
template <class R, class Rule, class... Os>
struct classify<owned<R, Rule, Os...>> {
    static constexpr parameter_kind kind = parameter_kind::owned;
};
template <fixed_string N, class T>
struct classify<path<N, T>> {
    static constexpr parameter_kind kind = parameter_kind::path;
};
template <>
struct classify<request_context> {
    static constexpr parameter_kind kind = parameter_kind::context;
};

template <class T>
inline constexpr parameter_kind kind_of = classify<T>::kind;

// The options of an owned<> parameter.
template <class T>
struct is_bypass : std::false_type {};
template <class... Rs>
struct is_bypass<bypass<Rs...>> : std::true_type {};

template <class T>
struct is_key : std::false_type {};
template <fixed_string N>
struct is_key<key<N>> : std::true_type {};

template <class Default, template <class> class Is, class... Os>
struct first_option {
    using type = Default;
};
template <class Default, template <class> class Is, class O, class... Os>
struct first_option<Default, Is, O, Os...> {
    using type =
        std::conditional_t<Is<O>::value, O,
                           typename first_option<Default, Is, Os...>::type>;
};

template <class O>
inline constexpr bool is_owned_option =
    std::is_same_v<O, conceal> || std::is_same_v<O, reveal> ||
    is_bypass<O>::value || is_key<O>::value;

template <class Owned>
struct owned_traits;

template <class R, class Rule, class... Os>
struct owned_traits<owned<R, Rule, Os...>> {
    using resource = R;
    using rule = Rule;
    using bypass_roles =
        typename first_option<bypass<>, is_bypass, Os...>::type;
    static constexpr auto key_name =
        first_option<key<"id">, is_key, Os...>::type::fixed_name;
    static constexpr bool conceals = !(std::is_same_v<Os, reveal> || ...);
    static constexpr bool options_known = (is_owned_option<Os> && ...);
    static constexpr bool options_consistent =
        !((std::is_same_v<Os, reveal> || ...) &&
          (std::is_same_v<Os, conceal> || ...)) &&
        ((is_bypass<Os>::value ? 1 : 0) + ... + 0) <= 1 &&
        ((is_key<Os>::value ? 1 : 0) + ... + 0) <= 1;
};

template <class Policy, class... Rs>
constexpr role_set bypass_mask(bypass<Rs...>) {
    static_assert(
        (rules::bypass_role_is_in_policy<
             Rs::fixed_name, Policy::template has_role<Rs>>::satisfied &&
         ...),
        "clearance: a bypass<> role of an owned<> parameter is not a role "
        "of the policy; add it to the policy's roles<...> or remove it");
    role_set mask;
    if constexpr ((Policy::template has_role<Rs> && ...))
        ((mask |= Policy::template roles_including<Rs>()), ...);
    return mask;
}

template <class Policy, class T>
constexpr permission_set permissions_of() {
    if constexpr (kind_of<T> == parameter_kind::permissions)
        return []<class... Ps>(type_list<granted<Ps...>>) {
            return Policy::template permission_mask<Ps...>();
        }(type_list<T>{});
    else
        return {};
}

template <class Policy, class T>
constexpr scope_set scopes_of() {
    if constexpr (kind_of<T> == parameter_kind::scopes)
        return []<class... Ss>(type_list<scoped<Ss...>>) {
            return Policy::template scope_mask<Ss...>();
        }(type_list<T>{});
    else
        return {};
}

template <class T>
constexpr std::string_view bound_name() {
    if constexpr (kind_of<T> == parameter_kind::path)
        return T::fixed_name.view();
    else if constexpr (kind_of<T> == parameter_kind::owned)
        return owned_traits<T>::key_name.view();
    else
        return {};
}

template <class Policy, class Route, class Arguments>
struct route_analysis;

// Everything the guard of one route needs, computed once per route.
template <class Policy, class Route, class... Args>
struct route_analysis<Policy, Route, type_list<Args...>> {
    static constexpr auto label =
        route_label<Route::verb, Route::path_template>();
    static constexpr auto tmpl = Route::path_template;

    static constexpr std::size_t public_markers =
        ((kind_of<Args> == parameter_kind::public_marker) + ... + 0);
    static constexpr std::size_t requirements =
        ((kind_of<Args> == parameter_kind::authenticated ||
          kind_of<Args> == parameter_kind::permissions ||
          kind_of<Args> == parameter_kind::scopes ||
          kind_of<Args> == parameter_kind::owned) +
         ... + 0);
    static constexpr bool all_known =
        ((kind_of<Args> != parameter_kind::unknown) && ...);

    static_assert(
        rules::route_declares_access<label, public_markers + requirements !=
                                                0>::satisfied,
        "clearance: the route's handler declares no access requirement, "
        "and routes are denied by default; add a parameter of type "
        "clearance::public_route to make it public, or require "
        "clearance::authenticated, clearance::granted<...>, "
        "clearance::scoped<...> or clearance::owned<...>");
    static_assert(
        rules::route_access_is_consistent < label,
        public_markers == 0 ||
            (public_markers == 1 && requirements == 0) > ::satisfied,
        "clearance: the route's handler is marked clearance::public_route "
        "and also requires access; keep public_route for a public route, "
        "or remove it to keep the requirements");
    static_assert(
        rules::handler_parameters_are_known<label, all_known>::satisfied,
        "clearance: a parameter of the route's handler is neither a "
        "requirement (public_route, authenticated, granted, scoped, "
        "owned), a clearance::path<\"name\", T> nor "
        "clearance::request_context const&");

    static constexpr bool is_public = public_markers != 0;

    static constexpr permission_set required_permissions = [] {
        permission_set mask;
        ((mask |= permissions_of<Policy, Args>()), ...);
        return mask;
    }();

    static constexpr scope_set required_scopes = [] {
        scope_set mask;
        ((mask |= scopes_of<Policy, Args>()), ...);
        return mask;
    }();

    static constexpr auto const& segments = template_segments<tmpl>;
    static constexpr std::size_t parameter_count =
        detail::parameter_count<tmpl>;

    static constexpr bool path_names_match = [] {
        std::array<std::string_view, sizeof...(Args) + 1> bound{
            bound_name<Args>()..., {}};
        for (auto const& name : bound)
            if (!name.empty() &&
                parameter_index<tmpl>(name) == detail::parameter_count<tmpl>)
                return false;
        for (auto const& s : segments) {
            if (!s.parameter)
                continue;
            bool found = false;
            for (auto const& name : bound)
                found = found || name == s.text;
            if (!found)
                return false;
        }
        return true;
    }();

    static_assert(
        rules::path_parameters_match_template<label,
                                              path_names_match>::satisfied,
        "clearance: the route's path template and its handler disagree: "
        "every {name} in the template needs a clearance::path<\"name\", T> "
        "parameter or an owned<> resource keyed by it, and every path "
        "parameter needs a {name} in the template");
};

template <class Policy, class Route>
using analysis_of = route_analysis<
    Policy, Route,
    typename callable_traits<typename Route::handler_type>::arguments>;

inline std::string percent_decoded(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '%' && i + 2 < raw.size()) {
            out += static_cast<char>(hex_value(raw[i + 1]) * 16 +
                                     hex_value(raw[i + 2]));
            i += 2;
        } else {
            out += raw[i];
        }
    }
    return out;
}

/// Converts one canonical path segment to `T`. Integers have one
/// spelling only: no sign on unsigned types, no "+", no leading zero.
template <class T>
std::optional<T> convert_segment(std::string_view raw) {
    if constexpr (std::is_same_v<T, std::string>) {
        return percent_decoded(raw);
    } else {
        auto digits = raw;
        if (!digits.empty() && digits.front() == '-')
            digits.remove_prefix(1);
        if (digits.empty() || (digits.front() == '0' && raw.size() > 1))
            return std::nullopt;
        T value{};
        auto [end, error] =
            std::from_chars(raw.data(), raw.data() + raw.size(), value);
        if (error != std::errc{} || end != raw.data() + raw.size())
            return std::nullopt;
        return value;
    }
}

/// Whether a resource belongs to the principal's tenant. Resources with
/// no `tenant` member belong to every tenant.
template <class Resource>
bool same_tenant_as(principal const& who, Resource const& r) {
    if constexpr (requires { std::string_view{r.tenant}; })
        return std::string_view{r.tenant} == who.tenant;
    else
        return true;
}

} // namespace detail

/// The roles of `Policy` that can reach a route whose handler has type
/// `Handler`, ignoring ownership: every role whose permissions cover
/// the route's requirements. A public route is reachable by all roles.
template <class Policy, class Handler>
constexpr role_set roles_reaching() {
    using analysis = detail::route_analysis<
        Policy, route<method::get, "/", Handler>,
        typename detail::callable_traits<Handler>::arguments>;
    return Policy::roles_holding(analysis::required_permissions);
}

/// Whether role `R` of `Policy` can reach a route whose handler has
/// type `Handler` (ownership rules aside).
template <class Policy, Role R, class Handler>
constexpr bool can_reach() {
    return Policy::template has_role<R> &&
           roles_reaching<Policy, Handler>().test(
               Policy::template role_index<R>);
}

namespace detail {

// Each argument is made in its own optional slot, so that the checks
// can stop at the first failure before any handler argument exists.
template <class Arguments>
struct argument_slots;

template <class... Args>
struct argument_slots<type_list<Args...>> {
    using type = std::tuple<std::optional<Args>...>;
};

/// What the guard tells the caller when it refuses.
struct refusal {
    boost::beast::http::status status;
};

template <class Policy, class Route, class Loaders, std::size_t... I>
std::variant<response, refusal> invoke_guarded(
    Route const& route, Loaders const& loaders, request_context const& context,
    std::array<std::string_view,
               analysis_of<Policy, Route>::parameter_count> const& raw,
    std::index_sequence<I...>) {
    using http_status = boost::beast::http::status;
    using arguments =
        typename callable_traits<typename Route::handler_type>::arguments;
    using tuple = typename argument_slots<arguments>::type;
    tuple slots;
    std::optional<http_status> failure;

    constexpr auto tmpl = Route::path_template;
    principal const* who = context.principal;

    // Path parameters first: a malformed id is a 400 whoever asks for
    // it and whatever it names.
    auto fill_path = [&]<std::size_t N>(
                         std::integral_constant<std::size_t, N>) {
        using arg = typename std::tuple_element_t<N, tuple>::value_type;
        if constexpr (kind_of<arg> == parameter_kind::path) {
            if (failure)
                return;
            constexpr auto at = parameter_index<tmpl>(arg::fixed_name.view());
            auto value = convert_segment<typename arg::value_type>(raw[at]);
            if (!value)
                failure = http_status::bad_request;
            else
                std::get<N>(slots).emplace(
                    access::make<arg>(std::move(*value)));
        }
    };
    (fill_path(std::integral_constant<std::size_t, I>{}), ...);

    // Then owned resources: load, check tenant, rule and bypass roles.
    auto fill_owned = [&]<std::size_t N>(
                          std::integral_constant<std::size_t, N>) {
        using arg = typename std::tuple_element_t<N, tuple>::value_type;
        if constexpr (kind_of<arg> == parameter_kind::owned) {
            using traits = owned_traits<arg>;
            using resource = typename traits::resource;
            using key_type = typename resource_traits<resource>::key_type;
            if (failure)
                return;
            constexpr auto at = parameter_index<tmpl>(traits::key_name.view());
            auto key = convert_segment<key_type>(raw[at]);
            if (!key) {
                failure = http_status::bad_request;
                return;
            }
            std::optional<resource> loaded =
                std::invoke(loaders.template find<resource>(), *key, context);
            constexpr role_set bypassing =
                bypass_mask<Policy>(typename traits::bypass_roles{});
            bool found = loaded.has_value();
            bool tenant = found && same_tenant_as(*who, *loaded);
            bool allowed = tenant && (std::invoke(typename traits::rule{}, *who,
                                                  std::as_const(*loaded)) ||
                                      contains_any<bypassing>(who->roles));
            if (!allowed) {
                failure = (traits::conceals || !tenant)
                              ? http_status::not_found
                              : http_status::forbidden;
                return;
            }
            std::get<N>(slots).emplace(
                access::make<arg>(std::move(*loaded), *who));
        }
    };
    (fill_owned(std::integral_constant<std::size_t, I>{}), ...);

    if (failure)
        return refusal{*failure};

    // The checks passed: the remaining proofs cost nothing to make.
    auto fill_rest =
        [&]<std::size_t N>(std::integral_constant<std::size_t, N>) {
            using arg = typename std::tuple_element_t<N, tuple>::value_type;
            constexpr auto kind = kind_of<arg>;
            if constexpr (kind == parameter_kind::public_marker)
                std::get<N>(slots).emplace(access::make<arg>());
            else if constexpr (kind == parameter_kind::authenticated ||
                               kind == parameter_kind::permissions ||
                               kind == parameter_kind::scopes)
                std::get<N>(slots).emplace(access::make<arg>(*who));
            else if constexpr (kind == parameter_kind::context)
                std::get<N>(slots).emplace(context);
        };
    (fill_rest(std::integral_constant<std::size_t, I>{}), ...);

    return std::invoke(route.handler, std::move(*std::get<I>(slots))...);
}

} // namespace detail

} // namespace clearance
