// SPDX-License-Identifier: BSL-1.0
#pragma once

// An OpenAPI 3.1.0 description of a service, written from the same
// compile-time facts the guards use, so the document cannot drift from
// what the service enforces: every route, its typed path parameters,
// its bearer security and scopes, the refusals it can answer, and the
// roles that can call it (from the access matrix).
//
//   std::string document = clearance::openapi_json<service_type>(
//       {.title = "docs-service", .version = "1.0.0"});
//
// Conventions of the document:
//
// - Each operation answers "200" for success: the library does not
//   know which status a handler chooses.
// - Refusals refer to shared responses in `components.responses`, all
//   with the `Error` schema body: 400 when the operation has path
//   parameters or is guarded (a malformed Authorization header is a
//   400), 401 and 403 on guarded operations (403 only when the route
//   requires permissions or scopes or reveals an ownership refusal),
//   404 on every operation (unknown record or concealed refusal).
// - A hidden route answers 404 instead of 401 and 403 to those who may
//   not call it, so it lists neither (but 403 if it reveals an
//   ownership refusal), and is marked `x-clearance-hidden: true`.
//   Leave hidden routes out of a document published to the clients
//   they are hidden from with `openapi_info::include_hidden`.
// - 405 is not per operation: it answers a method no route of a path
//   serves. It is described once, as `components.responses.
//   MethodNotAllowed`, and referred to by no operation.
// - HEAD, served by every GET route through the same guard, is not
//   listed separately.
// - `x-clearance-permissions` lists the permissions an operation
//   requires; `x-clearance-roles` the roles whose cell in the access
//   matrix is not "refused".

#include <clearance/detail/ascii.hpp>
#include <clearance/matrix.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace clearance {

/// What an OpenAPI document says about the API as a whole.
struct openapi_info {
    /// `info.title`.
    std::string title;
    /// `info.version`: the version of the API, not of OpenAPI.
    std::string version;
    // Every field below has an initializer, so that designated
    // initializers may leave it out without a warning.

    /// `info.description`, if any.
    std::optional<std::string> description = std::nullopt;
    /// The URL of `servers[0]`, if any.
    std::optional<std::string> server_url = std::nullopt;
    /// Whether hidden routes are listed. A document listing them tells
    /// its readers that they exist.
    bool include_hidden = true;
};

