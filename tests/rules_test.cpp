// SPDX-License-Identifier: BSL-1.0
// Which rule a route, a service or a policy breaks, asked without
// breaking the build.
#include <clearance/service.hpp>

#include "test_policy.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <type_traits>

using namespace test_policy;
namespace rules = clearance::rules;

namespace {

struct item {
    using key_type = long;
    long id = 0;
    std::string owner;
};

struct owns {
    bool operator()(clearance::principal const& who, item const& i) const {
        return i.owner == who.subject;
    }
};

struct opaque {}; // no key type

struct numbered {
    using key_type = long;
    long id = 0;
    int tenant = 0; // a tenant the guard could not compare
};

struct any_numbered {
    bool operator()(clearance::principal const&, numbered const&) const {
        return true;
    }
};

[[maybe_unused]] std::optional<item>
load_item(long, clearance::request_context const&) {
    return std::nullopt;
}

using items =
    clearance::loader_set<clearance::loader<item, decltype(&load_item)>>;

template <class Route>
using diagnosis = clearance::diagnose_route<policy, Route, items>;

template <clearance::method M, clearance::detail::fixed_string T, class H>
using route = clearance::route<M, T, H>;

} // namespace

TEST_CASE("a valid route breaks no rule", "[rules]") {
    using r =
        route<clearance::method::get, "/items/{id}",
              clearance::response (*)(
                  clearance::granted<can_read>,
                  clearance::owned<item, owns, clearance::bypass<owner>>)>;
    STATIC_REQUIRE(std::is_same_v<diagnosis<r>, rules::none>);
}

TEST_CASE("each broken route rule is named with the route", "[rules]") {
    using unmarked =
        route<clearance::method::get, "/x", clearance::response (*)()>;
    STATIC_REQUIRE(
        std::is_same_v<diagnosis<unmarked>,
                       rules::route_declares_access<"GET /x", false>>);

    using both = route<clearance::method::post, "/x",
                       clearance::response (*)(clearance::public_route,
                                               clearance::authenticated)>;
    STATIC_REQUIRE(
        std::is_same_v<diagnosis<both>,
                       rules::route_access_is_consistent<"POST /x", false>>);

    using stray = route<clearance::method::get, "/x",
                        clearance::response (*)(clearance::authenticated, int)>;
    STATIC_REQUIRE(
        std::is_same_v<diagnosis<stray>,
                       rules::handler_parameters_are_known<"GET /x", false>>);

    using returns_int =
        route<clearance::method::get, "/x", int (*)(clearance::authenticated)>;
    STATIC_REQUIRE(
        std::is_same_v<diagnosis<returns_int>,
                       rules::handler_returns_response<"GET /x", false>>);

    using unbound = route<clearance::method::get, "/x/{id}",
                          clearance::response (*)(clearance::authenticated)>;
    STATIC_REQUIRE(std::is_same_v<
                   diagnosis<unbound>,
                   rules::template_parameters_are_bound<"GET /x/{id}", false>>);

    using extra = route<clearance::method::get, "/x",
                        clearance::response (*)(clearance::authenticated,
                                                clearance::path<"id", long>)>;
    STATIC_REQUIRE(std::is_same_v<
                   diagnosis<extra>,
                   rules::path_parameters_are_in_template<"GET /x", false>>);

    using malformed = route<clearance::method::get, "x/{id",
                            clearance::response (*)(clearance::authenticated)>;
    STATIC_REQUIRE(std::is_same_v<
                   diagnosis<malformed>,
                   rules::path_template_is_well_formed<"GET x/{id", false>>);

    using keyless =
        route<clearance::method::get, "/o/{id}",
              clearance::response (*)(clearance::owned<opaque, owns>)>;
    STATIC_REQUIRE(std::is_same_v<
                   diagnosis<keyless>,
                   rules::owned_key_type_is_supported<"GET /o/{id}", false>>);

    using unloaded =
        route<clearance::method::get, "/i/{id}",
              clearance::response (*)(clearance::owned<item, owns>)>;
    STATIC_REQUIRE(
        std::is_same_v<clearance::diagnose_route<policy, unloaded>,
                       rules::owned_resource_has_loader<"GET /i/{id}", false>>);

    using untextual_tenant =
        route<clearance::method::get, "/n/{id}",
              clearance::response (*)(
                  clearance::owned<numbered, any_numbered>)>;
    STATIC_REQUIRE(
        std::is_same_v<diagnosis<untextual_tenant>,
                       rules::resource_tenant_is_text<"GET /n/{id}", false>>);
    using untextual_list =
        route<clearance::method::get, "/n",
              clearance::response (*)(
                  clearance::collection<numbered, any_numbered>)>;
    STATIC_REQUIRE(
        std::is_same_v<diagnosis<untextual_list>,
                       rules::resource_tenant_is_text<"GET /n", false>>);
}

