// SPDX-License-Identifier: BSL-1.0
#pragma once

// The guard of a route, generated from its handler's signature. At
// compile time it reads the handler's parameter types, checks them
// against the policy, the loaders and the route's path template (every
// broken rule is one named compile error), and folds every permission
// and scope requirement into one constant mask. At run time it compares
// the principal's bits with those masks, converts path parameters,
// loads and checks owned resources, and only then makes the proof
// arguments and calls the handler.
//
// Nothing here includes networking code.

#include <clearance/context.hpp>
#include <clearance/detail/bitmask.hpp>
#include <clearance/detail/fixed_string.hpp>
#include <clearance/detail/handler.hpp>
#include <clearance/detail/report.hpp>
#include <clearance/detail/type_name.hpp>
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
#include <concepts>
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

/// A path parameter of a route, as documentation tools see it.
struct path_parameter_description {
    std::string_view name;
    /// "integer" or "string".
    std::string_view type;
    /// For integers: the width in bits and whether negatives are valid.
    std::size_t bits = 0;
    bool is_signed = false;
};

/// An owned resource of a route, as documentation tools see it.
struct ownership_description {
    std::string_view resource;
    std::string_view rule;
    std::string_view key;
    bool conceals = true;
    /// The roles that bypass the rule within their tenant.
    role_set bypass;
};

namespace detail {

template <class Policy>
struct permission_known {
    template <class P>
    struct test
        : std::bool_constant<Policy::permissions::template contains<P>> {};
};

template <class Policy>
struct scope_known {
    template <class S>
    struct test : std::bool_constant<Policy::template has_scope<S>> {};
};

template <class Policy>
struct role_known {
    template <class R>
    struct test : std::bool_constant<Policy::template has_role<R>> {};
};

template <class Loaders, class Owned>
constexpr bool loader_fits() {
    using traits = owned_traits<Owned>;
    using resource = typename traits::resource;
    if constexpr (!Loaders::template has<resource> || !has_key_type<resource>) {
        return true; // reported by other rules
    } else {
        using key_type = typename resource_traits<resource>::key_type;
        using function = std::remove_cvref_t<
            decltype(std::declval<Loaders const&>().template find<resource>())>;
        if constexpr (!std::is_invocable_v<function const&, key_type const&,
                                           request_context const&>)
            return false;
        else
            return std::is_convertible_v<
                std::invoke_result_t<function const&, key_type const&,
                                     request_context const&>,
                std::optional<resource>>;
    }
}

template <class Loaders, class T>
struct owned_facts {
    static constexpr bool options_valid = true;
    static constexpr bool key_supported = true;
    static constexpr bool rule_fits = true;
    static constexpr bool tenant_is_text = true;
    static constexpr bool has_loader = true;
    static constexpr bool loader_ok = true;
};

template <class Loaders, class R, class Rule, class... Os>
struct owned_facts<Loaders, collection<R, Rule, Os...>> {
    using traits = owned_traits<collection<R, Rule, Os...>>;
    static constexpr bool options_valid =
        traits::options_known && traits::options_consistent;
    static constexpr bool key_supported = true;
    static constexpr bool rule_fits = OwnershipRule<Rule, R>;
    static constexpr bool tenant_is_text = detail::tenant_is_text<R>();
    static constexpr bool has_loader = true;
    static constexpr bool loader_ok = true;
};

template <class Loaders, class R, class Rule, class... Os>
struct owned_facts<Loaders, owned<R, Rule, Os...>> {
    using traits = owned_traits<owned<R, Rule, Os...>>;
    static constexpr bool options_valid =
        traits::options_known && traits::options_consistent;
    static constexpr bool key_supported = [] {
        if constexpr (has_key_type<R>)
            return is_supported_key<typename resource_traits<R>::key_type>;
        else
            return false;
    }();
    static constexpr bool rule_fits = OwnershipRule<Rule, R>;
    static constexpr bool tenant_is_text = detail::tenant_is_text<R>();
    static constexpr bool has_loader = Loaders::template has<R>;
    static constexpr bool loader_ok =
        loader_fits<Loaders, owned<R, Rule, Os...>>();
};

template <class T>
constexpr std::string_view bound_name() {
    if constexpr (kind_of<T> == parameter_kind::path)
        return T::fixed_name.view();
    else if constexpr (kind_of<T> == parameter_kind::owned)
        return owned_traits<T>::key_name.view();
    else
        return {};
}

template <fixed_string Template>
constexpr bool template_parameters_unique() {
    auto const& segments = template_segments<Template>;
    for (std::size_t i = 0; i < segments.size(); ++i)
        for (std::size_t j = i + 1; j < segments.size(); ++j)
            if (segments[i].parameter && segments[j].parameter &&
                segments[i].text == segments[j].text)
                return false;
    return true;
}

template <class Policy, class Loaders, class Route, class Arguments,
          class Result>
struct route_facts_of;

// Everything the compiler checks about one route, as plain booleans:
// computing them never fails to compile, so a test can ask which rule a
// route breaks, and the service can report exactly one error.
template <class Policy, class Loaders, class Route, class... Args, class Result>
struct route_facts_of<Policy, Loaders, Route, type_list<Args...>, Result> {
    static constexpr auto label =
        route_label<Route::verb, Route::path_template>();
    static constexpr auto tmpl = Route::path_template;

