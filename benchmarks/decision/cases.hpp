// SPDX-License-Identifier: BSL-1.0
#pragma once

// One authorisation decision for a principal already authenticated,
// written three ways over the same generated policy (a chain of roles,
// see generate_policy.cmake):
//
// - clearance: the check the guard generates from a handler's
//   signature. Route A is a constant-mask comparison of the principal's
//   permission bits; route B adds the tenant check and the ownership
//   rule on the loaded record, with the route's bypass role, exactly as
//   the guard runs them;
// - role_vector: the principal's role names in a std::vector of
//   std::string, searched for the role the route names, as most
//   services do;
// - permission_map: a role-to-permissions std::unordered_map of
//   std::unordered_set, the hierarchy flattened at start-up, asked per
//   request for each of the principal's role names.
//
// Route A needs one permission; route B needs three permissions and the
// record: same tenant, and owner or the bypass role.
//
// The hand-written forms get every advantage a careful service would
// give them: required names are built once, not per request, and role
// names are short enough for the small-string buffer.

#include <clearance/guard.hpp>
#include <clearance/loader.hpp>
#include <clearance/policy.hpp>
#include <clearance/principal.hpp>
#include <clearance/requirements.hpp>
#include <clearance/response.hpp>
#include <clearance/route.hpp>
#include <clearance/rules.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace decision_bench {

/// The record route B acts on.
struct record {
    using key_type = std::int64_t;
    std::int64_t id = 0;
    std::string owner;
    std::string tenant;
};

/// Route B's ownership rule: the principal owns the record.
struct is_owner {
    bool operator()(clearance::principal const& who, record const& r) const {
        return r.owner == who.subject;
    }
};

using record_loader =
    clearance::loader<record,
                      std::optional<record> (*)(
                          std::int64_t, clearance::request_context const&)>;
using record_loaders = clearance::loader_set<record_loader>;

/// The guard's decision for the two routes of policy `Shape`, with the
/// masks taken from the routes' own analysis: what the service
/// compares is what is measured here.
template <class Shape>
struct clearance_decision {
    using policy = typename Shape::policy_type;

    using route_a =
        clearance::route<clearance::method::get, "/documents",
                         clearance::response (*)(
                             clearance::granted<typename Shape::needed>)>;

    using owned_record =
        clearance::owned<record, is_owner, clearance::conceal,
                         clearance::bypass<typename Shape::top>>;
    using route_b =
        clearance::route<clearance::method::put, "/documents/{id}",
                         clearance::response (*)(
                             clearance::granted<typename Shape::needed_b1,
                                                typename Shape::needed_b2,
                                                typename Shape::needed_b3>,
                             owned_record)>;

    static_assert(std::is_same_v<
                  clearance::diagnose_route<policy, route_a, record_loaders>,
                  clearance::rules::none>);
    static_assert(std::is_same_v<
                  clearance::diagnose_route<policy, route_b, record_loaders>,
                  clearance::rules::none>);

    using analysis_a = clearance::detail::analysis_of<policy, route_a>;
    using analysis_b = clearance::detail::analysis_of<policy, route_b>;

    static constexpr clearance::permission_set mask_a =
        analysis_a::required_permissions;
    static constexpr clearance::permission_set mask_b =
        analysis_b::required_permissions;
    static constexpr clearance::role_set bypass_b =
        analysis_b::ownerships[0].bypass;

    static bool route_a_allows(clearance::principal const& who) noexcept {
        return clearance::detail::contains_all<mask_a>(who.permissions);
    }

    // The guard's order: permissions, then the record's tenant, then the
    // rule or a bypass role (see clearance::detail::invoke_guarded).
    static bool route_b_allows(clearance::principal const& who,
                               record const& r) {
        return clearance::detail::contains_all<mask_b>(who.permissions) &&
               clearance::detail::same_tenant_as(who, r) &&
               (is_owner{}(who, r) ||
                clearance::detail::contains_any<bypass_b>(who.roles));
    }

    /// A principal holding `Roles`, as authentication makes it.
    template <class... Roles>
    static clearance::principal make_principal(std::string subject,
                                               std::string tenant) {
        clearance::principal who;
        who.subject = std::move(subject);
        who.tenant = std::move(tenant);
        (who.roles.set(policy::template role_index<Roles>), ...);
        policy::compute_permissions(who);
        return who;
    }
};

/// A principal as a hand-written service keeps it.
struct plain_principal {
    std::string subject;
    std::string tenant;
    std::vector<std::string> roles;
};

/// Role name to every permission it holds, inherited ones included.
using role_permissions =
    std::unordered_map<std::string, std::unordered_set<std::string>>;

