// SPDX-License-Identifier: BSL-1.0
#pragma once

// Loaders fetch owned resources for the guard. Loading stays the
// application's business; the guard only decides, from the loaded
// record and the route's ownership rule, whether the handler may see
// it. Each resource type has one loader, found by type at compile time:
//
//   clearance::loaders(clearance::load<document>(
//       [&](std::int64_t id, clearance::request_context const&) {
//           return store.find_document(id); // std::optional<document>
//       }))

#include <clearance/context.hpp>

#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace clearance {

/// The loader of resources of type `Resource`: a callable taking the
/// key converted from the path and the request context, and returning
/// `std::optional<Resource>` (empty when there is no such record). A
/// loader that throws is answered 500.
template <class Resource, class Function>
struct loader {
    using resource_type = Resource;
    Function function;
};

/// Makes the loader of `Resource` from `function`.
template <class Resource, class Function>
constexpr loader<Resource, Function> load(Function function) {
    return {std::move(function)};
}

template <class... Loaders>
struct loader_set;

namespace detail {

template <class T>
inline constexpr bool is_loader_set = false;
template <class... Loaders>
inline constexpr bool is_loader_set<loader_set<Loaders...>> = true;

} // namespace detail

/// The loaders of a service, at most one per resource type.
template <class... Loaders>
struct loader_set {
    std::tuple<Loaders...> entries;

    template <class Resource>
    static constexpr std::size_t index_of() noexcept {
        constexpr bool matches[] = {
            std::is_same_v<typename Loaders::resource_type, Resource>...,
            false};
        std::size_t i = 0;
        while (i < sizeof...(Loaders) && !matches[i])
            ++i;
        return i;
    }

    /// Whether a loader of `Resource` is in the set.
    template <class Resource>
    static constexpr bool has = index_of<Resource>() < sizeof...(Loaders);

    /// The loader of `Resource`.
    template <class Resource>
    requires has<Resource>
    auto const& find() const noexcept {
        return std::get<index_of<Resource>()>(entries).function;
    }
};

/// Groups loaders for `make_service`.
template <class... Loaders>
constexpr loader_set<Loaders...> loaders(Loaders... entries) {
    return {{std::move(entries)...}};
}

} // namespace clearance