    static constexpr bool introspectable =
        introspectable_handler<typename Route::handler_type>;
    static constexpr bool parameters_known =
        ((kind_of<Args> != parameter_kind::unknown) && ...);
    static constexpr std::size_t public_markers =
        ((kind_of<Args> == parameter_kind::public_marker) + ... + 0);
    static constexpr std::size_t requirements =
        ((kind_of<Args> == parameter_kind::authenticated ||
          kind_of<Args> == parameter_kind::permissions ||
          kind_of<Args> == parameter_kind::scopes ||
          kind_of<Args> == parameter_kind::owned ||
          kind_of<Args> == parameter_kind::collection ||
          kind_of<Args> == parameter_kind::network) +
         ... + 0);
    static constexpr std::size_t hidden_markers =
        ((kind_of<Args> == parameter_kind::hidden_marker) + ... + 0);
    static constexpr std::size_t credentials_markers =
        ((kind_of<Args> == parameter_kind::credentials_marker) + ... + 0);
    static constexpr bool declares_access = public_markers + requirements != 0;
    static constexpr bool consistent =
        (public_markers == 0 || (public_markers == 1 && requirements == 0)) &&
        hidden_markers <= 1 && credentials_markers <= 1;
    static constexpr bool credentials_checked =
        credentials_markers == 0 ||
        ((kind_of<Args> == parameter_kind::authenticated ||
          kind_of<Args> == parameter_kind::permissions ||
          kind_of<Args> == parameter_kind::scopes ||
          kind_of<Args> == parameter_kind::owned ||
          kind_of<Args> == parameter_kind::collection) ||
         ...);
    static constexpr bool hidden_guarded =
        hidden_markers == 0 || public_markers == 0;
    static constexpr bool returns_response =
        std::is_same_v<std::remove_cvref_t<Result>, response>;

    static constexpr bool template_ok = is_well_formed_template(tmpl.view());
    static constexpr bool catch_all_last =
        !template_ok || catch_all_is_last(tmpl.view());
    static constexpr bool template_unique = [] {
        if constexpr (template_ok)
            return template_parameters_unique<tmpl>();
        else
            return true;
    }();
    static constexpr std::array<std::string_view, sizeof...(Args) + 1> bound{
        bound_name<Args>()..., {}};
    static constexpr bool all_bound = [] {
        if constexpr (template_ok) {
            for (auto const& s : template_segments<tmpl>) {
                if (!s.parameter)
                    continue;
                bool found = false;
                for (auto const& name : bound)
                    found = found || name == s.text;
                if (!found)
                    return false;
            }
        }
        return true;
    }();
    static constexpr bool all_in_template = [] {
        if constexpr (template_ok) {
            for (auto const& name : bound)
                if (!name.empty() &&
                    parameter_index<tmpl>(name) == parameter_count<tmpl>)
                    return false;
        }
        return true;
    }();

    static constexpr bool owned_options_valid =
        (owned_facts<Loaders, Args>::options_valid && ...);
    static constexpr bool owned_keys_supported =
        (owned_facts<Loaders, Args>::key_supported && ...);
    static constexpr bool ownership_rules_fit =
        (owned_facts<Loaders, Args>::rule_fits && ...);
    static constexpr bool tenants_are_text =
        (owned_facts<Loaders, Args>::tenant_is_text && ...);
    static constexpr bool loaders_present =
        (owned_facts<Loaders, Args>::has_loader && ...);
    static constexpr bool loaders_fit =
        (owned_facts<Loaders, Args>::loader_ok && ...);

