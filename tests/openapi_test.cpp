// SPDX-License-Identifier: BSL-1.0
#include <clearance/openapi.hpp>

#include "test_policy.hpp"

#include <clearance/authentication.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>

namespace openapi_test {

struct record {
    std::string owner;
};

struct owns {
    bool operator()(clearance::principal const& who, record const& r) const {
        return r.owner == who.subject;
    }
};

// The document is written from types alone: no route is ever called.
struct nobody {
    clearance::authentication authenticate(clearance::request const&) const {
        return clearance::authentication::none();
    }
};

clearance::response ok() {
    return clearance::response{};
}

} // namespace openapi_test

template <>
struct clearance::resource_traits<openapi_test::record> {
    using key_type = std::uint64_t;
};

// Outside an anonymous namespace: the maker is only used in decltype,
// and a compiler may warn about an internal function never emitted.
namespace openapi_test {

using namespace test_policy;

std::optional<record> find_record(std::uint64_t,
                                  clearance::request_context const&) {
    return std::nullopt;
}

auto make_service() {
    using namespace clearance;
    return clearance::make_service<test_policy::policy>(
        service_options{}, nobody{}, loaders(load<record>(find_record)),
        get<"/">([](public_route) { return ok(); }),
        get<"/records/{id}">(
            [](granted<can_read>, owned<record, owns, bypass<owner>>) {
                return ok();
            }),
        put<"/records/{id}">([](granted<can_write>,
                                owned<record, owns, reveal>) { return ok(); }),
        get<"/me">([](authenticated) { return ok(); }),
        get<"/shelves/{shelf}/items/{n}/{small}">(
            [](public_route, path<"shelf">, path<"n", unsigned>,
               path<"small", std::int16_t>) { return ok(); }),
        post<"/reports">([](scoped<read_scope, write_scope>,
                            granted<can_audit>) { return ok(); }),
        // Two templates whose derived ids collide.
        get<"/a-b">([](authenticated) { return ok(); }),
        get<"/a_b">([](authenticated) { return ok(); }),
        delete_<"/records/{id}">(
            [](granted<can_remove>, owned<record, same_tenant>) {
                return ok();
            }),
        // Hidden: no 401 or 403 for those who may not call them.
        get<"/admin/{id}">(
            [](hidden, granted<can_manage>, path<"id", long>) { return ok(); }),
        put<"/admin/records/{id}">(
            [](hidden, granted<can_manage>, owned<record, owns, reveal>) {
                return ok();
            }));
}

using service_type = decltype(make_service());

} // namespace openapi_test

namespace {

using namespace test_policy;
using namespace openapi_test;
using json = nlohmann::json;

clearance::openapi_info const info{"Records", "2.1.0", "Records \"and\" more",
                                   "https://api.example.com"};

json document() {
    return json::parse(clearance::openapi_json<service_type>(info));
}

std::string lower(std::string_view text) {
    std::string out;
    for (char c : text)
        out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return out;
}

// The names of the "{name}" segments of a template, in order.
std::vector<std::string> template_parameters(std::string_view t) {
    std::vector<std::string> names;
    for (std::size_t open = t.find('{'); open != std::string_view::npos;
         open = t.find('{', open + 1))
        names.emplace_back(t.substr(open + 1, t.find('}', open) - open - 1));
    return names;
}

} // namespace

