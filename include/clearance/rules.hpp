// SPDX-License-Identifier: BSL-1.0
#pragma once

// The rules a policy, its routes and a service must satisfy, one named
// type each. When a rule is broken, the build stops at a static_assert
// whose message says what to write instead, and the compiler's note
// names the rule with the offending route, role or permission:
//
//   error: static assertion failed: clearance: the route's handler
//   declares no access requirement ...
//   note: 'clearance::rules::route_declares_access<
//   clearance::detail::fixed_string<12>{"GET /health"}, false>::
//   satisfied' evaluates to false
//
// The same types let a test ask which rule a program breaks without
// breaking its own build: `clearance::diagnose_route`,
// `clearance::diagnose_service` and `clearance::diagnose_policy` name
// the first broken rule as `Rule<..., false>`, or `rules::none`.
//
// `Route` arguments are a route's method and path, such as
// "GET /documents/{id}"; `Role`, `Permission` and `Scope` arguments are
// names as written in the policy.

#include <clearance/detail/fixed_string.hpp>

#include <string_view>

namespace clearance::rules {

/// No rule is broken.
struct none {};

// Declares a rule about one named thing.
#define CLEARANCE_DETAIL_RULE(name)                                            \
    template <detail::fixed_string Subject, bool Satisfied>                    \
    struct name {                                                              \
        static constexpr std::string_view rule = #name;                        \
        static constexpr bool satisfied = Satisfied;                           \
    }

// Declares a rule about a route and another named thing.
#define CLEARANCE_DETAIL_PAIR_RULE(name)                                       \
    template <detail::fixed_string Route, detail::fixed_string Subject,        \
              bool Satisfied>                                                  \
    struct name {                                                              \
        static constexpr std::string_view rule = #name;                        \
        static constexpr bool satisfied = Satisfied;                           \
    }

// Rules of a policy.

/// Role inheritance has no cycle; `Subject` is a role in one.
CLEARANCE_DETAIL_RULE(role_inheritance_is_acyclic);
/// No two roles of a policy share a name.
CLEARANCE_DETAIL_RULE(role_names_are_unique);
/// No two permissions granted in a policy share a name.
CLEARANCE_DETAIL_RULE(permission_names_are_unique);
/// No two scopes of a policy share a name.
CLEARANCE_DETAIL_RULE(scope_names_are_unique);
/// Every role named in `inherits<...>` is a role of the policy;
/// `Subject` is the inheriting role.
CLEARANCE_DETAIL_RULE(inherited_roles_are_in_policy);

// Rules of a route; `Subject` is the route.

/// A handler is a function, a function pointer, or an object with
/// exactly one call operator that is not a template.
CLEARANCE_DETAIL_RULE(handler_is_introspectable);
/// Every parameter of a handler is a requirement, a path parameter or
/// the request context.
CLEARANCE_DETAIL_RULE(handler_parameters_are_known);
/// Every route declares its access: deny by default.
CLEARANCE_DETAIL_RULE(route_declares_access);
/// A route is public, or has requirements, never both.
CLEARANCE_DETAIL_RULE(route_access_is_consistent);
/// A hidden route is not public: hiding needs requirements to hide
/// behind.
CLEARANCE_DETAIL_RULE(hidden_route_is_guarded);
/// A route that names the credentials it accepts with `accepts<...>`
/// authenticates: it has a requirement that needs a principal.
CLEARANCE_DETAIL_RULE(accepted_credentials_are_checked);
/// A handler returns a `clearance::response`.
CLEARANCE_DETAIL_RULE(handler_returns_response);
/// A path template starts with "/", has no empty segment, and writes
/// each parameter as a whole, non-empty segment "{name}".
CLEARANCE_DETAIL_RULE(path_template_is_well_formed);
/// A catch-all parameter "{name...}" is the last segment of its
/// template, as in "/files/{path...}", and a template has at most one.
CLEARANCE_DETAIL_RULE(catch_all_parameter_is_last);
/// No two parameters of a template share a name.
CLEARANCE_DETAIL_RULE(template_parameters_are_unique);
/// Every "{name}" of a template is bound by a `path<"name", T>`
/// parameter or an owned resource's key.
CLEARANCE_DETAIL_RULE(template_parameters_are_bound);
/// Every `path<"name", T>` and owned key names a "{name}" of the
/// template.
CLEARANCE_DETAIL_RULE(path_parameters_are_in_template);
/// The options of `owned<...>` are `conceal` or `reveal` (not both), at
/// most one `bypass<...>` and at most one `key<...>`.
CLEARANCE_DETAIL_RULE(owned_options_are_valid);
/// An owned resource's key type is an integer or `std::string`, given
/// by `Resource::key_type` or `clearance::resource_traits`.
CLEARANCE_DETAIL_RULE(owned_key_type_is_supported);
/// An ownership rule is default-constructible and callable as
/// `bool(principal const&, Resource const&)`.
CLEARANCE_DETAIL_RULE(ownership_rule_fits_resource);
/// An owned or listed resource's `tenant` member, if it has one,
/// converts to `std::string_view`, so that the guard can compare it.
CLEARANCE_DETAIL_RULE(resource_tenant_is_text);
/// An owned resource has a loader in the service.
CLEARANCE_DETAIL_RULE(owned_resource_has_loader);
/// A loader is callable as `std::optional<Resource>(key_type,
/// request_context const&)`.
CLEARANCE_DETAIL_RULE(loader_fits_resource);

// Rules about a route and a name from the policy.

/// A permission a route requires is granted by some role; otherwise no
/// principal could ever reach the route.
CLEARANCE_DETAIL_PAIR_RULE(permission_is_granted_by_a_role);
/// A scope a route requires is declared by the policy.
CLEARANCE_DETAIL_PAIR_RULE(scope_is_declared);
/// A bypass role of an owned resource is a role of the policy.
CLEARANCE_DETAIL_PAIR_RULE(bypass_role_is_in_policy);

// Rules of a service; `Route` and `Subject` are two of its routes.

/// Every kind of credentials a route names in `accepts<...>` is read by
/// the service's authenticator; `Subject` is the route.
CLEARANCE_DETAIL_RULE(accepted_credentials_are_read);
/// No two routes have the same method and path template.
CLEARANCE_DETAIL_PAIR_RULE(routes_are_unique);
/// No request path matches two templates under the same method, such as
/// "/users/{id}" and "/users/{name}", or "/users/{id}" and "/users/me".
CLEARANCE_DETAIL_PAIR_RULE(routes_do_not_overlap);

#undef CLEARANCE_DETAIL_RULE
#undef CLEARANCE_DETAIL_PAIR_RULE

} // namespace clearance::rules