    using permissions =
        typename concat_lists<typename named_by<Args>::permissions...>::type;
    using scopes =
        typename concat_lists<typename named_by<Args>::scopes...>::type;
    using bypass_roles =
        typename concat_lists<typename named_by<Args>::bypass_roles...>::type;

    using ungranted =
        typename first_failing<permission_known<Policy>::template test,
                               permissions>::type;
    using undeclared_scope =
        typename first_failing<scope_known<Policy>::template test,
                               scopes>::type;
    using unknown_bypass =
        typename first_failing<role_known<Policy>::template test,
                               bypass_roles>::type;
};

template <class Facts, template <fixed_string, bool> class Rule>
using broken = Rule<Facts::label, false>;

template <class Facts, template <fixed_string, fixed_string, bool> class Rule,
          class Named>
using broken_for = Rule<Facts::label, Named::fixed_name, false>;

// The first rule a route breaks, in the order a reader would fix them,
// or rules::none.
template <class F>
constexpr auto first_route_violation() {
    if constexpr (!F::introspectable)
        return broken<F, rules::handler_is_introspectable>{};
    else if constexpr (!F::parameters_known)
        return broken<F, rules::handler_parameters_are_known>{};
    else if constexpr (!F::declares_access)
        return broken<F, rules::route_declares_access>{};
    else if constexpr (!F::hidden_guarded)
        return broken<F, rules::hidden_route_is_guarded>{};
    else if constexpr (!F::consistent)
        return broken<F, rules::route_access_is_consistent>{};
    else if constexpr (!F::credentials_checked)
        return broken<F, rules::accepted_credentials_are_checked>{};
    else if constexpr (!F::returns_response)
        return broken<F, rules::handler_returns_response>{};
    else if constexpr (!F::template_ok)
        return broken<F, rules::path_template_is_well_formed>{};
    else if constexpr (!F::catch_all_last)
        return broken<F, rules::catch_all_parameter_is_last>{};
    else if constexpr (!F::template_unique)
        return broken<F, rules::template_parameters_are_unique>{};
    else if constexpr (!F::all_bound)
        return broken<F, rules::template_parameters_are_bound>{};
    else if constexpr (!F::all_in_template)
        return broken<F, rules::path_parameters_are_in_template>{};
    else if constexpr (!F::owned_options_valid)
        return broken<F, rules::owned_options_are_valid>{};
    else if constexpr (!F::owned_keys_supported)
        return broken<F, rules::owned_key_type_is_supported>{};
    else if constexpr (!F::ownership_rules_fit)
        return broken<F, rules::ownership_rule_fits_resource>{};
    else if constexpr (!F::tenants_are_text)
        return broken<F, rules::resource_tenant_is_text>{};
    else if constexpr (!F::loaders_present)
        return broken<F, rules::owned_resource_has_loader>{};
    else if constexpr (!F::loaders_fit)
        return broken<F, rules::loader_fits_resource>{};
    else if constexpr (!std::is_void_v<typename F::ungranted>)
        return broken_for<F, rules::permission_is_granted_by_a_role,
                          typename F::ungranted>{};
    else if constexpr (!std::is_void_v<typename F::undeclared_scope>)
        return broken_for<F, rules::scope_is_declared,
                          typename F::undeclared_scope>{};
    else if constexpr (!std::is_void_v<typename F::unknown_bypass>)
        return broken_for<F, rules::bypass_role_is_in_policy,
                          typename F::unknown_bypass>{};
    else
        return rules::none{};
}

template <class Policy, class Loaders, class Route>
using route_facts = route_facts_of<
    Policy, Loaders, Route,
    typename handler_signature<typename Route::handler_type>::arguments,
    typename handler_signature<typename Route::handler_type>::result>;

template <class Policy, class Loaders, class Route>
using route_violation =
    decltype(first_route_violation<route_facts<Policy, Loaders, Route>>());

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

template <class Policy, class... Rs>
constexpr role_set bypass_mask(bypass<Rs...>) {
    role_set mask;
    ((mask |= Policy::template roles_including<Rs>()), ...);
    return mask;
}

template <class T>
constexpr path_parameter_description describe_path_parameter() {
    using value = typename T::value_type;
    if constexpr (std::is_same_v<value, std::string>)
        return {T::fixed_name.view(), "string", 0, false};
    else
        return {T::fixed_name.view(), "integer", sizeof(value) * 8,
                std::is_signed_v<value>};
}

template <class Policy, class T>
constexpr ownership_description describe_ownership() {
    using traits = owned_traits<T>;
    return {type_name<typename traits::resource>(),
            type_name<typename traits::rule>(), traits::key_name.view(),
            traits::conceals,
            bypass_mask<Policy>(typename traits::bypass_roles{})};
}

template <class T>
constexpr bool admitted_by(peer_address const& client) noexcept {
    if constexpr (kind_of<T> == parameter_kind::network)
        return T::admits(client);
    else
        return true;
}

// `Head`, then the names of the bits set in `Mask`, separated by
// spaces, in static storage: how the audit trail names a requirement
// ("permission docs:read docs:write").
template <fixed_string Head, auto const& Names, auto const& Mask>
struct named_bits {
    static constexpr std::size_t length = [] {
        std::size_t n = Head.size();
        for (std::size_t i = 0; i < Names.size(); ++i)
            if (Mask.test(i))
                n += 1 + Names[i].size();
        return n;
    }();

