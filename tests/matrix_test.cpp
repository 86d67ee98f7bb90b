// SPDX-License-Identifier: BSL-1.0
#include <clearance/matrix.hpp>

#include "test_policy.hpp"

#include <clearance/authentication.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>

// Resources live in a named namespace: the matrix names them as the
// compiler spells them, and both compilers spell these alike.
namespace matrix_test {

struct record {
    long id;
    std::string owner;
    std::string tenant;
};

struct note {
    long id;
    std::string author;
};

struct owns {
    bool operator()(clearance::principal const& who, record const& r) const {
        return r.owner == who.subject;
    }
};

struct wrote {
    bool operator()(clearance::principal const& who, note const& n) const {
        return n.author == who.subject;
    }
};

// No route of these tests is ever called: an authenticator that
// refuses everyone is enough.
struct nobody {
    clearance::authentication authenticate(clearance::request const&) const {
        return clearance::authentication::none();
    }
};

clearance::response ok() {
    return clearance::response{};
}

} // namespace matrix_test

template <>
struct clearance::resource_traits<matrix_test::record> {
    using key_type = long;
};

template <>
struct clearance::resource_traits<matrix_test::note> {
    using key_type = long;
};

// Outside an anonymous namespace: the makers are only used in decltype,
// and a compiler may warn about an internal function never emitted.
namespace matrix_test {

using namespace test_policy;

std::optional<record> find_record(long, clearance::request_context const&) {
    return std::nullopt;
}

std::optional<note> find_note(long, clearance::request_context const&) {
    return std::nullopt;
}

auto make_small_service() {
    using namespace clearance;
    return make_service<test_policy::policy>(
        service_options{}, nobody{},
        loaders(load<record>(find_record), load<note>(find_note)),
        get<"/open">([](public_route) { return ok(); }),
        get<"/me">([](authenticated) { return ok(); }),
        get<"/records/{id}">(
            [](granted<can_read>, owned<record, owns, bypass<owner>>) {
                return ok();
            }),
        put<"/records/{id}">([](granted<can_write>,
                                owned<record, owns, reveal>) { return ok(); }),
        delete_<"/records/{id}">(
            [](granted<can_remove>, owned<record, same_tenant>) {
                return ok();
            }),
        get<"/items/{name}/parts/{n}">(
            [](granted<can_read>, path<"name">, path<"n", unsigned>) {
                return ok();
            }),
        get<"/reports">(
            [](scoped<read_scope>, granted<can_audit>) { return ok(); }),
        // Two owned resources: the writer bypasses one rule only.
        get<"/pairs/{a}/{b}">(
            [](granted<can_read>, owned<record, owns, key<"a">, bypass<writer>>,
               owned<note, wrote, reveal, key<"b">>) { return ok(); }),
        // Hidden: refused with the 404 of an unknown path.
        delete_<"/admin/{id}">([](hidden, granted<can_manage>,
                                  path<"id", long>) { return ok(); }));
}

using small_service = decltype(make_small_service());

// A policy whose names need escaping in JSON and in Markdown.
using odd_permission = clearance::permission<"p|ipe*">;
using odd_scope = clearance::scope<"s\\cope">;
struct odd_role
    : clearance::role<"qu\"ote\x01\xff", clearance::grants<odd_permission>> {};
using odd_policy =
    clearance::policy<clearance::roles<odd_role>, clearance::scopes<odd_scope>>;

auto make_odd_service() {
    using namespace clearance;
    return make_service<odd_policy>(
        service_options{}, nobody{}, loaders(),
        get<"/we`ird|path">(
            [](granted<odd_permission>, scoped<odd_scope>) { return ok(); }));
}

using odd_service = decltype(make_odd_service());

} // namespace matrix_test

namespace {

using namespace test_policy;
using namespace matrix_test;

constexpr auto matrix = clearance::access_matrix<small_service>();

} // namespace

