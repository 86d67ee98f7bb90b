// SPDX-License-Identifier: BSL-1.0
#pragma once

// Turns the first broken rule into the one compile error the user sees,
// with a message in their words that says what to write instead. Each
// message is a string literal, as static_assert requires; the compiler
// prints the rule's type, with the route, role or permission at fault,
// in the note that follows.

#include <clearance/rules.hpp>

#include <type_traits>

namespace clearance::detail {

template <class Violation>
constexpr bool report() {
    using V = Violation;
    if constexpr (std::is_same_v<V, rules::none>) {
        return true;
    } else {
        constexpr auto rule = V::rule;
        // Each branch names its own rule; only the broken one is
        // instantiated, so exactly one assertion fails.
        if constexpr (rule == "role_inheritance_is_acyclic")
            static_assert(V::satisfied,
                          "clearance: this role inherits itself through a "
                          "cycle of clearance::inherits<...>; remove one "
                          "inherits<> edge between the roles named in the "
                          "notes");
        else if constexpr (rule == "role_names_are_unique")
            static_assert(V::satisfied,
                          "clearance: two roles of the policy have this "
                          "name; give each role its own name");
        else if constexpr (rule == "permission_names_are_unique")
            static_assert(V::satisfied,
                          "clearance: two different permission types have "
                          "this name; use one type per permission, such as "
                          "using docs_read = clearance::permission<"
                          "\"docs:read\">");
        else if constexpr (rule == "scope_names_are_unique")
            static_assert(V::satisfied,
                          "clearance: two different scope types have this "
                          "name; use one type per scope");
        else if constexpr (rule == "inherited_roles_are_in_policy")
            static_assert(V::satisfied,
                          "clearance: this role inherits a role that the "
                          "policy does not list; add that role to the "
                          "policy's clearance::roles<...>");
        else if constexpr (rule == "handler_is_introspectable")
            static_assert(V::satisfied,
                          "clearance: the route's handler cannot be read: "
                          "use a function or a lambda whose parameters "
                          "have concrete types (not auto), with one call "
                          "operator; if the compiler reported an error in "
                          "the handler's body first, fix that one, or give "
                          "the lambda its return type (-> "
                          "clearance::response)");
        else if constexpr (rule == "handler_parameters_are_known")
            static_assert(V::satisfied,
                          "clearance: a parameter of the route's handler is "
                          "neither a requirement (public_route, hidden, "
                          "authenticated, granted<...>, scoped<...>, "
                          "owned<...>), a clearance::path<\"name\", T> nor "
                          "clearance::request_context const&; capture "
                          "other state in the handler instead");
        else if constexpr (rule == "route_declares_access")
            static_assert(V::satisfied,
                          "clearance: the route's handler declares no "
                          "access requirement, and routes are denied by "
                          "default; add a parameter of type "
                          "clearance::public_route to make it public, or "
                          "require clearance::authenticated, "
                          "clearance::granted<...>, clearance::scoped<...> "
                          "or clearance::owned<...>");
        else if constexpr (rule == "hidden_route_is_guarded")
            static_assert(V::satisfied,
                          "clearance: the route is marked clearance::hidden "
                          "and clearance::public_route; a public route "
                          "cannot be hidden: remove one of the two");
        else if constexpr (rule == "accepted_credentials_are_checked")
            static_assert(V::satisfied,
                          "clearance: the route names the credentials it "
                          "accepts with clearance::accepts<...> but "
                          "authenticates no one; add a requirement such as "
                          "clearance::authenticated or granted<...>, or "
                          "remove accepts<...>");
        else if constexpr (rule == "accepted_credentials_are_read")
            static_assert(V::satisfied,
                          "clearance: the route accepts a kind of "
                          "credentials that the service's authenticator "
                          "does not read; add an authenticator of that kind "
                          "with clearance::any_of(...), or name a kind it "
                          "reads in clearance::accepts<...>");
        else if constexpr (rule == "route_access_is_consistent")
            static_assert(V::satisfied,
                          "clearance: the route's handler is marked "
                          "clearance::public_route and also requires "
                          "access, or repeats a marker; remove public_route "
                          "to keep the requirements, or remove the "
                          "requirements to make the route public");
        else if constexpr (rule == "handler_returns_response")
            static_assert(V::satisfied,
                          "clearance: the route's handler must return "
                          "clearance::response");
        else if constexpr (rule == "path_template_is_well_formed")
            static_assert(V::satisfied,
                          "clearance: the route's path template is "
                          "malformed; it must start with '/', have no "
                          "empty segment, and write each parameter as a "
                          "whole segment '{name}' (or '{name...}' for the "
                          "rest of the path) with a name of letters, "
                          "digits and '_', as in \"/documents/{id}\"");
        else if constexpr (rule == "catch_all_parameter_is_last")
            static_assert(V::satisfied,
                          "clearance: a catch-all parameter {name...} of "
                          "the route's path template takes the rest of the "
                          "path, so it must be the template's last segment "
                          "and its only catch-all, as in "
                          "\"/files/{path...}\"");
        else if constexpr (rule == "template_parameters_are_unique")
            static_assert(V::satisfied,
                          "clearance: the route's path template names one "
                          "parameter twice; give each {name} its own name");
        else if constexpr (rule == "template_parameters_are_bound")
            static_assert(V::satisfied,
                          "clearance: a {name} of the route's path "
                          "template has no parameter; add "
                          "clearance::path<\"name\", T> to the handler, or "
                          "an owned<...> resource keyed by it");
        else if constexpr (rule == "path_parameters_are_in_template")
            static_assert(V::satisfied,
                          "clearance: a clearance::path<\"name\", T> or "
                          "owned<...> key of the route's handler names no "
                          "{name} of its path template; add {name} to the "
                          "template or fix the parameter's name");
        else if constexpr (rule == "owned_options_are_valid")
            static_assert(V::satisfied,
                          "clearance: the options of an owned<...> "
                          "parameter are clearance::conceal or "
                          "clearance::reveal (not both), at most one "
                          "clearance::bypass<...> and at most one "
                          "clearance::key<\"name\">");
        else if constexpr (rule == "owned_key_type_is_supported")
            static_assert(V::satisfied,
                          "clearance: an owned<...> resource needs a key "
                          "type that is an integer or std::string; declare "
                          "'using key_type = ...;' in the resource or "
                          "specialise clearance::resource_traits for it");
        else if constexpr (rule == "ownership_rule_fits_resource")
            static_assert(V::satisfied,
                          "clearance: the ownership rule of an owned<...> "
                          "parameter must be default-constructible and "
                          "callable as bool(clearance::principal const&, "
                          "Resource const&)");
        else if constexpr (rule == "resource_tenant_is_text")
            static_assert(V::satisfied,
                          "clearance: the route's resource has a 'tenant' "
                          "member that does not convert to "
                          "std::string_view, so the guard cannot compare it "
                          "with the principal's tenant; store the tenant as "
                          "text (a std::string), or rename the member if "
                          "the records belong to every tenant");
        else if constexpr (rule == "owned_resource_has_loader")
            static_assert(V::satisfied,
                          "clearance: the route's handler takes an "
                          "owned<...> resource that has no loader; pass "
                          "clearance::load<Resource>(...) in the service's "
                          "clearance::loaders(...)");
        else if constexpr (rule == "loader_fits_resource")
            static_assert(V::satisfied,
                          "clearance: a loader must be callable as "
                          "std::optional<Resource>(key_type, "
                          "clearance::request_context const&)");
        else if constexpr (rule == "permission_is_granted_by_a_role")
            static_assert(V::satisfied,
                          "clearance: the route requires a permission "
                          "that no role of the policy grants, so no "
                          "principal could ever reach it; grant it to a "
                          "role with clearance::grants<...> or fix its "
                          "name");
        else if constexpr (rule == "scope_is_declared")
            static_assert(V::satisfied,
                          "clearance: the route requires a scope that the "
                          "policy does not declare; add it to the policy's "
                          "clearance::scopes<...>");
        else if constexpr (rule == "bypass_role_is_in_policy")
            static_assert(V::satisfied,
                          "clearance: a bypass<...> role of an owned<...> "
                          "parameter is not a role of the policy; add it "
                          "to the policy's clearance::roles<...> or remove "
                          "it");
        else if constexpr (rule == "routes_are_unique")
            static_assert(V::satisfied,
                          "clearance: two routes have the same method and "
                          "path template; remove one, or merge their "
                          "handlers");
        else if constexpr (rule == "routes_do_not_overlap")
            static_assert(V::satisfied,
                          "clearance: two routes with the same method have "
                          "templates that match the same request path, so "
                          "which guard applies would depend on their "
                          "order; give them distinct literal segments, "
                          "such as \"/users/by-id/{id}\" and "
                          "\"/users/by-name/{name}\"");
        else
            static_assert(V::satisfied, "clearance: a rule is broken");
        return false;
    }
}

} // namespace clearance::detail
