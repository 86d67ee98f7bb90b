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
#include <clearance/detail/type_name.hpp>
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

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

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

namespace detail {

// Helpers over packs written as array initialisers rather than fold
// expressions: compilers limit how deeply a fold may nest (clang++ to
// 256 operands), and policies may hold hundreds of roles.
constexpr bool all_of(std::initializer_list<bool> values) noexcept {
    for (bool v : values)
        if (!v)
            return false;
    return true;
}

constexpr std::size_t sum_of(std::initializer_list<std::size_t> values) {
    std::size_t total = 0;
    for (auto v : values)
        total += v;
    return total;
}

} // namespace detail

/// The roles of a policy, in any order.
template <class... Roles>
struct roles {
    static_assert(detail::all_of({Role<Roles>...}),
                  "clearance: every entry of clearance::roles<...> must be "
                  "a role, made with clearance::role<\"name\", ...>");
};

/// The OAuth scopes of a policy.
template <Scope... Scopes>
struct scopes {};

namespace detail {

// A fixed string holding the text of a constexpr string_view.
template <auto const& Text>
constexpr auto as_fixed() {
    fixed_string<Text.size() + 1> out;
    for (std::size_t i = 0; i < Text.size(); ++i)
        out.value[i] = Text[i];
    return out;
}

// A 64-bit FNV-1a key of a name, so that sorting compares integers
// rather than strings.
constexpr std::uint64_t name_key_of(std::string_view text) noexcept {
    std::uint64_t key = 14695981039346656037ULL;
    for (char c : text) {
        key ^= static_cast<unsigned char>(c);
        key *= 1099511628211ULL;
    }
    return key;
}

// Computed once per permission type, however many roles grant it.
template <class P>
inline constexpr std::uint64_t permission_key = name_key_of(P::name);

template <class P>
inline constexpr std::uint64_t
    permission_type_key = name_key_of(type_name<P>());

struct granted_entry {
    std::string_view name;
    std::string_view type;
    std::uint64_t name_key = 0;
    std::uint64_t type_key = 0;
};

// The permissions the roles grant, numbered by name in sorted order.
// Built with constexpr sorting of integer keys rather than type-level
// deduplication or string comparison, so that the cost grows as n log n
// in the number of grants, however many roles share a permission.
template <class... Roles>
struct permission_table {
    static constexpr std::size_t grant_count = sum_of(
        {decltype(boost::hana::length(Roles::granted::types))::value...});

    // Every grant, grouped by name key, then by type key.
    static constexpr std::array<granted_entry, grant_count> sorted = [] {
        std::array<granted_entry, grant_count> all{};
        std::size_t at = 0;
        auto add = [&](auto types) {
            boost::hana::unpack(types, [&](auto... p) {
                ((all[at++] =
                      {decltype(p)::type::name,
                       type_name<typename decltype(p)::type>(),
                       permission_key<typename decltype(p)::type>,
                       permission_type_key<typename decltype(p)::type>}),
                 ...);
            });
        };
        [[maybe_unused]] int const each[] = {
            0, (add(Roles::granted::types), 0)...};
        std::sort(all.begin(), all.end(), [](auto const& a, auto const& b) {
            return a.name_key != b.name_key ? a.name_key < b.name_key
                                            : a.type_key < b.type_key;
        });
        return all;
    }();

    // Two different names with one key would be taken for one
    // permission; they sort next to each other, so one pass finds them.
    static constexpr bool keys_distinct = [] {
        for (std::size_t i = 1; i < grant_count; ++i)
            if (sorted[i].name_key == sorted[i - 1].name_key &&
                sorted[i].name != sorted[i - 1].name)
                return false;
        return true;
    }();
    static_assert(keys_distinct,
                  "clearance: two permission names of the policy have the "
                  "same 64-bit key; rename one of them");