TEST_CASE("the matrix has a row per route and a column per role", "[matrix]") {
    STATIC_REQUIRE(matrix.route_count == 9);
    STATIC_REQUIRE(matrix.role_count == 4);
    STATIC_REQUIRE(matrix.roles[0] == "reader");
    STATIC_REQUIRE(matrix.roles[3] == "auditor");
    STATIC_REQUIRE(matrix.permissions.size() == 5);
    STATIC_REQUIRE(matrix.scopes.size() == 2);
    STATIC_REQUIRE(matrix.routes[2].method_name == "GET");
    STATIC_REQUIRE(matrix.routes[2].path_template == "/records/{id}");
    STATIC_REQUIRE(
        matrix.find_route(clearance::method::delete_, "/records/{id}") == 4U);
    STATIC_REQUIRE(matrix.find_role("owner") == 2U);
    STATIC_REQUIRE_FALSE(matrix.find_role("nobody"));
    STATIC_REQUIRE_FALSE(
        matrix.access_of(clearance::method::post, "/records/{id}", "reader"));
}

TEST_CASE("every cell of the matrix", "[matrix]") {
    using clearance::access_cell;
    using k = clearance::access_kind;
    using a = clearance::refusal_answer;
    constexpr access_cell allowed{k::allowed, a::none};
    constexpr access_cell refused{k::refused, a::reveal};
    constexpr access_cell hidden{k::refused, a::conceal};
    constexpr access_cell concealed{k::owned, a::conceal};
    constexpr access_cell revealed{k::owned, a::reveal};
    constexpr access_cell either{k::owned, a::conceal_or_reveal};
    constexpr access_cell bypass{k::owned_bypass, a::conceal};

    // Columns: reader, writer, owner, auditor.
    constexpr std::array<std::array<access_cell, 4>, 9> expected{{
        {allowed, allowed, allowed, allowed},      // GET /open
        {allowed, allowed, allowed, allowed},      // GET /me
        {concealed, concealed, bypass, concealed}, // GET /records/{id}
        {refused, revealed, revealed, refused},    // PUT /records/{id}
        {refused, refused, concealed, refused},    // DELETE /records/{id}
        {allowed, allowed, allowed, allowed},      // GET /items/...
        {refused, refused, refused, allowed},      // GET /reports
        {either, revealed, revealed, either},      // GET /pairs/{a}/{b}
        {hidden, hidden, allowed, hidden},         // DELETE /admin/{id}
    }};
    STATIC_REQUIRE(matrix.cell(2, 2) == bypass);
    STATIC_REQUIRE(matrix.access_of(clearance::method::put, "/records/{id}",
                                    "reader") == k::refused);
    for (std::size_t route = 0; route < matrix.route_count; ++route)
        for (std::size_t role = 0; role < matrix.role_count; ++role) {
            INFO(matrix.routes[route].path_template << " "
                                                    << matrix.roles[role]);
            CHECK(matrix.cell(route, role) == expected[route][role]);
        }
}

TEST_CASE("the matrix names each route's requirements", "[matrix]") {
    constexpr auto const& pairs = matrix.routes[7];
    STATIC_REQUIRE_FALSE(pairs.is_public);
    STATIC_REQUIRE(pairs.permissions.size() == 1);
    STATIC_REQUIRE(pairs.permissions[0] == "read");
    STATIC_REQUIRE(pairs.ownerships.size() == 2);
    STATIC_REQUIRE(pairs.ownerships[0].resource == "matrix_test::record");
    STATIC_REQUIRE(pairs.ownerships[0].rule == "matrix_test::owns");
    STATIC_REQUIRE(pairs.ownerships[0].key == "a");
    STATIC_REQUIRE(pairs.ownerships[0].refusal ==
                   clearance::refusal_answer::conceal);
    // Bypassing the writer role lets the roles inheriting it bypass too.
    STATIC_REQUIRE(pairs.ownerships[0].bypass.size() == 2);
    STATIC_REQUIRE(pairs.ownerships[0].bypass[0] == "writer");
    STATIC_REQUIRE(pairs.ownerships[0].bypass[1] == "owner");
    STATIC_REQUIRE(pairs.ownerships[1].key == "b");
    STATIC_REQUIRE(pairs.ownerships[1].refusal ==
                   clearance::refusal_answer::reveal);
    STATIC_REQUIRE(pairs.ownerships[1].bypass.empty());

    constexpr auto const& reports = matrix.routes[6];
    STATIC_REQUIRE(reports.scopes.size() == 1);
    STATIC_REQUIRE(reports.scopes[0] == "api.read");
    STATIC_REQUIRE(reports.permissions[0] == "audit");
    STATIC_REQUIRE(reports.ownerships.empty());
    STATIC_REQUIRE(matrix.routes[0].is_public);
    STATIC_REQUIRE_FALSE(matrix.routes[0].is_hidden);
    STATIC_REQUIRE(matrix.routes[8].is_hidden);
    STATIC_REQUIRE(matrix.routes[0].permissions.empty());

    auto callers = matrix.callers(3);
    CHECK_FALSE(callers.test(0));
    CHECK(callers.test(1));
    CHECK(callers.test(2));
    CHECK_FALSE(callers.test(3));
}

