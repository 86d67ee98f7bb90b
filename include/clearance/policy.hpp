// SPDX-License-Identifier: BSL-1.0
#pragma once

// Permissions, scopes and roles as types, and the policy that lists the
// roles. Everything a decision needs is computed here at compile time:
// each role's inheritance closure becomes one constexpr permission mask,
// so at run time a principal's permissions are a bit set and a check is
// a mask comparison.
//
//   using docs_read  = clearance::permission<"docs:read">;
//   using docs_write = clearance::permission<"docs:write">;
//
//   struct viewer : clearance::role<"viewer",
//                                   clearance::grants<docs_read>> {};
//   struct editor : clearance::role<"editor",
//                                   clearance::grants<docs_write>,
//                                   clearance::inherits<viewer>> {};
//
//   using policy = clearance::policy<clearance::roles<viewer, editor>>;
//   static_assert(policy::role_holds<editor, docs_read>);

#include <clearance/detail/bitmask.hpp>
#include <clearance/detail/fixed_string.hpp>
#include <clearance/principal.hpp>
#include <clearance/rules.hpp>

#include <boost/hana/append.hpp>
#include <boost/hana/contains.hpp>
#include <boost/hana/fold_left.hpp>
#include <boost/hana/if.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <boost/hana/unpack.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>

namespace clearance {

namespace detail {
struct permission_tag {};
struct scope_tag {};
struct role_tag {};
} // namespace detail

/// A permission, named by a string such as "docs:read". Two uses of the
/// same name are the same type.
template <detail::fixed_string Name>
struct permission : detail::permission_tag {
    static constexpr auto fixed_name = Name;
    static constexpr std::string_view name = fixed_name.view();
};

/// An OAuth scope, named as it appears in a token's `scope` claim.
template <detail::fixed_string Name>
struct scope : detail::scope_tag {
    static constexpr auto fixed_name = Name;
    static constexpr std::string_view name = fixed_name.view();
};

/// A type made with `permission<"...">`.
template <class T>
concept Permission = std::derived_from<T, detail::permission_tag>;

/// A type made with `scope<"...">`.
template <class T>
concept Scope = std::derived_from<T, detail::scope_tag>;

/// A type made with `role<...>`, or a struct deriving from one.
template <class T>
concept Role = std::derived_from<T, detail::role_tag>;

/// The permissions a role grants by itself.
template <Permission... Permissions>
struct grants {
    static constexpr auto types = boost::hana::tuple_t<Permissions...>;
};

/// The roles whose permissions a role inherits.
template <class... Roles>
struct inherits {
    static constexpr auto types = boost::hana::tuple_t<Roles...>;
};

/// A role named `Name` that grants `Grants` and inherits every role of
/// `Inherits`. Derive a struct from it to give the role a short name in
/// your code and in diagnostics.
template <detail::fixed_string Name, class Grants = grants<>,
          class Inherits = inherits<>>
struct role : detail::role_tag {
    static constexpr auto fixed_name = Name;
    static constexpr std::string_view name = fixed_name.view();
    using granted = Grants;
    using parents = Inherits;
};

/// The roles of a policy, in any order.
template <Role... Roles>
struct roles {};

/// The OAuth scopes of a policy.
template <Scope... Scopes>
struct scopes {};

namespace detail {

template <class T, class... Ts>
constexpr std::size_t index_of() noexcept {
    constexpr bool matches[] = {std::is_same_v<T, Ts>..., false};
    std::size_t i = 0;
    while (i < sizeof...(Ts) && !matches[i])
        ++i;
    return i;
}

// The permissions granted by any of the roles, each once, in order of
// first appearance.
template <class... Roles>
constexpr auto granted_permissions() {
    namespace hana = boost::hana;
    auto all = hana::make_tuple(Roles::granted::types...);
    return hana::fold_left(all, hana::tuple_t<>, [](auto acc, auto some) {
        return hana::fold_left(some, acc, [](auto seen, auto p) {
            return hana::if_(hana::contains(seen, p), seen,
                             hana::append(seen, p));
        });
    });
}

template <class... Permissions>
struct permission_list {
    static constexpr std::size_t size = sizeof...(Permissions);

    template <class P>
    static constexpr std::size_t index = index_of<P, Permissions...>();

    template <class P>
    static constexpr bool contains = index<P> < size;