TEST_CASE("the document is OpenAPI 3.1.0 with the service's info",
          "[openapi]") {
    auto doc = document();
    CHECK(doc["openapi"] == "3.1.0");
    CHECK(doc["info"] == json{{"title", "Records"},
                              {"version", "2.1.0"},
                              {"description", "Records \"and\" more"}});
    CHECK(doc["servers"] ==
          json::parse(R"([{"url":"https://api.example.com"}])"));
    CHECK(
        doc["components"]["securitySchemes"]["bearerAuth"] ==
        json{{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}});

    auto const& error = doc["components"]["schemas"]["Error"];
    CHECK(error["type"] == "object");
    CHECK(error["required"] == json{"error", "message"});
    CHECK(error["properties"]["message"]["type"] == "string");
    CHECK(error["properties"]["error"]["enum"].size() == 8);
    for (auto name : {"BadRequest", "Unauthorized", "Forbidden", "NotFound",
                      "MethodNotAllowed"}) {
        INFO(name);
        auto const& response = doc["components"]["responses"][name];
        CHECK(response["content"]["application/json"]["schema"]["$ref"] ==
              "#/components/schemas/Error");
        CHECK(response["description"].is_string());
    }
    CHECK(doc["components"]["responses"]["Unauthorized"]["headers"].contains(
        "WWW-Authenticate"));
    CHECK(
        doc["components"]["responses"]["MethodNotAllowed"]["headers"].contains(
            "Allow"));

    // Without the optional fields, neither appears.
    auto bare = json::parse(
        clearance::openapi_json<service_type>({"Records", "1", {}, {}}));
    CHECK(bare["info"] == json{{"title", "Records"}, {"version", "1"}});
    CHECK_FALSE(bare.contains("servers"));
}

TEST_CASE("every route is an operation that matches the matrix", "[openapi]") {
    constexpr auto matrix = clearance::access_matrix<service_type>();
    auto doc = document();
    std::size_t operations = 0;
    for (auto const& [path, item] : doc["paths"].items())
        operations += item.size();
    CHECK(operations == matrix.route_count);

    std::set<std::string> ids;
    for (std::size_t i = 0; i < matrix.route_count; ++i) {
        auto const& route = matrix.routes[i];
        INFO(route.method_name << " " << route.path_template);
        std::string path{route.path_template};
        auto method = lower(route.method_name);
        REQUIRE(doc["paths"].contains(path));
        REQUIRE(doc["paths"][path].contains(method));
        auto const& op = doc["paths"][path][method];

        ids.insert(op["operationId"].get<std::string>());

        auto expected_names = template_parameters(path);
        std::vector<std::string> names;
        if (op.contains("parameters"))
            for (auto const& p : op["parameters"]) {
                names.push_back(p["name"]);
                CHECK(p["in"] == "path");
                CHECK(p["required"] == true);
            }
        CHECK(names == expected_names);

        json scopes = json::array();
        for (auto s : route.scopes)
            scopes.push_back(s);
        if (route.is_public)
            CHECK(op["security"] == json::array());
        else
            CHECK(op["security"] == json::array({{{"bearerAuth", scopes}}}));

        auto const& responses = op["responses"];
        CHECK(responses["200"]["description"] == "Success");
        CHECK(responses["404"]["$ref"] == "#/components/responses/NotFound");
        bool guarded = !route.is_public && !route.is_hidden;
        CHECK(responses.contains("400") ==
              (!expected_names.empty() || guarded));
        CHECK(responses.contains("401") == guarded);
        CHECK(op.contains("x-clearance-hidden") == route.is_hidden);
        CHECK_FALSE(responses.contains("405"));

        json permissions = json::array();
        for (auto p : route.permissions)
            permissions.push_back(p);
        CHECK(op["x-clearance-permissions"] == permissions);

        json roles = json::array();
        for (std::size_t r = 0; r < matrix.role_count; ++r)
            if (matrix.callers(i).test(r))
                roles.push_back(matrix.roles[r]);
        CHECK(op["x-clearance-roles"] == roles);
    }
    CHECK(ids.size() == matrix.route_count);
}

TEST_CASE("operations say exactly which refusals they can answer",
          "[openapi]") {
    auto doc = document();
    auto codes = [&](std::string const& path, std::string const& method) {
        std::vector<std::string> out;
        for (auto const& [code, response] :
             doc["paths"][path][method]["responses"].items())
            out.push_back(code);
        return out;
    };
    using codes_t = std::vector<std::string>;
    CHECK(codes("/", "get") == codes_t{"200", "404"});
    CHECK(codes("/me", "get") == codes_t{"200", "400", "401", "404"});
    CHECK(codes("/records/{id}", "get") ==
          codes_t{"200", "400", "401", "403", "404"});
    CHECK(codes("/shelves/{shelf}/items/{n}/{small}", "get") ==
          codes_t{"200", "400", "404"});
    CHECK(codes("/reports", "post") ==
          codes_t{"200", "400", "401", "403", "404"});
    CHECK(codes("/admin/{id}", "get") == codes_t{"200", "400", "404"});
    // A caller who sees the hidden route can still be refused a record.
    CHECK(codes("/admin/records/{id}", "put") ==
          codes_t{"200", "400", "403", "404"});
}

TEST_CASE("hidden routes are marked, and can be left out", "[openapi]") {
    auto doc = document();
    auto const& admin = doc["paths"]["/admin/{id}"]["get"];
    CHECK(admin["x-clearance-hidden"] == true);
    CHECK(admin["x-clearance-roles"] == json{"owner"});
    CHECK(admin["security"] == json::parse(R"([{"bearerAuth": []}])"));

    clearance::openapi_info published = info;
    published.include_hidden = false;
    auto text = clearance::openapi_json<service_type>(published);
    auto without = json::parse(text);
    CHECK_FALSE(without["paths"].contains("/admin/{id}"));
    CHECK_FALSE(without["paths"].contains("/admin/records/{id}"));
    CHECK(text.find("admin") == std::string::npos);
    CHECK(without["paths"].size() + 2 == doc["paths"].size());
    // The other operations keep their ids.
    CHECK(without["paths"]["/a_b"]["get"]["operationId"] == "getAB2");
}

TEST_CASE("path parameters have the schema of their type", "[openapi]") {
    auto doc = document();
    auto const& shelves =
        doc["paths"]["/shelves/{shelf}/items/{n}/{small}"]["get"];
    CHECK(shelves["parameters"][0]["schema"] == json{{"type", "string"}});
    CHECK(shelves["parameters"][1]["schema"] ==
          json::parse(R"({"type": "integer", "format": "int64",
                          "minimum": 0, "maximum": 4294967295})"));
    CHECK(shelves["parameters"][2]["schema"] ==
          json::parse(R"({"type": "integer", "format": "int32",
                          "minimum": -32768, "maximum": 32767})"));
    // No OpenAPI format holds every unsigned 64-bit key.
    CHECK(doc["paths"]["/records/{id}"]["get"]["parameters"][0]["schema"] ==
          json::parse(R"({"type": "integer", "minimum": 0,
                          "maximum": 18446744073709551615})"));
}

TEST_CASE("operation ids are derived from method and path, and unique",
          "[openapi]") {
    auto doc = document();
    auto id = [&](char const* path, char const* method) {
        return doc["paths"][path][method]["operationId"].get<std::string>();
    };
    CHECK(id("/", "get") == "getRoot");
    CHECK(id("/records/{id}", "get") == "getRecordsById");
    CHECK(id("/records/{id}", "put") == "putRecordsById");
    CHECK(id("/records/{id}", "delete") == "deleteRecordsById");
    CHECK(id("/shelves/{shelf}/items/{n}/{small}", "get") ==
          "getShelvesByShelfItemsByNBySmall");
    CHECK(id("/a-b", "get") == "getAB");
    CHECK(id("/a_b", "get") == "getAB2");
}

TEST_CASE("paths keep the order of their first route", "[openapi]") {
    auto text = clearance::openapi_json<service_type>(info);
    auto at = [&](std::string_view key) {
        return text.find(key);
    };
    CHECK(at("\"/\": {") < at("\"/records/{id}\": {"));
    CHECK(at("\"/records/{id}\": {") < at("\"/me\": {"));
    // The DELETE route comes last but joins its path's item.
    CHECK(text.find("\"/records/{id}\": {", at("\"/me\": {")) ==
          std::string::npos);
    CHECK(at("\"get\"") < at("\"put\""));
    CHECK(at("\"put\"") < at("\"delete\""));
    CHECK(at("\"delete\"") < at("\"/me\""));
}

TEST_CASE("the document is byte-stable", "[openapi]") {
    auto text = clearance::openapi_json<service_type>(info);
    CHECK(text == clearance::openapi_json<service_type>(info));
    CHECK(text.back() == '\n');
    CHECK(text.starts_with("{\n  \"openapi\": \"3.1.0\",\n  \"info\": {\n"
                           "    \"title\": \"Records\",\n"));
    CHECK(text.find("\"x-clearance-roles\": [\"reader\", \"writer\", "
                    "\"owner\", \"auditor\"]") != std::string::npos);
}
