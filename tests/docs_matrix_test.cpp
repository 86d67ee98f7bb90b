// SPDX-License-Identifier: BSL-1.0
// The documents service's access matrix and OpenAPI document, as the
// docs-service command prints them, checked against its routes.
#include "app.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace {

// Ordered, so that comparisons also check the documents' key order.
using json = nlohmann::ordered_json;
using docs_service::application;

json route(json const& matrix, std::string const& method,
           std::string const& path) {
    for (auto const& r : matrix["routes"])
        if (r["method"] == method && r["path"] == path)
            return r;
    FAIL("no route " << method << " " << path);
    return {};
}

} // namespace

TEST_CASE("the docs service's matrix follows its policy", "[docs][matrix]") {
    auto matrix = json::parse(application::matrix("json"));
    CHECK(matrix["schema"] == "clearance.access-matrix/1");
    CHECK(matrix["roles"] == json{"viewer", "editor", "admin"});
    CHECK(matrix["permissions"] ==
          json{"docs:delete", "docs:read", "docs:write", "users:manage"});
    CHECK(matrix["scopes"] == json::array({"reports:read"}));
    CHECK(matrix["routes"].size() == 12);

    // Every signed-in principal may log out, whatever its roles.
    auto logout = route(matrix, "POST", "/logout");
    CHECK(logout["public"] == false);
    CHECK(logout["permissions"] == json::array());
    CHECK(logout["access"] == json{{"viewer", "allowed"},
                                   {"editor", "allowed"},
                                   {"admin", "allowed"}});
    CHECK(route(matrix, "GET", "/files/{path...}")["access"] ==
          json{{"viewer", "allowed"},
               {"editor", "allowed"},
               {"admin", "allowed"}});

    auto health = route(matrix, "GET", "/health");
    CHECK(health["public"] == true);
    CHECK(health["hidden"] == false);
    CHECK(health["access"] == json{{"viewer", "allowed"},
                                   {"editor", "allowed"},
                                   {"admin", "allowed"}});

    // bob is a viewer: his own documents only, and never to change.
    auto read = route(matrix, "GET", "/documents/{id}");
    CHECK(read["public"] == false);
    CHECK(read["permissions"] == json{"docs:read"});
    CHECK(read["access"]["viewer"] == "owned");
    CHECK(read["access"]["editor"] == "owned");
    CHECK(route(matrix, "PUT", "/documents/{id}")["access"]["viewer"] ==
          "refused");
    CHECK(route(matrix, "POST", "/documents")["access"]["viewer"] == "refused");

    // root is an admin: the whole tenant, through the bypass.
    CHECK(read["access"]["admin"] == "owned_bypass");
    CHECK(read["ownership"] == json::parse(R"([{
        "resource": "docs_service::document",
        "rule": "docs_service::is_owner",
        "key": "id",
        "refusal": "conceal",
        "bypass": ["admin"]}])"));

    auto remove = route(matrix, "DELETE", "/documents/{id}");
    CHECK(remove["access"] == json{{"viewer", "refused"},
                                   {"editor", "refused"},
                                   {"admin", "owned"}});
    CHECK(remove["ownership"][0]["rule"] == "clearance::same_tenant");
    CHECK(remove["ownership"][0]["bypass"] == json::array());

    CHECK(route(matrix, "GET", "/admin/users")["access"] ==
          json{{"viewer", "refused"},
               {"editor", "refused"},
               {"admin", "allowed"}});
    CHECK(route(matrix, "GET", "/documents")["access"]["viewer"] == "allowed");
}

TEST_CASE("the docs service's matrix renders as Markdown", "[docs][matrix]") {
    auto markdown = application::matrix("markdown");
    CHECK(markdown.starts_with("| Route | viewer | editor | admin |\n"));
    CHECK(markdown.find("| `GET /documents/{id}` | owner or 404 | "
                        "owner or 404 | tenant (bypass) |\n") !=
          std::string::npos);
    CHECK(markdown.find("| `DELETE /documents/{id}` | 403 | 403 | "
                        "owner or 404 |\n") != std::string::npos);
    CHECK_THROWS_AS(application::matrix("yaml"), std::invalid_argument);
}

TEST_CASE("the docs service's OpenAPI document matches its matrix",
          "[docs][openapi]") {
    auto doc = json::parse(application::openapi());
    auto matrix = json::parse(application::matrix("json"));
    CHECK(doc["openapi"] == "3.1.0");
    CHECK(doc["info"]["title"] == "docs-service");

    std::size_t operations = 0;
    for (auto const& [path, item] : doc["paths"].items())
        operations += item.size();
    CHECK(operations == matrix["routes"].size());

    for (auto const& r : matrix["routes"]) {
        std::string method = r["method"];
        for (auto& c : method)
            c = static_cast<char>(c - 'A' + 'a');
        INFO(method << " " << r["path"]);
        auto const& op = doc["paths"][r["path"].get<std::string>()][method];
        REQUIRE(op.is_object());
        json roles = json::array();
        for (auto const& [role, access] : r["access"].items())
            if (access != "refused")
                roles.push_back(role);
        CHECK(op["x-clearance-roles"] == roles);
        CHECK(op["x-clearance-permissions"] == r["permissions"]);
        if (r["public"] == true || r["path"] == "/internal/metrics")
            CHECK(op["security"] == json::array());
        else
            CHECK(op["security"] ==
                  json::array({{{"bearerAuth", r["scopes"]}}}));
    }

    auto const& get_document = doc["paths"]["/documents/{id}"]["get"];
    CHECK(get_document["operationId"] == "getDocumentsById");
    CHECK(get_document["parameters"] == json::parse(R"([{
        "name": "id", "in": "path", "required": true,
        "schema": {"type": "integer", "format": "int64"}}])"));
    CHECK(get_document["x-clearance-roles"] ==
          json{"viewer", "editor", "admin"});
    CHECK(doc["paths"]["/admin/users"]["get"]["x-clearance-roles"] ==
          json{"admin"});
    CHECK(doc["paths"]["/health"]["get"]["responses"].size() == 2);
}