namespace detail {

constexpr bool is_ascii_alnum(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

constexpr char ascii_upper(char c) noexcept {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

// Appends the words of `text` (runs of ASCII letters and digits) in
// camel case: "admin-users" gives "AdminUsers".
inline void append_words(std::string& out, std::string_view text) {
    bool start = true;
    for (char c : text) {
        if (!is_ascii_alnum(c)) {
            start = true;
            continue;
        }
        out += start ? ascii_upper(c) : c;
        start = false;
    }
}

// The operation id of a route: the method in lower case, then each
// literal segment's words, and "By" and the name of each parameter:
// "GET /documents/{id}" gives "getDocumentsById", "GET /" "getRoot".
inline std::string operation_id(std::string_view method_name,
                                std::string_view path_template) {
    std::string id;
    for (char c : method_name)
        id += to_lower_ascii(c);
    std::size_t base = id.size();
    std::size_t start = 1;
    while (start <= path_template.size()) {
        auto slash = path_template.find('/', start);
        if (slash == std::string_view::npos)
            slash = path_template.size();
        auto segment = path_template.substr(start, slash - start);
        if (segment.size() >= 2 && segment.front() == '{') {
            id += "By";
            append_words(id, segment.substr(1, segment.size() - 2));
        } else {
            append_words(id, segment);
        }
        start = slash + 1;
    }
    if (id.size() == base)
        id += "Root";
    return id;
}

// Operation ids for every route, in route order. Two templates that
// differ only in punctuation would give one id; the later route gets
// the first free suffix "2", "3", ..., so ids depend on route order
// only and stay stable while routes are added at the end.
template <std::size_t RouteCount, std::size_t RoleCount>
std::vector<std::string>
operation_ids(access_table<RouteCount, RoleCount> const& matrix) {
    std::vector<std::string> ids;
    auto taken = [&](std::string const& id) {
        for (auto const& other : ids)
            if (other == id)
                return true;
        return false;
    };
    for (auto const& route : matrix.routes) {
        auto id = operation_id(route.method_name, route.path_template);
        if (taken(id)) {
            std::size_t n = 2;
            while (taken(id + std::to_string(n)))
                ++n;
            id += std::to_string(n);
        }
        ids.push_back(std::move(id));
    }
    return ids;
}

// The schema of an integer path parameter: the narrowest format that
// holds every value of the type (none holds an unsigned 64-bit one),
// and bounds where the type is narrower than that format.
inline void write_integer_schema(json_writer& w,
                                 path_parameter_description const& p) {
    w.key("type");
    w.string("integer");
    bool int32 = p.is_signed ? p.bits <= 32 : p.bits < 32;
    bool int64 = !int32 && (p.is_signed || p.bits < 64);
    if (int32 || int64) {
        w.key("format");
        w.string(int32 ? "int32" : "int64");
    }
    if (p.is_signed) {
        if (p.bits < 32) {
            long long half = 1LL << (p.bits - 1);
            w.key("minimum");
            w.integer(-half);
            w.key("maximum");
            w.integer(half - 1);
        }
        return;
    }
    w.key("minimum");
    w.integer(0);
    w.key("maximum");
    w.unsigned_integer(p.bits >= 64 ? ~0ULL : (1ULL << p.bits) - 1);
}

inline void write_parameter(json_writer& w,
                            path_parameter_description const& p) {
    w.begin_object();
    w.key("name");
    w.string(p.name);
    w.key("in");
    w.string("path");
    w.key("required");
    w.boolean(true);
    w.key("schema");
    w.begin_object();
    if (p.type == "integer") {
        write_integer_schema(w, p);
    } else {
        w.key("type");
        w.string("string");
    }
    w.end_object();
    w.end_object();
}

inline void write_reference(json_writer& w, std::string_view status,
                            std::string_view name) {
    w.key(status);
    w.begin_object();
    w.key("$ref");
    w.string("#/components/responses/" + std::string(name));
    w.end_object();
}

// A refusal response of `components.responses`: its description, the
// headers it carries, and the `Error` body.
inline void write_refusal(json_writer& w, std::string_view name,
                          std::string_view description,
                          std::string_view header = {},
                          std::string_view header_description = {}) {
    w.key(name);
    w.begin_object();
    w.key("description");
    w.string(description);
    if (!header.empty()) {
        w.key("headers");
        w.begin_object();
        w.key(header);
        w.begin_object();
        w.key("description");
        w.string(header_description);
        w.key("schema");
        w.begin_object();
        w.key("type");
        w.string("string");
        w.end_object();
        w.end_object();
        w.end_object();
    }
    w.key("content");
    w.begin_object();
    w.key("application/json");
    w.begin_object();
    w.key("schema");
    w.begin_object();
    w.key("$ref");
    w.string("#/components/schemas/Error");
    w.end_object();
    w.end_object();
    w.end_object();
    w.end_object();
}

inline void write_components(json_writer& w) {
    w.key("components");
    w.begin_object();

    w.key("schemas");
    w.begin_object();
    w.key("Error");
    w.begin_object();
    w.key("type");
    w.string("object");
    w.key("required");
    w.strings(std::array<std::string_view, 2>{"error", "message"});
    w.key("properties");
    w.begin_object();
    w.key("error");
    w.begin_object();
    w.key("type");
    w.string("string");
    w.key("enum");
    w.strings(std::array<std::string_view, 8>{
        "bad_request", "unauthorized", "forbidden", "not_found",
        "method_not_allowed", "payload_too_large", "header_too_large",
        "internal_error"});
    w.end_object();
    w.key("message");
    w.begin_object();
    w.key("type");
    w.string("string");
    w.end_object();
    w.end_object();
    w.end_object();
    w.end_object();

    w.key("responses");
    w.begin_object();
    write_refusal(w, "BadRequest",
                  "A path parameter does not convert to its type, or the "
                  "Authorization header is malformed.");
    write_refusal(w, "Unauthorized",
                  "No credentials, or credentials that were refused.",
                  "WWW-Authenticate", "A Bearer challenge (RFC 6750).");
    write_refusal(w, "Forbidden",
                  "The principal lacks a permission or scope the "
                  "operation requires, or an ownership rule that reveals "
                  "its refusals refused the record.");
    write_refusal(w, "NotFound",
                  "No such record, or one the principal may not see: the "
                  "two are answered identically.");
    write_refusal(w, "MethodNotAllowed",
                  "The path exists but no route serves the method. Not "
                  "listed per operation.",
                  "Allow", "The methods the path serves.");
    w.end_object();

    w.key("securitySchemes");
    w.begin_object();
    w.key("bearerAuth");
    w.begin_object();
    w.key("type");
    w.string("http");
    w.key("scheme");
    w.string("bearer");
    w.key("bearerFormat");
    w.string("JWT");
    w.end_object();
    w.end_object();

    w.end_object();
}

template <std::size_t RoleCount>
bool reveals_refusal(matrix_route<RoleCount> const& route) {
    for (auto const& o : route.ownerships)
        if (o.refusal == refusal_answer::reveal)
            return true;
    return false;
}

template <std::size_t RoleCount>
void write_operation(json_writer& w, matrix_route<RoleCount> const& route,
                     std::string const& id,
                     std::span<std::string_view const> roles) {
    std::string verb;
    for (char c : route.method_name)
        verb += to_lower_ascii(c);
    w.key(verb);
    w.begin_object();
    w.key("operationId");
    w.string(id);
    if (!route.path_parameters.empty()) {
        w.key("parameters");
        w.begin_array();
        for (auto const& p : route.path_parameters)
            write_parameter(w, p);
        w.end_array();
    }
    w.key("security");
    w.begin_array();
    if (route.needs_principal) {
        w.begin_object();
        w.key("bearerAuth");
        w.strings(route.scopes);
        w.end_object();
    }
    w.end_array();

    w.key("responses");
    w.begin_object();
    w.key("200");
    w.begin_object();
    w.key("description");
    w.string("Success");
    w.end_object();
    // A hidden route answers 404 where it would answer 401, or 403 for
    // permissions and scopes: the route does not exist for that caller.
    bool guarded = route.needs_principal && !route.is_hidden;
    if (!route.path_parameters.empty() || guarded)
        write_reference(w, "400", "BadRequest");
    if (guarded)
        write_reference(w, "401", "Unauthorized");
    if ((guarded && (!route.permissions.empty() || !route.scopes.empty())) ||
        (route.network_restricted && !route.is_hidden) ||
        reveals_refusal(route))
        write_reference(w, "403", "Forbidden");
    write_reference(w, "404", "NotFound");
    w.end_object();

    w.key("x-clearance-permissions");
    w.strings(route.permissions);
    std::vector<std::string_view> callers;
    for (std::size_t i = 0; i < RoleCount; ++i)
        if (route.access[i].kind != access_kind::refused)
            callers.push_back(roles[i]);
    w.key("x-clearance-roles");
    w.strings(callers);
    if (route.is_hidden) {
        w.key("x-clearance-hidden");
        w.boolean(true);
    }
    w.end_object();
}

} // namespace detail

/// An OpenAPI 3.1.0 document describing `Service`, as indented JSON
/// with keys in a fixed order, ending with a newline. Paths appear in
/// the order of their first route, operations in route order; see the
/// top of this header for the conventions.
template <DescribedService Service>
std::string openapi_json(openapi_info const& info) {
    constexpr auto matrix = access_matrix<Service>();
    auto const ids = detail::operation_ids(matrix);
    detail::json_writer w;
    w.begin_object();
    w.key("openapi");
    w.string("3.1.0");
    w.key("info");
    w.begin_object();
    w.key("title");
    w.string(info.title);
    w.key("version");
    w.string(info.version);
    if (info.description) {
        w.key("description");
        w.string(*info.description);
    }
    w.end_object();
    if (info.server_url) {
        w.key("servers");
        w.begin_array();
        w.begin_object();
        w.key("url");
        w.string(*info.server_url);
        w.end_object();
        w.end_array();
    }

    w.key("paths");
    w.begin_object();
    auto listed = [&](std::size_t i) {
        return info.include_hidden || !matrix.routes[i].is_hidden;
    };
    for (std::size_t i = 0; i < matrix.route_count; ++i) {
        auto path = matrix.routes[i].path_template;
        bool seen = !listed(i);
        for (std::size_t j = 0; j < i; ++j)
            seen =
                seen || (listed(j) && matrix.routes[j].path_template == path);
        if (seen)
            continue;
        w.key(path);
        w.begin_object();
        for (std::size_t j = i; j < matrix.route_count; ++j)
            if (listed(j) && matrix.routes[j].path_template == path)
                detail::write_operation(w, matrix.routes[j], ids[j],
                                        matrix.roles);
        w.end_object();
    }
    w.end_object();

    detail::write_components(w);
    w.end_object();
    return w.finish();
}

} // namespace clearance