    static constexpr std::array<char, length> text = [] {
        std::array<char, length> out{};
        std::size_t at = 0;
        for (char c : Head.view())
            out[at++] = c;
        for (std::size_t i = 0; i < Names.size(); ++i) {
            if (!Mask.test(i))
                continue;
            out[at++] = ' ';
            for (char c : Names[i])
                out[at++] = c;
        }
        return out;
    }();

    static constexpr std::string_view value{text.data(), text.size()};
};

// "ownership " and the rule's type, in static storage.
template <class Rule>
struct ownership_rule_name {
    static constexpr auto rule = type_name<Rule>();
    static constexpr auto text = concat<"ownership ", as_fixed<rule>()>();
    static constexpr std::string_view value = text.view();
};

// The name of `T` if it is a network requirement that refuses
// `client`, else nothing.
template <class T>
constexpr std::string_view refusal_by(peer_address const& client) noexcept {
    if constexpr (kind_of<T> == parameter_kind::network)
        return T::admits(client) ? std::string_view{} : T::rule_name.view();
    else
        return {};
}

// The first network requirement among `Args` that refuses `client`, as
// the audit trail names it: "network 127.0.0.0/8 ::1/128".
template <class... Args>
constexpr std::string_view
refusing_network(peer_address const& client) noexcept {
    std::string_view found;
    [[maybe_unused]] bool const each[] = {
        true,
        (found.empty() ? (found = refusal_by<Args>(client), true) : true)...};
    return found.empty() ? std::string_view{"network"} : found;
}

// The kinds named by a handler's accepts<...> marker, or void.
template <class Arguments>
struct accepted_kinds {
    using type = void;
};
template <class... Ks, class... Rest>
struct accepted_kinds<type_list<accepts<Ks...>, Rest...>> {
    using type = type_list<Ks...>;
};
template <class First, class... Rest>
struct accepted_kinds<type_list<First, Rest...>>
    : accepted_kinds<type_list<Rest...>> {};

template <class Policy, class Route, class Arguments>
struct route_analysis_of;

// What the guard of a valid route needs at run time, all constant.
template <class Policy, class Route, class... Args>
struct route_analysis_of<Policy, Route, type_list<Args...>> {
    static constexpr auto tmpl = Route::path_template;
    static constexpr bool is_public =
        ((kind_of<Args> == parameter_kind::public_marker) || ...);
    static constexpr bool is_hidden =
        ((kind_of<Args> == parameter_kind::hidden_marker) || ...);
    /// Whether the guard must authenticate: any requirement but a
    /// network one needs a principal.
    static constexpr bool needs_principal =
        ((kind_of<Args> == parameter_kind::authenticated ||
          kind_of<Args> == parameter_kind::permissions ||
          kind_of<Args> == parameter_kind::scopes ||
          kind_of<Args> == parameter_kind::owned ||
          kind_of<Args> == parameter_kind::collection) ||
         ...);

    static constexpr bool network_restricted =
        ((kind_of<Args> == parameter_kind::network) || ...);

    /// The kinds of credentials the route accepts, as a `type_list`, or
    /// void when it accepts every kind the service reads.
    using accepted_credentials =
        typename accepted_kinds<type_list<Args...>>::type;