TEST_CASE("the matrix as Markdown", "[matrix]") {
    CHECK(clearance::matrix_markdown<small_service>() ==
          R"(| Route | reader | writer | owner | auditor |
| --- | --- | --- | --- | --- |
| `GET /open` | allowed | allowed | allowed | allowed |
| `GET /me` | allowed | allowed | allowed | allowed |
| `GET /records/{id}` | owner or 404 | owner or 404 | tenant (bypass) | owner or 404 |
| `PUT /records/{id}` | 403 | owner or 403 | owner or 403 | 403 |
| `DELETE /records/{id}` | 403 | 403 | owner or 404 | 403 |
| `GET /items/{name}/parts/{n}` | allowed | allowed | allowed | allowed |
| `GET /reports` | 403 | 403 | 403 | allowed |
| `GET /pairs/{a}/{b}` | owner or 404/403 | owner or 403 | owner or 403 | owner or 404/403 |
| `DELETE /admin/{id}` | 404 (hidden) | 404 (hidden) | allowed | 404 (hidden) |

Each cell says what a principal holding only that role gets from the
route, before any record is read:

- allowed: the route is public, or the role's permissions cover the
  route's and no ownership rule applies.
- 403: the role lacks a permission the route requires.
- 404 (hidden): the role lacks a permission the route requires, and the
  route is hidden: it is answered like an unknown path.
- owner or 404, owner or 403: the permissions suffice and the route's
  ownership rule, named below, decides for each record; a record the
  rule refuses is answered 404 (concealed: identical to a missing
  record) or 403 (revealed).
- tenant (bypass): the role bypasses every ownership rule of the route,
  within its own tenant.

A record that belongs to another tenant is always answered 404,
whatever the role. Scopes are carried by tokens, not roles: a token
without a scope the route requires gets 403 whatever its roles.

| Route | Public | Permissions | Scopes | Ownership |
| --- | --- | --- | --- | --- |
| `GET /open` | yes | none | none | none |
| `GET /me` | no | none | none | none |
| `GET /records/{id}` | no | `read` | none | `matrix_test::record` from `{id}`, rule `matrix_test::owns`, refused 404, bypassed by owner |
| `PUT /records/{id}` | no | `write` | none | `matrix_test::record` from `{id}`, rule `matrix_test::owns`, refused 403 |
| `DELETE /records/{id}` | no | `remove` | none | `matrix_test::record` from `{id}`, rule `clearance::same_tenant`, refused 404 |
| `GET /items/{name}/parts/{n}` | no | `read` | none | none |
| `GET /reports` | no | `audit` | `api.read` | none |
| `GET /pairs/{a}/{b}` | no | `read` | none | `matrix_test::record` from `{a}`, rule `matrix_test::owns`, refused 404, bypassed by writer, owner; `matrix_test::note` from `{b}`, rule `matrix_test::wrote`, refused 403 |
| `DELETE /admin/{id}` | no (hidden) | `manage` | none | none |
)");
}