    static constexpr std::array<std::string_view, size> names{
        Permissions::name...};
};

template <class... Roles>
constexpr auto permission_list_of() {
    return boost::hana::unpack(granted_permissions<Roles...>(), [](auto... p) {
        return boost::hana::type_c<
            permission_list<typename decltype(p)::type...>>;
    });
}

template <std::size_t RoleCount>
struct role_graph {
    std::array<role_set, RoleCount> ancestors{};
    std::array<permission_set, RoleCount> closure{};
};

template <class Permissions, class R, class... Roles>
constexpr permission_set direct_grants() {
    permission_set mask;
    boost::hana::unpack(R::granted::types, [&](auto... p) {
        (mask.set(Permissions::template index<typename decltype(p)::type>),
         ...);
    });
    return mask;
}

template <class R, class... Roles>
constexpr role_set direct_parents() {
    role_set parents;
    boost::hana::unpack(R::parents::types, [&](auto... r) {
        (parents.set(index_of<typename decltype(r)::type, Roles...>()), ...);
    });
    return parents;
}

// Depth-first search from every role over the parent edges. Plain
// constexpr code rather than template recursion: a cycle ends the search
// and is reported by name instead of as an endless instantiation, and
// the cost stays roles x edges.
template <class Permissions, class... Roles>
constexpr role_graph<sizeof...(Roles)> compute_graph() {
    constexpr std::size_t count = sizeof...(Roles);
    constexpr std::array<role_set, count> parents{
        direct_parents<Roles, Roles...>()...};
    constexpr std::array<permission_set, count> grants{
        direct_grants<Permissions, Roles>()...};
    role_graph<count> g;
    for (std::size_t start = 0; start < count; ++start) {
        std::array<std::size_t, count + 1> stack{};
        std::size_t depth = 0;
        role_set seen;
        stack[depth++] = start;
        while (depth > 0) {
            std::size_t current = stack[--depth];
            for (std::size_t next = 0; next < count; ++next) {
                if (!parents[current].test(next) || seen.test(next))
                    continue;
                seen.set(next);
                stack[depth++] = next;
            }
        }
        g.ancestors[start] = seen;
        g.closure[start] = grants[start];
        for (std::size_t other = 0; other < count; ++other)
            if (seen.test(other))
                g.closure[start] |= grants[other];
    }
    return g;
}

} // namespace detail

template <class Roles, class Scopes = scopes<>>
struct policy {
    static_assert(sizeof(Roles) == 0,
                  "clearance: a policy is written "
                  "clearance::policy<clearance::roles<R...>> or "
                  "clearance::policy<clearance::roles<R...>, "
                  "clearance::scopes<S...>>");
};

/// A policy: its roles and scopes. All members are computed at compile
/// time except the look-ups by name, which authentication uses.
template <class... Roles, class... Scopes>
struct policy<roles<Roles...>, scopes<Scopes...>> {
    static constexpr std::size_t role_count = sizeof...(Roles);
    static constexpr std::size_t scope_count = sizeof...(Scopes);

    static_assert(role_count <= CLEARANCE_MAX_ROLES,
                  "clearance: the policy has more roles than "
                  "CLEARANCE_MAX_ROLES; define that macro to a larger "
                  "value before including clearance");
    static_assert(scope_count <= CLEARANCE_MAX_SCOPES,
                  "clearance: the policy has more scopes than "
                  "CLEARANCE_MAX_SCOPES; define that macro to a larger "
                  "value before including clearance");

    /// The permissions the roles grant, each once.
    using permissions =
        typename decltype(detail::permission_list_of<Roles...>())::type;

    static constexpr std::size_t permission_count = permissions::size;

    static_assert(permission_count <= CLEARANCE_MAX_PERMISSIONS,
                  "clearance: the policy grants more permissions than "
                  "CLEARANCE_MAX_PERMISSIONS; define that macro to a "
                  "larger value before including clearance");

    /// The position of role `R` in the policy, or `role_count` if the
    /// policy does not list it.
    template <class R>
    static constexpr std::size_t role_index = detail::index_of<R, Roles...>();

    /// Whether the policy lists role `R`.
    template <class R>
    static constexpr bool has_role = role_index<R> < role_count;

    /// The position of scope `S`, or `scope_count` if not declared.
    template <class S>
    static constexpr std::size_t scope_index = detail::index_of<S, Scopes...>();

    template <class S>
    static constexpr bool has_scope = scope_index<S> < scope_count;

    static constexpr std::array<std::string_view, role_count> role_names{
        Roles::name...};

    static constexpr std::array<std::string_view, scope_count> scope_names{
        Scopes::name...};

private:
    static constexpr detail::role_graph<role_count> graph_ =
        detail::compute_graph<permissions, Roles...>();

