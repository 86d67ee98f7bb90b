// SPDX-License-Identifier: BSL-1.0
#pragma once

// The rules a policy and its routes must satisfy, one named type each.
// When a rule is broken, the compiler's diagnostic shows the rule's name
// with the offending route, role or permission as its argument, beside
// a message that says what to write instead, for example
//
//   static assertion failed: clearance: the route's handler declares no
//   access requirement ...
//   note: 'clearance::rules::route_declares_access<"GET /health">::
//   satisfied' evaluates to false
//
// Tests name the same types to check which rule a program breaks.

#include <clearance/detail/fixed_string.hpp>

namespace clearance::rules {

/// Every route declares its access: deny by default. `Route` is the
/// route's method and path, such as "GET /documents/{id}".
template <detail::fixed_string Route, bool Satisfied>
struct route_declares_access {
    static constexpr bool satisfied = Satisfied;
};

/// A route declares either public access or requirements, never both.
template <detail::fixed_string Route, bool Satisfied>
struct route_access_is_consistent {
    static constexpr bool satisfied = Satisfied;
};

/// Every parameter of a handler is a requirement, a path parameter or
/// the request context.
template <detail::fixed_string Route, bool Satisfied>
struct handler_parameters_are_known {
    static constexpr bool satisfied = Satisfied;
};

/// Every `{name}` of a path template is bound by a typed path parameter
/// or an owned resource's key, and every typed path parameter appears
/// in the template.
template <detail::fixed_string Route, bool Satisfied>
struct path_parameters_match_template {
    static constexpr bool satisfied = Satisfied;
};

/// A path template starts with `/`, has no empty segment and every
/// `{name}` is balanced, non-empty and a whole segment.
template <detail::fixed_string Template, bool Satisfied>
struct path_template_is_well_formed {
    static constexpr bool satisfied = Satisfied;
};

/// A permission a route requires is granted by at least one role, or
/// the route could never be reached.
template <detail::fixed_string Permission, bool Satisfied>
struct permission_is_granted_by_a_role {
    static constexpr bool satisfied = Satisfied;
};

/// A scope a route requires is declared by the policy.
template <detail::fixed_string Scope, bool Satisfied>
struct scope_is_declared {
    static constexpr bool satisfied = Satisfied;
};

/// A bypass role of an ownership requirement is a role of the policy.
template <detail::fixed_string Role, bool Satisfied>
struct bypass_role_is_in_policy {
    static constexpr bool satisfied = Satisfied;
};

/// Role inheritance has no cycle; `Role` is a role that inherits itself.
template <detail::fixed_string Role, bool Satisfied>
struct role_inheritance_is_acyclic {
    static constexpr bool satisfied = Satisfied;
};

/// Role names are unique within a policy.
template <detail::fixed_string Role, bool Satisfied>
struct role_names_are_unique {
    static constexpr bool satisfied = Satisfied;
};

/// An owned resource has a loader registered with the service.
template <detail::fixed_string Route, bool Satisfied>
struct owned_resource_has_loader {
    static constexpr bool satisfied = Satisfied;
};

} // namespace clearance::rules