/// Flattens the hierarchy once, at start-up, by walking each role's
/// parents: rows are {name, parent or "", permission, permission}.
template <std::size_t N>
role_permissions
flatten(std::array<std::array<std::string_view, 4>, N> const& rows) {
    std::unordered_map<std::string_view, std::size_t> index;
    for (std::size_t i = 0; i < N; ++i)
        index.emplace(rows[i][0], i);
    role_permissions out;
    for (std::size_t i = 0; i < N; ++i) {
        auto& held = out[std::string(rows[i][0])];
        for (auto at = index.find(rows[i][0]); at != index.end();
             at = index.find(rows[at->second][1])) {
            held.emplace(rows[at->second][2]);
            held.emplace(rows[at->second][3]);
        }
    }
    return out;
}

inline bool has_role(plain_principal const& who, std::string_view role) {
    return std::find(who.roles.begin(), who.roles.end(), role) !=
           who.roles.end();
}

inline bool has_permission(role_permissions const& roles,
                           plain_principal const& who,
                           std::string const& permission) {
    for (auto const& name : who.roles) {
        auto found = roles.find(name);
        if (found != roles.end() && found->second.count(permission) != 0)
            return true;
    }
    return false;
}

/// The same two decisions by hand, over role names.
template <class Shape>
struct role_vector_decision {
    std::string_view role_a = Shape::held_middle::name;
    // One role per permission route B needs: the role granting it.
    std::string_view role_b1 = Shape::held_middle::name;
    std::string_view role_b2 = Shape::held_second::name;
    std::string_view role_b3 = Shape::held_first::name;
    std::string_view bypass = Shape::top::name;

    bool route_a_allows(plain_principal const& who) const {
        return has_role(who, role_a);
    }

    bool route_b_allows(plain_principal const& who, record const& r) const {
        return has_role(who, role_b1) && has_role(who, role_b2) &&
               has_role(who, role_b3) && r.tenant == who.tenant &&
               (r.owner == who.subject || has_role(who, bypass));
    }
};

/// The same two decisions by hand, over a flattened permission map.
template <class Shape>
struct permission_map_decision {
    role_permissions roles = flatten(Shape::plain);
    std::string permission_a{Shape::needed::name};
    std::string permission_b1{Shape::needed_b1::name};
    std::string permission_b2{Shape::needed_b2::name};
    std::string permission_b3{Shape::needed_b3::name};
    std::string_view bypass = Shape::top::name;

    bool route_a_allows(plain_principal const& who) const {
        return has_permission(roles, who, permission_a);
    }

    bool route_b_allows(plain_principal const& who, record const& r) const {
        return has_permission(roles, who, permission_b1) &&
               has_permission(roles, who, permission_b2) &&
               has_permission(roles, who, permission_b3) &&
               r.tenant == who.tenant &&
               (r.owner == who.subject || has_role(who, bypass));
    }
};

/// Everything one policy size needs: the principal in both forms (it
/// holds the first, second and middle roles), an outsider holding only
/// the first role, the record, owned by the principal, and the three
/// deciders.
template <class Shape>
struct fixture {
    using guard = clearance_decision<Shape>;

    clearance::principal who =
        guard::template make_principal<typename Shape::held_first,
                                       typename Shape::held_second,
                                       typename Shape::held_middle>("alice",
                                                                    "acme");
    clearance::principal outsider =
        guard::template make_principal<typename Shape::held_first>("mallory",
                                                                   "acme");
    plain_principal plain_who{"alice",
                              "acme",
                              {std::string(Shape::held_first::name),
                               std::string(Shape::held_second::name),
                               std::string(Shape::held_middle::name)}};
    plain_principal plain_outsider{
        "mallory", "acme", {std::string(Shape::held_first::name)}};
    record doc{1, "alice", "acme"};
    record foreign_doc{2, "alice", "globex"};
    role_vector_decision<Shape> by_role;
    permission_map_decision<Shape> by_map;

    /// Whether every form allows the principal and refuses the outsider
    /// and the record of another tenant: a benchmark of a decision that
    /// answers wrongly would measure nothing.
    bool answers_agree() const {
        bool allowed = guard::route_a_allows(who) &&
                       guard::route_b_allows(who, doc) &&
                       by_role.route_a_allows(plain_who) &&
                       by_role.route_b_allows(plain_who, doc) &&
                       by_map.route_a_allows(plain_who) &&
                       by_map.route_b_allows(plain_who, doc);
        bool refused = !guard::route_a_allows(outsider) &&
                       !guard::route_b_allows(outsider, doc) &&
                       !guard::route_b_allows(who, foreign_doc) &&
                       !by_role.route_a_allows(plain_outsider) &&
                       !by_role.route_b_allows(plain_outsider, doc) &&
                       !by_role.route_b_allows(plain_who, foreign_doc) &&
                       !by_map.route_a_allows(plain_outsider) &&
                       !by_map.route_b_allows(plain_outsider, doc) &&
                       !by_map.route_b_allows(plain_who, foreign_doc);
        return allowed && refused;
    }
};

/// The floor: one AND and compare of a 64-bit mask held in a register.
inline bool floor_allows(std::uint64_t held) noexcept {
    constexpr std::uint64_t required = std::uint64_t{1} << 4;
    return (held & required) == required;
}

} // namespace decision_bench