TEST_CASE("the matrix as JSON", "[matrix]") {
    CHECK(clearance::matrix_json<small_service>() ==
          R"({
  "schema": "clearance.access-matrix/1",
  "roles": ["reader", "writer", "owner", "auditor"],
  "permissions": ["audit", "manage", "read", "remove", "write"],
  "scopes": ["api.read", "api.write"],
  "routes": [
    {
      "method": "GET",
      "path": "/open",
      "public": true,
      "hidden": false,
      "permissions": [],
      "scopes": [],
      "ownership": [],
      "access": {
        "reader": "allowed",
        "writer": "allowed",
        "owner": "allowed",
        "auditor": "allowed"
      }
    },
    {
      "method": "GET",
      "path": "/me",
      "public": false,
      "hidden": false,
      "permissions": [],
      "scopes": [],
      "ownership": [],
      "access": {
        "reader": "allowed",
        "writer": "allowed",
        "owner": "allowed",
        "auditor": "allowed"
      }
    },
    {
      "method": "GET",
      "path": "/records/{id}",
      "public": false,
      "hidden": false,
      "permissions": ["read"],
      "scopes": [],
      "ownership": [
        {
          "resource": "matrix_test::record",
          "rule": "matrix_test::owns",
          "key": "id",
          "refusal": "conceal",
          "bypass": ["owner"]
        }
      ],
      "access": {
        "reader": "owned",
        "writer": "owned",
        "owner": "owned_bypass",
        "auditor": "owned"
      }
    },
    {
      "method": "PUT",
      "path": "/records/{id}",
      "public": false,
      "hidden": false,
      "permissions": ["write"],
      "scopes": [],
      "ownership": [
        {
          "resource": "matrix_test::record",
          "rule": "matrix_test::owns",
          "key": "id",
          "refusal": "reveal",
          "bypass": []
        }
      ],
      "access": {
        "reader": "refused",
        "writer": "owned",
        "owner": "owned",
        "auditor": "refused"
      }
    },
    {
      "method": "DELETE",
      "path": "/records/{id}",
      "public": false,
      "hidden": false,
      "permissions": ["remove"],
      "scopes": [],
      "ownership": [
        {
          "resource": "matrix_test::record",
          "rule": "clearance::same_tenant",
          "key": "id",
          "refusal": "conceal",
          "bypass": []
        }
      ],
      "access": {
        "reader": "refused",
        "writer": "refused",
        "owner": "owned",
        "auditor": "refused"
      }
    },
    {
      "method": "GET",
      "path": "/items/{name}/parts/{n}",
      "public": false,
      "hidden": false,
      "permissions": ["read"],
      "scopes": [],
      "ownership": [],
      "access": {
        "reader": "allowed",
        "writer": "allowed",
        "owner": "allowed",
        "auditor": "allowed"
      }
    },
    {
      "method": "GET",
      "path": "/reports",
      "public": false,
      "hidden": false,
      "permissions": ["audit"],
      "scopes": ["api.read"],
      "ownership": [],
      "access": {
        "reader": "refused",
        "writer": "refused",
        "owner": "refused",
        "auditor": "allowed"
      }
    },
    {
      "method": "GET",
      "path": "/pairs/{a}/{b}",
      "public": false,
      "hidden": false,
      "permissions": ["read"],
      "scopes": [],
      "ownership": [
        {
          "resource": "matrix_test::record",
          "rule": "matrix_test::owns",
          "key": "a",
          "refusal": "conceal",
          "bypass": ["writer", "owner"]
        },
        {
          "resource": "matrix_test::note",
          "rule": "matrix_test::wrote",
          "key": "b",
          "refusal": "reveal",
          "bypass": []
        }
      ],
      "access": {
        "reader": "owned",
        "writer": "owned",
        "owner": "owned",
        "auditor": "owned"
      }
    },
    {
      "method": "DELETE",
      "path": "/admin/{id}",
      "public": false,
      "hidden": true,
      "permissions": ["manage"],
      "scopes": [],
      "ownership": [],
      "access": {
        "reader": "refused",
        "writer": "refused",
        "owner": "allowed",
        "auditor": "refused"
      }
    }
  ]
}
)");
}

TEST_CASE("names are escaped in JSON and in Markdown", "[matrix]") {
    CHECK(clearance::matrix_json<odd_service>() ==
          R"({
  "schema": "clearance.access-matrix/1",
  "roles": ["qu\"ote\u0001\ufffd"],
  "permissions": ["p|ipe*"],
  "scopes": ["s\\cope"],
  "routes": [
    {
      "method": "GET",
      "path": "/we`ird|path",
      "public": false,
      "hidden": false,
      "permissions": ["p|ipe*"],
      "scopes": ["s\\cope"],
      "ownership": [],
      "access": {
        "qu\"ote\u0001\ufffd": "allowed"
      }
    }
  ]
}
)");
    auto markdown = clearance::matrix_markdown<odd_service>();
    auto first_line = markdown.substr(0, markdown.find('\n'));
    CHECK(first_line == "| Route | qu\"ote \xEF\xBF\xBD |");
    CHECK(markdown.find("| ``GET /we`ird\\|path`` | no | `p\\|ipe*` | "
                        "`s\\cope` | none |\n") != std::string::npos);
}