    static constexpr std::size_t size = [] {
        std::size_t n = 0;
        for (std::size_t i = 0; i < grant_count; ++i)
            n += i == 0 || sorted[i].name_key != sorted[i - 1].name_key;
        return n;
    }();

    /// Permission names, in the order of their bits: sorted by name.
    static constexpr std::array<std::string_view, size> names = [] {
        std::array<std::string_view, size> out{};
        std::size_t n = 0;
        for (std::size_t i = 0; i < grant_count; ++i)
            if (i == 0 || sorted[i].name_key != sorted[i - 1].name_key)
                out[n++] = sorted[i].name;
        std::sort(out.begin(), out.end());
        return out;
    }();

    static constexpr std::size_t find(std::string_view name) noexcept {
        auto at = std::lower_bound(names.begin(), names.end(), name);
        return at != names.end() && *at == name
                   ? static_cast<std::size_t>(at - names.begin())
                   : size;
    }

    /// The bit of permission `P`, or `size` if no role grants it.
    template <class P>
    static constexpr std::size_t index = find(P::name);

    template <class P>
    static constexpr bool contains = index<P> < size;

    /// A name granted through two different types, or empty.
    static constexpr std::string_view twin_name = [] {
        for (std::size_t i = 1; i < grant_count; ++i)
            if (sorted[i].name_key == sorted[i - 1].name_key &&
                (sorted[i].type_key != sorted[i - 1].type_key ||
                 sorted[i].type != sorted[i - 1].type))
                return sorted[i].name;
        return std::string_view{};
    }();
};

// The first name given twice in `names`, or empty.
template <std::size_t N>
constexpr std::string_view
first_repeated(std::array<std::string_view, N> names) {
    std::sort(names.begin(), names.end());
    for (std::size_t i = 1; i < N; ++i)
        if (names[i] == names[i - 1])
            return names[i];
    return {};
}

template <std::size_t RoleCount>
struct role_graph {
    std::array<role_set, RoleCount> ancestors{};
    std::array<permission_set, RoleCount> closure{};
    /// A role on a cycle of inheritance, or RoleCount if there is none.
    std::size_t first_cyclic = RoleCount;
};

template <class Permissions, class R>
constexpr permission_set direct_grants() {
    permission_set mask;
    boost::hana::unpack(R::granted::types, [&](auto... p) {
        (mask.set(Permissions::template index<typename decltype(p)::type>),
         ...);
    });
    return mask;
}

template <class R>
constexpr std::size_t parent_count() {
    return decltype(boost::hana::length(R::parents::types))::value;
}

// The parents of every role, as one list of indices with an offset per
// role; a parent the policy does not list is left out here and reported
// by name elsewhere.
template <class... Roles>
struct parent_edges {
    static constexpr std::size_t count = sizeof...(Roles);
    static constexpr std::size_t edge_capacity =
        sum_of({parent_count<Roles>()...});

    std::array<std::size_t, count + 1> offsets{};
    std::array<std::size_t, edge_capacity + 1> targets{};

