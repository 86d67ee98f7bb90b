// SPDX-License-Identifier: BSL-1.0
#pragma once

// A list of types and the few operations on it the checks need. Each is
// computed without recursion over the list, so that services with
// hundreds of routes stay within the compilers' template depth and do
// not instantiate a list for every suffix.

#include <cstddef>
#include <type_traits>
#include <utility>

namespace clearance::detail {

template <class... Ts>
struct type_list {};

template <class... Lists>
struct concat_lists {
    using type = type_list<>;
};
template <class... As>
struct concat_lists<type_list<As...>> {
    using type = type_list<As...>;
};
template <class... As, class... Bs, class... Rest>
struct concat_lists<type_list<As...>, type_list<Bs...>, Rest...> {
    using type = typename concat_lists<type_list<As..., Bs...>, Rest...>::type;
};

// A table that derives from one base per entry, so that overload
// resolution finds an entry by type or by position in one step: one
// instantiation per pack, whatever the number of look-ups.
template <class T, std::size_t I>
struct indexed_type {};

template <class Sequence, class... Ts>
struct index_table;

template <std::size_t... I, class... Ts>
struct index_table<std::index_sequence<I...>, Ts...> : indexed_type<Ts, I>... {
};

template <class... Ts>
using index_table_for = index_table<std::index_sequence_for<Ts...>, Ts...>;

template <class T, std::size_t I>
constexpr std::size_t lookup_index(indexed_type<T, I> const*) noexcept {
    return I;
}

template <class T>
constexpr std::size_t lookup_index(void const*) noexcept {
    return static_cast<std::size_t>(-1);
}

// Position of `T` in `Ts`; a type absent (or present twice) gives the
// pack's size.
template <class T, class... Ts>
constexpr std::size_t index_of() noexcept {
    auto i =
        lookup_index<T>(static_cast<index_table_for<Ts...> const*>(nullptr));
    return i == static_cast<std::size_t>(-1) ? sizeof...(Ts) : i;
}

template <std::size_t I, class T>
T lookup_type(indexed_type<T, I> const*);

// The type at position `I` of `Ts`.
template <std::size_t I, class... Ts>
using type_at = decltype(lookup_type<I>(
    static_cast<index_table_for<Ts...> const*>(nullptr)));

template <template <class> class Pred, class List>
struct first_failing;

// The first type of a list for which Pred<T>::value is false, or void.
template <template <class> class Pred, class... Ts>
struct first_failing<Pred, type_list<Ts...>> {
    static constexpr std::size_t index = [] {
        constexpr bool holds[] = {Pred<Ts>::value..., false};
        std::size_t i = 0;
        while (i < sizeof...(Ts) && holds[i])
            ++i;
        return i;
    }();

    template <std::size_t I, bool Found = (I < sizeof...(Ts))>
    struct pick {
        using type = void;
    };
    template <std::size_t I>
    struct pick<I, true> {
        using type = type_at<I, Ts...>;
    };

    using type = typename pick<index>::type;
};

} // namespace clearance::detail