    /// Whether `client` satisfies every network requirement.
    static constexpr bool admits(peer_address const& client) noexcept {
        return (admitted_by<Args>(client) && ...);
    }

    /// The network requirement that refuses `client`, for the audit
    /// trail.
    static constexpr std::string_view
    network_rule(peer_address const& client) noexcept {
        return refusing_network<Args...>(client);
    }
    static constexpr std::size_t parameter_count =
        detail::parameter_count<tmpl>;

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

    // Typed path parameters and owned keys, in template order.
    static constexpr auto path_parameters = [] {
        std::array<path_parameter_description, parameter_count> out{};
        auto place = [&]<class T>(type_list<T>) {
            if constexpr (kind_of<T> == parameter_kind::path) {
                out[parameter_index<tmpl>(T::fixed_name.view())] =
                    describe_path_parameter<T>();
            } else if constexpr (kind_of<T> == parameter_kind::owned) {
                using traits = owned_traits<T>;
                using key = typename resource_traits<
                    typename traits::resource>::key_type;
                auto at = parameter_index<tmpl>(traits::key_name.view());
                if constexpr (std::is_same_v<key, std::string>)
                    out[at] = {traits::key_name.view(), "string", 0, false};
                else
                    out[at] = {traits::key_name.view(), "integer",
                               sizeof(key) * 8, std::is_signed_v<key>};
            }
        };
        (place(type_list<Args>{}), ...);
        return out;
    }();

    static constexpr std::size_t ownership_count =
        ((kind_of<Args> == parameter_kind::owned) + ... + 0);

    static constexpr auto ownerships = [] {
        std::array<ownership_description, ownership_count> out{};
        std::size_t i = 0;
        auto place = [&]<class T>(type_list<T>) {
            if constexpr (kind_of<T> == parameter_kind::owned)
                out[i++] = describe_ownership<Policy, T>();
        };
        (place(type_list<Args>{}), ...);
        return out;
    }();
};

template <class Policy, class Route>
using analysis_of = route_analysis_of<
    Policy, Route,
    typename callable_traits<typename Route::handler_type>::arguments>;

inline std::string percent_decoded(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (int escaped = escaped_byte(raw, i); escaped >= 0) {
            out += static_cast<char>(escaped);
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

} // namespace detail

/// The roles of `Policy` whose permissions cover the requirements of a
/// handler of type `Handler`: the roles that can reach a route it
/// serves, ownership rules and scopes aside. Every role reaches a public
/// route.
template <class Policy, class Handler>
constexpr role_set roles_reaching() {
    return []<class... Args>(detail::type_list<Args...>) {
        if constexpr (((detail::kind_of<Args> ==
                        detail::parameter_kind::public_marker) ||
                       ...)) {
            role_set all;
            for (std::size_t i = 0; i < Policy::role_count; ++i)
                all.set(i);
            return all;
        } else {
            permission_set required;
            [[maybe_unused]] int const each[] = {
                0, (required |= detail::permissions_of<Policy, Args>(), 0)...};
            return Policy::roles_holding(required);
        }
    }(typename detail::callable_traits<Handler>::arguments{});
}

/// Whether role `R` of `Policy` can reach a route whose handler has
/// type `Handler`, in the sense of `roles_reaching`.
template <class Policy, Role R, class Handler>
constexpr bool can_reach() {
    if constexpr (Policy::template has_role<R>)
        return roles_reaching<Policy, Handler>().test(
            Policy::template role_index<R>);
    else
        return false;
}

/// The first rule that route `Route` breaks under `Policy` with the
/// loaders `Loaders`, as `rules::Rule<..., false>`, or `rules::none`.
/// Computing it never fails to compile.
template <class Policy, class Route, class Loaders = loader_set<>>
using diagnose_route = detail::route_violation<Policy, Loaders, Route>;

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
    /// The rule that refused, for the audit trail.
    std::string_view rule;
    /// Whether a 404 hides a record that exists.
    bool concealed = false;
};

// The only code that makes proofs: it runs the per-record checks and
// then calls the handler with the arguments they produced.
struct guard {
    template <class Policy, class Route, class Loaders, std::size_t... I>
    static std::variant<response, refusal>
    invoke(Route const& route, Loaders const& loaders,
           request_context const& context,
           std::array<std::string_view,
                      analysis_of<Policy, Route>::parameter_count> const& raw,
           std::index_sequence<I...>) {
        using http_status = boost::beast::http::status;
        using arguments =
            typename callable_traits<typename Route::handler_type>::arguments;
        using tuple = typename argument_slots<arguments>::type;
        tuple slots;
        std::optional<refusal> failure;

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
                constexpr auto at =
                    parameter_index<tmpl>(arg::fixed_name.view());
                auto value = convert_segment<typename arg::value_type>(raw[at]);
                if (!value)
                    failure =
                        refusal{http_status::bad_request, "path parameter"};
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
                constexpr auto at =
                    parameter_index<tmpl>(traits::key_name.view());
                auto key = convert_segment<key_type>(raw[at]);
                if (!key) {
                    failure =
                        refusal{http_status::bad_request, "path parameter"};
                    return;
                }
                std::optional<resource> loaded;
                try {
                    loaded = std::invoke(loaders.template find<resource>(),
                                         *key, context);
                } catch (...) {
                    // A failing store is neither a miss nor a refusal.
                    failure = refusal{http_status::internal_server_error,
                                      "loader failed"};
                    return;
                }
                constexpr role_set bypassing =
                    bypass_mask<Policy>(typename traits::bypass_roles{});
                bool found = loaded.has_value();
                // A missing record runs the same checks on a blank one,
                // so that a miss and a refusal take the same branches.
                if constexpr (std::is_default_constructible_v<resource>)
                    if (!found)
                        loaded.emplace();
                bool checkable = loaded.has_value();
                bool tenant = checkable && same_tenant_as(*who, *loaded);
                bool rule =
                    checkable && std::invoke(typename traits::rule{}, *who,
                                             std::as_const(*loaded));
                bool bypass = contains_any<bypassing>(who->roles);
                bool allowed = found & tenant & (rule | bypass);
                if (!allowed) {
                    constexpr auto rule_name =
                        ownership_rule_name<typename traits::rule>::value;
                    if (!found)
                        failure =
                            refusal{http_status::not_found, "no such record"};
                    else if (!tenant)
                        failure = refusal{http_status::not_found,
                                          "other tenant", true};
                    else if (traits::conceals)
                        failure =
                            refusal{http_status::not_found, rule_name, true};
                    else
                        failure = refusal{http_status::forbidden, rule_name};
                    return;
                }
                std::get<N>(slots).emplace(
                    access::make<arg>(std::move(*loaded), *who));
            }
        };
        (fill_owned(std::integral_constant<std::size_t, I>{}), ...);