    template <Role R>
    struct check_role {
        static constexpr bool acyclic =
            !graph_.ancestors[role_index<R>].test(role_index<R>);
        static_assert(rules::role_inheritance_is_acyclic<R::fixed_name,
                                                         acyclic>::satisfied,
                      "clearance: this role inherits itself through a cycle of "
                      "clearance::inherits; remove one of the inherits<> edges "
                      "of the roles in the cycle");
        static constexpr bool unique =
            ((R::name != Roles::name || std::is_same_v<R, Roles>)&&...);
        static_assert(
            rules::role_names_are_unique<R::fixed_name, unique>::satisfied,
            "clearance: two roles of the policy have this name; give "
            "each role its own name");
        static constexpr bool ok = acyclic && unique;
    };

    static constexpr bool roles_checked = (check_role<Roles>::ok && ...);

public:
    /// The permissions role `R` holds, its own and every inherited one.
    template <Role R>
    requires(has_role<R>) static constexpr permission_set role_mask =
        graph_.closure[role_index<R>];

    /// The roles `R` inherits, directly or not.
    template <Role R>
    requires(has_role<R>) static constexpr role_set ancestors =
        graph_.ancestors[role_index<R>];

    /// Every role's permission mask, in policy order.
    static constexpr std::array<permission_set, role_count> role_masks =
        graph_.closure;

    /// Whether role `R` holds permission `P`, by itself or through
    /// inheritance. Use it in `static_assert` to test a policy.
    template <Role R, Permission P>
    static constexpr bool
        role_holds = has_role<R>&& permissions::template contains<P>&& graph_
                         .closure[role_index<R>]
                         .test(permissions::template index<P>);

    /// The mask of permissions `Ps`. Naming a permission that no role
    /// grants is a compile error: a route requiring it could never be
    /// reached.
    template <Permission... Ps>
    static constexpr permission_set permission_mask() {
        static_assert(
            (rules::permission_is_granted_by_a_role<
                 Ps::fixed_name,
                 permissions::template contains<Ps>>::satisfied &&
             ...),
            "clearance: a route requires a permission that no role of "
            "the policy grants, so no principal could ever reach it; "
            "grant the permission to a role or fix its name");
        permission_set mask;
        if constexpr ((permissions::template contains<Ps> && ...))
            (mask.set(permissions::template index<Ps>), ...);
        return mask;
    }

    /// The mask of scopes `Ss`; each must be declared by the policy.
    template <Scope... Ss>
    static constexpr scope_set scope_mask() {
        static_assert(
            (rules::scope_is_declared<Ss::fixed_name,
                                      has_scope<Ss>>::satisfied &&
             ...),
            "clearance: a route requires a scope that the policy does "
            "not declare; add it to clearance::scopes<...> of the "
            "policy");
        scope_set mask;
        if constexpr ((has_scope<Ss> && ...))
            (mask.set(scope_index<Ss>), ...);
        return mask;
    }

    /// The roles holding every permission of `required`, directly or
    /// through inheritance.
    static constexpr role_set roles_holding(permission_set required) {
        role_set result;
        for (std::size_t i = 0; i < role_count; ++i)
            if (graph_.closure[i].contains(required))
                result.set(i);
        return result;
    }

    /// The roles that are `R` or inherit it: holding any of them
    /// counts as holding `R`.
    template <Role R>
    static constexpr role_set roles_including() {
        role_set result;
        result.set(role_index<R>);
        for (std::size_t i = 0; i < role_count; ++i)
            if (graph_.ancestors[i].test(role_index<R>))
                result.set(i);
        return result;
    }

    /// Whether `who` holds role `R`, directly or through a role that
    /// inherits it.
    template <Role R>
    static constexpr bool in_role(principal const& who) noexcept {
        return detail::contains_any<roles_including<R>()>(who.roles);
    }

    /// The role named `name`, if the policy has one. Authentication uses
    /// it once per credential; decisions never compare names.
    static constexpr std::optional<std::size_t>
    find_role(std::string_view name) noexcept {
        for (std::size_t i = 0; i < role_count; ++i)
            if (role_names[i] == name)
                return i;
        return std::nullopt;
    }

    /// The scope named `name`, if the policy declares it.
    static constexpr std::optional<std::size_t>
    find_scope(std::string_view name) noexcept {
        for (std::size_t i = 0; i < scope_count; ++i)
            if (scope_names[i] == name)
                return i;
        return std::nullopt;
    }

    /// Sets `who.permissions` to the union of the closures of
    /// `who.roles`. Call it whenever the roles change.
    static constexpr void compute_permissions(principal& who) noexcept {
        permission_set effective;
        for (std::size_t i = 0; i < role_count; ++i)
            if (who.roles.test(i))
                effective |= graph_.closure[i];
        who.permissions = effective;
    }

    // Reading the value instantiates every role's checks; their own
    // assertions report a failure with the role's name.
    static_assert(roles_checked || true);
};

} // namespace clearance
