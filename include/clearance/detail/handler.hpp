// SPDX-License-Identifier: BSL-1.0
#pragma once

// Reading a handler's signature: its parameter types, what kind of
// requirement each one is, and the options of owned<> parameters.

#include <clearance/context.hpp>
#include <clearance/detail/fixed_string.hpp>
#include <clearance/detail/type_list.hpp>
#include <clearance/network.hpp>
#include <clearance/requirements.hpp>
#include <clearance/response.hpp>

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

namespace clearance::detail {

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

// What a route's handler looks like; nothing when the handler cannot be
// read (a generic lambda, an overloaded call operator).
template <class F, bool = introspectable_handler<F>>
struct handler_signature {
    using result = void;
    using arguments = type_list<>;
};

template <class F>
struct handler_signature<F, true> : callable_traits<F> {};

enum class parameter_kind {
    public_marker,
    hidden_marker,
    credentials_marker,
    network,
    authenticated,
    permissions,
    scopes,
    owned,
    collection,
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
template <class... Ns>
struct classify<from_network<Ns...>> {
    static constexpr parameter_kind kind = parameter_kind::network;
};
template <>
struct classify<hidden> {
    static constexpr parameter_kind kind = parameter_kind::hidden_marker;
};
template <class... Ks>
struct classify<accepts<Ks...>> {
    static constexpr parameter_kind kind = parameter_kind::credentials_marker;
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
template <class R, class Rule, class... Os>
struct classify<collection<R, Rule, Os...>> {
    static constexpr parameter_kind kind = parameter_kind::collection;
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
struct owned_traits<collection<R, Rule, Os...>> {
    using resource = R;
    using rule = Rule;
    using bypass_roles =
        typename first_option<bypass<>, is_bypass, Os...>::type;
    static constexpr bool options_known = (is_bypass<Os>::value && ...);
    static constexpr bool options_consistent =
        ((is_bypass<Os>::value ? 1 : 0) + ... + 0) <= 1;
};

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

} // namespace clearance::detail

namespace clearance::detail {

template <class Resource>
concept has_key_type = requires {
    typename resource_traits<Resource>::key_type;
};

template <class T>
inline constexpr bool is_supported_key = std::is_same_v<T, std::string> ||
                                         (std::is_integral_v<T> &&
                                          !std::is_same_v<T, bool>);

// The permissions, scopes and bypass roles one parameter names.
template <class T>
struct named_by {
    using permissions = type_list<>;
    using scopes = type_list<>;
    using bypass_roles = type_list<>;
};
template <class... Ps>
struct named_by<granted<Ps...>> {
    using permissions = type_list<Ps...>;
    using scopes = type_list<>;
    using bypass_roles = type_list<>;
};
template <class... Ss>
struct named_by<scoped<Ss...>> {
    using permissions = type_list<>;
    using scopes = type_list<Ss...>;
    using bypass_roles = type_list<>;
};
template <class R, class Rule, class... Os>
struct named_by<collection<R, Rule, Os...>> {
    using permissions = type_list<>;
    using scopes = type_list<>;
    using bypass_roles =
        typename owned_traits<collection<R, Rule, Os...>>::bypass_roles::list;
};
template <class R, class Rule, class... Os>
struct named_by<owned<R, Rule, Os...>> {
    using permissions = type_list<>;
    using scopes = type_list<>;
    using bypass_roles =
        typename owned_traits<owned<R, Rule, Os...>>::bypass_roles::list;
};

} // namespace clearance::detail