TEST_CASE("rules about names say which name", "[rules]") {
    using ungranted =
        route<clearance::method::get, "/x",
              clearance::response (*)(
                  clearance::granted<clearance::permission<"nobody:has">>)>;
    STATIC_REQUIRE(std::is_same_v<diagnosis<ungranted>,
                                  rules::permission_is_granted_by_a_role<
                                      "GET /x", "nobody:has", false>>);

    using unscoped =
        route<clearance::method::get, "/x",
              clearance::response (*)(
                  clearance::scoped<clearance::scope<"api.none">>)>;
    STATIC_REQUIRE(
        std::is_same_v<diagnosis<unscoped>,
                       rules::scope_is_declared<"GET /x", "api.none", false>>);

    struct stranger : clearance::role<"stranger"> {};
    using bypassing =
        route<clearance::method::get, "/i/{id}",
              clearance::response (*)(
                  clearance::owned<item, owns, clearance::bypass<stranger>>)>;
    STATIC_REQUIRE(
        std::is_same_v<
            diagnosis<bypassing>,
            rules::bypass_role_is_in_policy<"GET /i/{id}", "stranger", false>>);
}

TEST_CASE("conflicting routes are named in pairs", "[rules]") {
    using a = route<clearance::method::get, "/users/{id}",
                    clearance::response (*)(clearance::authenticated,
                                            clearance::path<"id", long>)>;
    using b = route<clearance::method::get, "/users/{name}",
                    clearance::response (*)(clearance::authenticated,
                                            clearance::path<"name">)>;
    using c = route<clearance::method::get, "/users/me",
                    clearance::response (*)(clearance::authenticated)>;
    using d = route<clearance::method::put, "/users/{name}",
                    clearance::response (*)(clearance::authenticated,
                                            clearance::path<"name">)>;
    STATIC_REQUIRE(
        std::is_same_v<clearance::diagnose_service<policy, items, a, b>,
                       rules::routes_do_not_overlap<
                           "GET /users/{id}", "GET /users/{name}", false>>);
    STATIC_REQUIRE(
        std::is_same_v<clearance::diagnose_service<policy, items, a, c>,
                       rules::routes_do_not_overlap<"GET /users/{id}",
                                                    "GET /users/me", false>>);
    STATIC_REQUIRE(
        std::is_same_v<clearance::diagnose_service<policy, items, a, a>,
                       rules::routes_are_unique<"GET /users/{id}",
                                                "GET /users/{id}", false>>);
    STATIC_REQUIRE(
        std::is_same_v<clearance::diagnose_service<policy, items, a, d>,
                       rules::none>);
}

namespace cyclic {
struct b;
struct a : clearance::role<"a", clearance::grants<>, clearance::inherits<b>> {};
struct c : clearance::role<"c"> {};
struct b
    : clearance::role<"b", clearance::grants<>, clearance::inherits<c, a>> {};
} // namespace cyclic

TEST_CASE("policy rules name roles and permissions", "[rules]") {
    STATIC_REQUIRE(
        std::is_same_v<clearance::diagnose_policy<
                           clearance::roles<reader, writer, owner, auditor>>,
                       rules::none>);
    STATIC_REQUIRE(std::is_same_v<
                   clearance::diagnose_policy<
                       clearance::roles<cyclic::a, cyclic::b, cyclic::c>>,
                   rules::role_inheritance_is_acyclic<"a -> b -> a", false>>);
    STATIC_REQUIRE(
        std::is_same_v<clearance::diagnose_policy<clearance::roles<writer>>,
                       rules::inherited_roles_are_in_policy<"writer", false>>);
    struct twin : clearance::role<"reader"> {};
    STATIC_REQUIRE(std::is_same_v<
                   clearance::diagnose_policy<clearance::roles<reader, twin>>,
                   rules::role_names_are_unique<"reader", false>>);
}
