// SPDX-License-Identifier: BSL-1.0
#pragma once

// A list of types and the few operations on it the checks need.

#include <type_traits>

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

// The first type of a list for which Pred<T>::value is false, or void.
template <template <class> class Pred, class List>
struct first_failing {
    using type = void;
};
template <template <class> class Pred, class T, class... Ts>
struct first_failing<Pred, type_list<T, Ts...>> {
    using type =
        std::conditional_t<Pred<T>::value,
                           typename first_failing<Pred, type_list<Ts...>>::type,
                           T>;
};

} // namespace clearance::detail