        if (failure)
            return *failure;

        // The checks passed: the remaining proofs cost nothing to make.
        auto fill_rest = [&]<std::size_t N>(
                             std::integral_constant<std::size_t, N>) {
            using arg = typename std::tuple_element_t<N, tuple>::value_type;
            constexpr auto kind = kind_of<arg>;
            if constexpr (kind == parameter_kind::public_marker ||
                          kind == parameter_kind::hidden_marker ||
                          kind == parameter_kind::credentials_marker)
                std::get<N>(slots).emplace(access::make<arg>());
            else if constexpr (kind == parameter_kind::authenticated ||
                               kind == parameter_kind::permissions ||
                               kind == parameter_kind::scopes)
                std::get<N>(slots).emplace(access::make<arg>(*who));
            else if constexpr (kind == parameter_kind::context)
                std::get<N>(slots).emplace(context);
            else if constexpr (kind == parameter_kind::collection) {
                using traits = owned_traits<arg>;
                constexpr role_set bypassing =
                    bypass_mask<Policy>(typename traits::bypass_roles{});
                std::get<N>(slots).emplace(access::make<arg>(
                    *who, contains_any<bypassing>(who->roles)));
            } else if constexpr (kind == parameter_kind::network)
                std::get<N>(slots).emplace(access::make<arg>(context.client));
        };

        (fill_rest(std::integral_constant<std::size_t, I>{}), ...);

        // Every argument must be made by now; never call a handler with a
        // missing proof.
        if (!(std::get<I>(slots).has_value() && ...))
            return refusal{http_status::internal_server_error, "missing proof"};

        try {
            return std::invoke(route.handler,
                               std::move(*std::get<I>(slots))...);
        } catch (...) {
            // Nothing about the failure reaches the client.
            return refusal{http_status::internal_server_error,
                           "handler failed"};
        }
    }
};

} // namespace detail

} // namespace clearance
