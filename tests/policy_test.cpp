// SPDX-License-Identifier: BSL-1.0
#include <clearance/policy.hpp>

#include "test_policy.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string_view>

using namespace test_policy;

TEST_CASE("permissions are numbered once each, in order of their names",
          "[policy]") {
    STATIC_REQUIRE(policy::permission_count == 5);
    STATIC_REQUIRE(policy::permissions::index<can_audit> == 0);
    STATIC_REQUIRE(policy::permissions::index<can_manage> == 1);
    STATIC_REQUIRE(policy::permissions::index<can_read> == 2);
    STATIC_REQUIRE(policy::permissions::index<can_remove> == 3);
    STATIC_REQUIRE(policy::permissions::index<can_write> == 4);
    STATIC_REQUIRE(policy::permissions::names ==
                   std::array<std::string_view, 5>{"audit", "manage", "read",
                                                   "remove", "write"});
    STATIC_REQUIRE(policy::role_count == 4);
    STATIC_REQUIRE(policy::scope_count == 2);
}

TEST_CASE("a role's mask is the closure of its inheritance", "[policy]") {
    STATIC_REQUIRE(policy::role_mask<reader>.words[0] == 0b00100);
    STATIC_REQUIRE(policy::role_mask<writer>.words[0] == 0b10100);
    STATIC_REQUIRE(policy::role_mask<owner>.words[0] == 0b11110);
    STATIC_REQUIRE(policy::role_mask<auditor>.words[0] == 0b00101);
    STATIC_REQUIRE(policy::ancestors<owner>.words[0] == 0b0011);
    STATIC_REQUIRE(policy::ancestors<reader>.none());
}

TEST_CASE("role_holds answers through inheritance", "[policy]") {
    STATIC_REQUIRE(policy::role_holds<owner, can_read>);
    STATIC_REQUIRE(policy::role_holds<writer, can_read>);
    STATIC_REQUIRE_FALSE(policy::role_holds<reader, can_write>);
    STATIC_REQUIRE_FALSE(policy::role_holds<writer, can_manage>);
    STATIC_REQUIRE_FALSE(policy::role_holds<auditor, can_write>);
    STATIC_REQUIRE_FALSE(
        policy::role_holds<owner, clearance::permission<"elsewhere">>);
}

TEST_CASE("roles_holding lists the roles that cover a requirement",
          "[policy]") {
    STATIC_REQUIRE(
        policy::roles_holding(policy::permission_mask<can_read>()).words[0] ==
        0b1111);
    STATIC_REQUIRE(
        policy::roles_holding(policy::permission_mask<can_read, can_write>())
            .words[0] == 0b0110);
    STATIC_REQUIRE(
        policy::roles_holding(policy::permission_mask<can_audit>()).words[0] ==
        0b1000);
}

TEST_CASE("roles_including finds the roles that inherit a role", "[policy]") {
    STATIC_REQUIRE(policy::roles_including<reader>().words[0] == 0b0111);
    STATIC_REQUIRE(policy::roles_including<owner>().words[0] == 0b0100);
}

TEST_CASE("names are looked up only when a principal is made", "[policy]") {
    STATIC_REQUIRE(policy::find_role("writer") == 1U);
    STATIC_REQUIRE_FALSE(policy::find_role("Writer").has_value());
    STATIC_REQUIRE_FALSE(policy::find_role("").has_value());
    STATIC_REQUIRE(policy::find_scope("api.write") == 1U);
    STATIC_REQUIRE_FALSE(policy::find_scope("api").has_value());
}

TEST_CASE("a principal's permissions are the union of its roles' masks",
          "[policy]") {
    clearance::principal who;
    who.roles.set(*policy::find_role("writer"));
    who.roles.set(*policy::find_role("auditor"));
    policy::compute_permissions(who);
    CHECK(who.permissions.words[0] == 0b10101);
    CHECK(policy::in_role<reader>(who));
    CHECK(policy::in_role<writer>(who));
    CHECK_FALSE(policy::in_role<owner>(who));

    clearance::principal nobody;
    policy::compute_permissions(nobody);
    CHECK(nobody.permissions.none());
}

TEST_CASE("masks span several words", "[policy]") {
    clearance::permission_set mask;
    mask.set(3);
    mask.set(70);
    clearance::permission_set held = mask;
    held.set(200);
    CHECK(held.contains(mask));
    CHECK_FALSE(mask.contains(held));
    constexpr auto required = [] {
        clearance::permission_set m;
        m.set(70);
        return m;
    }();
    CHECK(clearance::detail::contains_all<required>(held));
    clearance::permission_set only_low;
    only_low.set(3);
    CHECK_FALSE(clearance::detail::contains_all<required>(only_low));
    CHECK(clearance::detail::contains_any<required>(held));
    CHECK_FALSE(clearance::detail::contains_any<required>(only_low));
}
