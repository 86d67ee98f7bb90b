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
#include <clearance/detail/report.hpp>
#include <clearance/detail/type_list.hpp>
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

constexpr bool is_unique_name(std::string_view name,
                              std::initializer_list<std::string_view> all) {
    std::size_t seen = 0;
    for (auto other : all)
        seen += other == name;
    return seen <= 1;
}

template <class R, class... Roles>
constexpr bool parents_listed() {
    return boost::hana::unpack(R::parents::types, [](auto... parent) {
        return ((index_of<typename decltype(parent)::type, Roles...>() <
                 sizeof...(Roles)) &&
                ...);
    });
}

// The roles of the first cycle, written "a -> b -> a", so that the
// diagnostic names every role in it.
template <std::size_t Count, class Graph, class Names>
constexpr auto cycle_text(Graph const& parents, Names const& names,
                          std::size_t start) {
    // Walk parent edges from `start`, always to a parent that leads back
    // to `start`, until `start` is reached again.
    struct walk {
        std::array<std::size_t, Count + 1> path{};
        std::size_t length = 0;
    } w;
    std::array<role_set, Count> reach{};
    for (std::size_t i = 0; i < Count; ++i) {
        std::array<std::size_t, Count + 1> stack{};
        std::size_t depth = 0;
        stack[depth++] = i;
        while (depth > 0) {
            auto current = stack[--depth];
            for (std::size_t next = 0; next < Count; ++next)
                if (parents[current].test(next) && !reach[i].test(next)) {
                    reach[i].set(next);
                    stack[depth++] = next;
                }
        }
    }
    std::size_t at = start;
    w.path[w.length++] = at;
    do {
        std::size_t next = 0;
        while (!(parents[at].test(next) &&
                 (next == start || reach[next].test(start))))
            ++next;
        at = next;
        w.path[w.length++] = at;
    } while (at != start && w.length <= Count);
    std::array<char, Count * 80 + 1> text{};
    std::size_t n = 0;
    for (std::size_t i = 0; i < w.length; ++i) {
        if (i != 0)
            for (char c : std::string_view{" -> "})
                text[n++] = c;
        for (char c : names[w.path[i]].substr(0, 60))
            text[n++] = c;
    }
    return std::pair{text, n};
}

template <class Permissions, class RoleList, class ScopeList>
struct policy_facts;

template <class... Permissions, class... Roles, class... Scopes>
struct policy_facts<permission_list<Permissions...>, roles<Roles...>,
                    scopes<Scopes...>> {
    static constexpr std::size_t count = sizeof...(Roles);

    static constexpr std::array<std::string_view, count> names{Roles::name...};

    static constexpr std::array<role_set, count> parents{
        direct_parents<Roles, Roles...>()...};

    static constexpr std::size_t first_cyclic = [] {
        auto g = compute_graph<permission_list<Permissions...>, Roles...>();
        for (std::size_t i = 0; i < count; ++i)
            if (g.ancestors[i].test(i))
                return i;
        return count;
    }();

    template <std::size_t Start>
    static constexpr auto cycle_label() {
        constexpr auto built = cycle_text<count>(parents, names, Start);
        fixed_string<built.second + 1> label;
        for (std::size_t i = 0; i < built.second; ++i)
            label.value[i] = built.first[i];
        return label;
    }

    template <class R>
    using unlisted_parent = std::bool_constant<parents_listed<R, Roles...>()>;

    template <class R>
    using unique_role =
        std::bool_constant<is_unique_name(R::name, {Roles::name...})>;

    template <class P>
    using unique_permission =
        std::bool_constant<is_unique_name(P::name, {Permissions::name...})>;

    template <class S>
    using unique_scope =
        std::bool_constant<is_unique_name(S::name, {Scopes::name...})>;

    static constexpr auto first_violation() {
        using no_parent =
            typename first_failing<unlisted_parent, type_list<Roles...>>::type;
        using twin_role =
            typename first_failing<unique_role, type_list<Roles...>>::type;
        using twin_permission =
            typename first_failing<unique_permission,
                                   type_list<Permissions...>>::type;
        using twin_scope =
            typename first_failing<unique_scope, type_list<Scopes...>>::type;
        if constexpr (!std::is_void_v<no_parent>)
            return rules::inherited_roles_are_in_policy<no_parent::fixed_name,
                                                        false>{};
        else if constexpr (!std::is_void_v<twin_role>)
            return rules::role_names_are_unique<twin_role::fixed_name, false>{};
        else if constexpr (!std::is_void_v<twin_permission>)
            return rules::permission_names_are_unique<
                twin_permission::fixed_name, false>{};
        else if constexpr (!std::is_void_v<twin_scope>)
            return rules::scope_names_are_unique<twin_scope::fixed_name,
                                                 false>{};
        else if constexpr (first_cyclic < count)
            return rules::role_inheritance_is_acyclic<
                cycle_label<first_cyclic>(), false>{};
        else
            return rules::none{};
    }

    using violation = decltype(first_violation());
};

template <class RoleList, class ScopeList>
struct policy_violation;

template <class... Roles, class ScopeList>
struct policy_violation<roles<Roles...>, ScopeList> {
    using type = typename policy_facts<
        typename decltype(permission_list_of<Roles...>())::type,
        roles<Roles...>, ScopeList>::violation;
};

} // namespace detail

/// The first rule a policy with roles `Roles` and scopes `Scopes`
/// breaks, as `rules::Rule<..., false>`, or `rules::none`. Computing it
/// never fails to compile.
template <class Roles, class Scopes = scopes<>>
using diagnose_policy = typename detail::policy_violation<Roles, Scopes>::type;

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

    using violation =
        typename detail::policy_facts<permissions, roles<Roles...>,
                                      scopes<Scopes...>>::violation;

    // Exactly one error, naming the first broken rule, if any.
    static constexpr bool well_formed = detail::report<violation>();
    static_assert(well_formed || true);

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
        static_assert((permissions::template contains<Ps> && ...),
                      "clearance: permission_mask<...> names a permission "
                      "that no role of the policy grants; grant it to a "
                      "role or fix its name");
        permission_set mask;
        if constexpr ((permissions::template contains<Ps> && ...))
            (mask.set(permissions::template index<Ps>), ...);
        return mask;
    }

    /// The mask of scopes `Ss`; each must be declared by the policy.
    template <Scope... Ss>
    static constexpr scope_set scope_mask() {
        static_assert((has_scope<Ss> && ...),
                      "clearance: scope_mask<...> names a scope that the "
                      "policy does not declare; add it to the policy's "
                      "clearance::scopes<...>");
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
};

} // namespace clearance