    constexpr parent_edges() {
        std::size_t role = 0, edge = 0;
        auto add_role = [&](auto parents) {
            offsets[role++] = edge;
            boost::hana::unpack(parents, [&](auto... parent) {
                auto add = [&](std::size_t i) {
                    if (i < count)
                        targets[edge++] = i;
                };
                (void)add;
                (add(index_of<typename decltype(parent)::type, Roles...>()),
                 ...);
            });
        };
        [[maybe_unused]] int const each[] = {
            0, (add_role(Roles::parents::types), 0)...};
        offsets[count] = edge;
    }
};

// One depth-first search over the parent edges, each role's closure
// computed once from its parents' (post-order): linear in roles plus
// edges, in plain constexpr code rather than template recursion, so
// that a cycle is reported by name instead of as an endless
// instantiation.
template <class Permissions, class... Roles>
constexpr role_graph<sizeof...(Roles)> compute_graph() {
    constexpr std::size_t count = sizeof...(Roles);
    constexpr parent_edges<Roles...> edges{};
    constexpr std::array<permission_set, count> grants{
        direct_grants<Permissions, Roles>()...};
    role_graph<count> g;
    enum class mark : unsigned char { unseen, open, done };
    std::array<mark, count> marks{};
    struct frame {
        std::size_t role;
        std::size_t next_edge;
    };
    std::array<frame, count + 1> stack{};
    for (std::size_t start = 0; start < count; ++start) {
        if (marks[start] != mark::unseen)
            continue;
        std::size_t depth = 0;
        stack[depth++] = {start, edges.offsets[start]};
        marks[start] = mark::open;
        while (depth > 0) {
            auto& top = stack[depth - 1];
            if (top.next_edge < edges.offsets[top.role + 1]) {
                auto parent = edges.targets[top.next_edge++];
                if (marks[parent] == mark::unseen) {
                    marks[parent] = mark::open;
                    stack[depth++] = {parent, edges.offsets[parent]};
                } else if (marks[parent] == mark::open &&
                           g.first_cyclic == count) {
                    g.first_cyclic = parent;
                }
                continue;
            }
            auto role = top.role;
            g.closure[role] = grants[role];
            for (auto e = edges.offsets[role]; e < edges.offsets[role + 1];
                 ++e) {
                auto parent = edges.targets[e];
                g.closure[role] |= g.closure[parent];
                g.ancestors[role] |= g.ancestors[parent];
                g.ancestors[role].set(parent);
            }
            marks[role] = mark::done;
            --depth;
        }
    }
    return g;
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

template <class RoleList, class ScopeList>
struct policy_facts;

template <class... Roles, class... Scopes>
struct policy_facts<roles<Roles...>, scopes<Scopes...>> {
    static constexpr std::size_t count = sizeof...(Roles);
    using permissions = permission_table<Roles...>;

    static constexpr std::array<std::string_view, count> names{Roles::name...};

    static constexpr std::size_t first_cyclic =
        compute_graph<permissions, Roles...>().first_cyclic;

    static constexpr std::string_view twin_role = first_repeated(names);
    static constexpr std::string_view twin_scope = first_repeated(
        std::array<std::string_view, sizeof...(Scopes)>{Scopes::name...});

    // Only needed to name a cycle, so only computed then.
    static constexpr std::array<role_set, count> parent_sets() {
        constexpr parent_edges<Roles...> edges{};
        std::array<role_set, count> out{};
        for (std::size_t r = 0; r < count; ++r)
            for (auto e = edges.offsets[r]; e < edges.offsets[r + 1]; ++e)
                out[r].set(edges.targets[e]);
        return out;
    }

    template <std::size_t Start>
    static constexpr auto cycle_label() {
        constexpr auto built = cycle_text<count>(parent_sets(), names, Start);
        fixed_string<built.second + 1> label;
        for (std::size_t i = 0; i < built.second; ++i)
            label.value[i] = built.first[i];
        return label;
    }

    template <class R>
    using unlisted_parent = std::bool_constant<parents_listed<R, Roles...>()>;

    static constexpr auto first_violation() {
        using no_parent =
            typename first_failing<unlisted_parent, type_list<Roles...>>::type;
        if constexpr (!std::is_void_v<no_parent>)
            return rules::inherited_roles_are_in_policy<no_parent::fixed_name,
                                                        false>{};
        else if constexpr (!twin_role.empty())
            return rules::role_names_are_unique<as_fixed<twin_role>(), false>{};
        else if constexpr (!permissions::twin_name.empty())
            return rules::permission_names_are_unique<
                as_fixed<permissions::twin_name>(), false>{};
        else if constexpr (!twin_scope.empty())
            return rules::scope_names_are_unique<as_fixed<twin_scope>(),
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
    using type = typename policy_facts<roles<Roles...>, ScopeList>::violation;
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
    using permissions = detail::permission_table<Roles...>;

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
        typename detail::policy_facts<roles<Roles...>,
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
