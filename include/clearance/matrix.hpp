// SPDX-License-Identifier: BSL-1.0
#pragma once

// The access matrix of a service: for every route and every role of its
// policy, what a principal holding only that role gets from the route
// before any record is read. It is computed at compile time from the
// routes' descriptions and the roles' permission masks, so a test can
// `static_assert` a cell, and the writers below render the same data as
// Markdown for people and as JSON for tools:
//
//   constexpr auto matrix = clearance::access_matrix<service_type>();
//   static_assert(matrix.access_of(clearance::method::get,
//                                  "/admin/users", "viewer") ==
//                 clearance::access_kind::refused);
//   std::string table = clearance::matrix_markdown<service_type>();
//
// The writers return text and print nothing; their output depends only
// on the service's type, so it is byte-stable and can be committed and
// compared in CI.

#include <clearance/detail/bitmask.hpp>
#include <clearance/policy.hpp>
#include <clearance/principal.hpp>
#include <clearance/route.hpp>
#include <clearance/service.hpp>

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace clearance {

/// What a principal holding one role gets from one route.
enum class access_kind {
    /// The route is public, or the role's permissions cover the route's
    /// and the route reads no owned resource.
    allowed,
    /// A permission is missing: 403 whatever record is asked for, or
    /// 404 on a hidden route.
    refused,
    /// The permissions suffice; an ownership rule decides per record.
    owned,
    /// The permissions suffice and the role bypasses every ownership
    /// rule of the route: allowed within the principal's tenant.
    owned_bypass,
};

/// How a cell's refusals are answered. For `owned` cells, a refusal
/// by the ownership rule within the principal's tenant; a record of
/// another tenant is always concealed.
enum class refusal_answer {
    /// The cell is never refused: `allowed`.
    none,
    /// 404, byte-identical to a record that does not exist.
    conceal,
    /// 403.
    reveal,
    /// 404 or 403, depending on which of several resources refuses.
    conceal_or_reveal,
};

/// The name of an access kind in the matrix's JSON: "allowed",
/// "refused", "owned" or "owned_bypass".
constexpr std::string_view access_name(access_kind kind) noexcept {
    switch (kind) {
    case access_kind::allowed:
        return "allowed";
    case access_kind::refused:
        return "refused";
    case access_kind::owned:
        return "owned";
    case access_kind::owned_bypass:
        return "owned_bypass";
    }
    return "refused";
}

/// The name of a refusal answer: "none", "conceal", "reveal" or
/// "conceal_or_reveal".
constexpr std::string_view refusal_name(refusal_answer answer) noexcept {
    switch (answer) {
    case refusal_answer::none:
        return "none";
    case refusal_answer::conceal:
        return "conceal";
    case refusal_answer::reveal:
        return "reveal";
    case refusal_answer::conceal_or_reveal:
        return "conceal_or_reveal";
    }
    return "none";
}

/// One cell of the matrix: one route, one role.
struct access_cell {
    access_kind kind = access_kind::refused;
    /// How a refusal is answered: `none` for `allowed`; `reveal` (403)
    /// or, on a hidden route, `conceal` (404) for `refused`; for
    /// `owned`, how the rule's refusals are answered; `conceal` for
    /// `owned_bypass`, refused only another tenant's records.
    refusal_answer refusal = refusal_answer::reveal;

    friend constexpr bool operator==(access_cell const&,
                                     access_cell const&) = default;
};

/// One owned resource of a route, in the policy's words.
struct matrix_ownership {
    /// The resource type, as the compiler spells it.
    std::string_view resource;
    /// The ownership rule's type, as the compiler spells it.
    std::string_view rule;
    /// The path parameter holding the resource's key.
    std::string_view key;
    /// `conceal` (404) or `reveal` (403).
    refusal_answer refusal = refusal_answer::conceal;
    /// The roles that bypass the rule within their tenant, roles
    /// inheriting a named bypass role included, in policy order.
    std::span<std::string_view const> bypass;
};

/// One route of the matrix: what it requires, and each role's cell.
template <std::size_t RoleCount>
struct matrix_route {
    method verb = method::get;
    /// "GET", "POST", ...
    std::string_view method_name;
    /// The path template as written in the route.
    std::string_view path_template;
    bool is_public = false;
    /// Whether the route is hidden: for a principal who may not call it
    /// (and for a request without valid credentials) it does not exist,
    /// and every refusal before the handler's records is a 404.
    bool is_hidden = false;
    bool needs_principal = false;
    bool network_restricted = false;
    /// The typed path parameters, in template order.
    std::span<path_parameter_description const> path_parameters;
    /// The permissions the route requires, in policy order.
    std::span<std::string_view const> permissions;
    /// The scopes the route requires, in policy order.
    std::span<std::string_view const> scopes;
    /// The owned resources, in the handler's parameter order.
    std::span<matrix_ownership const> ownerships;
    /// One cell per role, in policy order.
    std::array<access_cell, RoleCount> access{};
};

/// The access matrix of a service with `RouteCount` routes and
/// `RoleCount` roles, as made by `access_matrix<Service>()`. Its spans
/// refer to static storage: a copy stays valid for the whole program.
template <std::size_t RouteCount, std::size_t RoleCount>
struct access_table {
    static constexpr std::size_t route_count = RouteCount;
    static constexpr std::size_t role_count = RoleCount;

    /// The policy's roles, in policy order: the columns.
    std::span<std::string_view const> roles;
    /// Every permission the policy grants, in policy order.
    std::span<std::string_view const> permissions;
    /// Every scope the policy declares, in policy order.
    std::span<std::string_view const> scopes;
    /// The routes, in declaration order: the rows.
    std::array<matrix_route<RoleCount>, RouteCount> routes{};

    /// The cell of route number `route` and role number `role`.
    constexpr access_cell const& cell(std::size_t route,
                                      std::size_t role) const noexcept {
        return routes[route].access[role];
    }

    /// The position of the route with `verb` and `path_template`.
    constexpr std::optional<std::size_t>
    find_route(method verb, std::string_view path_template) const noexcept {
        for (std::size_t i = 0; i < RouteCount; ++i)
            if (routes[i].verb == verb &&
                routes[i].path_template == path_template)
                return i;
        return std::nullopt;
    }

    /// The position of the role named `name`.
    constexpr std::optional<std::size_t>
    find_role(std::string_view name) const noexcept {
        for (std::size_t i = 0; i < RoleCount; ++i)
            if (roles[i] == name)
                return i;
        return std::nullopt;
    }

    /// What role `role` gets from the route with `verb` and
    /// `path_template`; nothing if either is unknown.
    constexpr std::optional<access_kind>
    access_of(method verb, std::string_view path_template,
              std::string_view role) const noexcept {
        auto r = find_route(verb, path_template);
        auto c = find_role(role);
        if (!r || !c)
            return std::nullopt;
        return cell(*r, *c).kind;
    }

    /// The roles that can call route number `route`: every cell but
    /// `refused`.
    constexpr role_set callers(std::size_t route) const noexcept {
        role_set out;
        for (std::size_t i = 0; i < RoleCount; ++i)
            if (cell(route, i).kind != access_kind::refused)
                out.set(i);
        return out;
    }
};

/// A service type whose routes and policy can be described: any
/// `clearance::service<...>`.
template <class T>
concept DescribedService = requires {
    typename T::policy_type;
    { T::route_count } -> std::convertible_to<std::size_t>;
    { T::routes[0] } -> std::convertible_to<route_description const&>;
};

namespace detail {

// The cell of one route for one role. A principal of another tenant is
// refused at the ownership step whatever its roles, so a bypass is only
// ever a bypass within the tenant.
template <class Policy>
constexpr access_cell matrix_cell(route_description const& r, bool hidden,
                                  std::size_t role) noexcept {
    if (r.is_public)
        return {access_kind::allowed, refusal_answer::none};
    if (!Policy::role_masks[role].contains(r.permissions))
        return {access_kind::refused,
                hidden ? refusal_answer::conceal : refusal_answer::reveal};
    if (r.ownerships.empty())
        return {access_kind::allowed, refusal_answer::none};
    bool conceals = false;
    bool reveals = false;
    for (auto const& o : r.ownerships) {
        // A bypassed rule cannot refuse, so it does not decide how a
        // refusal is answered.
        if (o.bypass.test(role))
            continue;
        (o.conceals ? conceals : reveals) = true;
    }
    if (!conceals && !reveals)
        return {access_kind::owned_bypass, refusal_answer::conceal};
    return {access_kind::owned, conceals && reveals
                                    ? refusal_answer::conceal_or_reveal
                                : conceals ? refusal_answer::conceal
                                           : refusal_answer::reveal};
}

template <std::size_t Bits>
constexpr std::size_t count_below(bitmask<Bits> const& mask,
                                  std::size_t limit) noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < limit; ++i)
        n += mask.test(i);
    return n;
}

// The names a matrix refers to, flattened into static arrays so that
// the matrix itself can hold spans and stay a literal value.
template <class Service>
struct matrix_storage {
    using policy = typename Service::policy_type;
    static constexpr auto const& routes = Service::routes;
    static constexpr std::size_t route_count = Service::route_count;
    static constexpr std::size_t role_count = policy::role_count;
    static constexpr std::size_t permission_count = policy::permission_count;
    static constexpr std::size_t scope_count = policy::scope_count;

    static constexpr std::size_t permission_total = [] {
        std::size_t n = 0;
        for (auto const& r : routes)
            n += count_below(r.permissions, permission_count);
        return n;
    }();

    static constexpr std::size_t scope_total = [] {
        std::size_t n = 0;
        for (auto const& r : routes)
            n += count_below(r.scopes, scope_count);
        return n;
    }();

    static constexpr std::size_t ownership_total = [] {
        std::size_t n = 0;
        for (auto const& r : routes)
            n += r.ownerships.size();
        return n;
    }();

    static constexpr std::size_t bypass_total = [] {
        std::size_t n = 0;
        for (auto const& r : routes)
            for (auto const& o : r.ownerships)
                n += count_below(o.bypass, role_count);
        return n;
    }();

    static constexpr auto permission_names = [] {
        std::array<std::string_view, permission_total> out{};
        std::size_t at = 0;
        for (auto const& r : routes)
            for (std::size_t i = 0; i < permission_count; ++i)
                if (r.permissions.test(i))
                    out[at++] = policy::permissions::names[i];
        return out;
    }();

    static constexpr auto scope_names = [] {
        std::array<std::string_view, scope_total> out{};
        std::size_t at = 0;
        for (auto const& r : routes)
            for (std::size_t i = 0; i < scope_count; ++i)
                if (r.scopes.test(i))
                    out[at++] = policy::scope_names[i];
        return out;
    }();

    static constexpr auto bypass_names = [] {
        std::array<std::string_view, bypass_total> out{};
        std::size_t at = 0;
        for (auto const& r : routes)
            for (auto const& o : r.ownerships)
                for (std::size_t i = 0; i < role_count; ++i)
                    if (o.bypass.test(i))
                        out[at++] = policy::role_names[i];
        return out;
    }();

    static constexpr auto ownerships = [] {
        std::array<matrix_ownership, ownership_total> out{};
        std::size_t at = 0;
        std::size_t names = 0;
        for (auto const& r : routes)
            for (auto const& o : r.ownerships) {
                auto count = count_below(o.bypass, role_count);
                out[at++] = {o.resource, o.rule, o.key,
                             o.conceals ? refusal_answer::conceal
                                        : refusal_answer::reveal,
                             std::span<std::string_view const>{
                                 bypass_names.data() + names, count}};
                names += count;
            }
        return out;
    }();

    static constexpr access_table<route_count, role_count> table = [] {
        access_table<route_count, role_count> t;
        t.roles = policy::role_names;
        t.permissions = policy::permissions::names;
        t.scopes = policy::scope_names;
        std::size_t permission_at = 0;
        std::size_t scope_at = 0;
        std::size_t ownership_at = 0;
        for (std::size_t i = 0; i < route_count; ++i) {
            auto const& r = routes[i];
            auto& row = t.routes[i];
            row.verb = r.verb;
            row.method_name = r.method_name;
            row.path_template = r.path_template;
            row.is_public = r.is_public;
            row.is_hidden = r.is_hidden;
            row.needs_principal = r.needs_principal;
            row.network_restricted = r.network_restricted;
            row.path_parameters = r.path_parameters;
            auto permissions = count_below(r.permissions, permission_count);
            row.permissions = std::span<std::string_view const>{
                permission_names.data() + permission_at, permissions};
            permission_at += permissions;
            auto scopes = count_below(r.scopes, scope_count);
            row.scopes = std::span<std::string_view const>{
                scope_names.data() + scope_at, scopes};
            scope_at += scopes;
            row.ownerships = std::span<matrix_ownership const>{
                ownerships.data() + ownership_at, r.ownerships.size()};
            ownership_at += r.ownerships.size();
            for (std::size_t role = 0; role < role_count; ++role)
                row.access[role] = matrix_cell<policy>(r, row.is_hidden, role);
        }
        return t;
    }();
};

// The length of the well-formed UTF-8 sequence at `text[at]`, or 0:
// overlong forms, surrogates and code points past U+10FFFF are not.
constexpr std::size_t utf8_length(std::string_view text,
                                  std::size_t at) noexcept {
    auto c = static_cast<unsigned char>(text[at]);
    if (c < 0x80)
        return 1;
    std::size_t length = c >= 0xC2 && c <= 0xDF   ? 2
                         : c >= 0xE0 && c <= 0xEF ? 3
                         : c >= 0xF0 && c <= 0xF4 ? 4
                                                  : 0;
    if (length == 0 || at + length > text.size())
        return 0;
    for (std::size_t k = 1; k < length; ++k) {
        auto next = static_cast<unsigned char>(text[at + k]);
        unsigned char low = 0x80;
        unsigned char high = 0xBF;
        if (k == 1 && c == 0xE0)
            low = 0xA0;
        if (k == 1 && c == 0xED)
            high = 0x9F;
        if (k == 1 && c == 0xF0)
            low = 0x90;
        if (k == 1 && c == 0xF4)
            high = 0x8F;
        if (next < low || next > high)
            return 0;
    }
    return length;
}

constexpr bool is_control(char c) noexcept {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
}

// Appends `text` as a JSON string. Quotes, backslashes and control
// characters are escaped as \" \\ and \u00XX; a byte that is not part
// of valid UTF-8 becomes \ufffd, so the output is always valid JSON.
inline void append_json_string(std::string& out, std::string_view text) {
    constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (std::size_t i = 0; i < text.size();) {
        char c = text[i];
        auto length = utf8_length(text, i);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (is_control(c)) {
            auto u = static_cast<unsigned char>(c);
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 0xF];
        } else if (length == 0) {
            out += "\\ufffd";
        } else {
            out.append(text.substr(i, length));
            i += length;
            continue;
        }
        ++i;
    }
    out += '"';
}

// `text` for a Markdown table: a control character, which would end
// the row, becomes a space, and a byte that is not part of valid UTF-8
// becomes U+FFFD; `escape` then decides what each character becomes.
template <class Escape>
std::string markdown_clean(std::string_view text, Escape escape) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        auto length = utf8_length(text, i);
        if (is_control(text[i]))
            out += ' ';
        else if (length == 0)
            out += "\xEF\xBF\xBD";
        else if (length == 1)
            escape(out, text[i]);
        else
            out.append(text.substr(i, length));
        i += length == 0 ? 1 : length;
    }
    return out;
}

// A small writer of indented JSON. Keys come out in the order they are
// written, so a document written in a fixed order is byte-stable.
class json_writer {
public:
    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }

    void key(std::string_view name) {
        element();
        append_json_string(out_, name);
        out_ += ": ";
        after_key_ = true;
    }

    void string(std::string_view text) {
        element();
        append_json_string(out_, text);
    }

    void boolean(bool value) {
        element();
        out_ += value ? "true" : "false";
    }

    void integer(long long value) {
        element();
        out_ += std::to_string(value);
    }

    void unsigned_integer(unsigned long long value) {
        element();
        out_ += std::to_string(value);
    }

    // An array of strings on one line: lists of names stay readable.
    template <class Strings>
    void strings(Strings const& texts) {
        element();
        out_ += '[';
        bool first = true;
        for (std::string_view text : texts) {
            if (!first)
                out_ += ", ";
            first = false;
            append_json_string(out_, text);
        }
        out_ += ']';
    }

    // The document, ending with a newline.
    std::string finish() {
        out_ += '\n';
        return std::move(out_);
    }

private:
    void element() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (scopes_.empty())
            return;
        if (!scopes_.back())
            out_ += ',';
        scopes_.back() = false;
        out_ += '\n';
        out_.append(2 * scopes_.size(), ' ');
    }

    void open(char bracket) {
        element();
        out_ += bracket;
        scopes_.push_back(true);
    }

    void close(char bracket) {
        bool empty = scopes_.back();
        scopes_.pop_back();
        if (!empty) {
            out_ += '\n';
            out_.append(2 * scopes_.size(), ' ');
        }
        out_ += bracket;
    }

    std::string out_;
    // For each open object or array, whether it is still empty.
    std::vector<bool> scopes_;
    bool after_key_ = false;
};

// Plain text in a table cell: characters that would end the cell or
// start inline markup are escaped.
inline std::string markdown_text(std::string_view text) {
    return markdown_clean(text, [](std::string& out, char c) {
        if (std::string_view{"\\`*_[]<>|&~"}.find(c) != std::string_view::npos)
            out += '\\';
        out += c;
    });
}

// `text` as a code span in a table cell. Backslash escapes do not work
// inside code spans, so the fence is one backtick longer than the
// longest run inside; "|" still needs "\|", which tables read first.
inline std::string markdown_code(std::string_view text) {
    std::size_t longest = 0;
    std::size_t run = 0;
    for (char c : text) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    std::string fence(longest + 1, '`');
    // A span that starts or ends with a backtick needs a space inside
    // its fence; CommonMark strips one space on each side.
    std::string pad =
        !text.empty() && (text.front() == '`' || text.back() == '`') ? " " : "";
    return fence + pad +
           markdown_clean(text,
                          [](std::string& out, char c) {
                              if (c == '|')
                                  out += '\\';
                              out += c;
                          }) +
           pad + fence;
}

inline std::string markdown_cell(access_cell cell) {
    switch (cell.kind) {
    case access_kind::allowed:
        return "allowed";
    case access_kind::refused:
        return cell.refusal == refusal_answer::conceal ? "404 (hidden)" : "403";
    case access_kind::owned_bypass:
        return "tenant (bypass)";
    case access_kind::owned:
        break;
    }
    switch (cell.refusal) {
    case refusal_answer::reveal:
        return "owner or 403";
    case refusal_answer::conceal_or_reveal:
        return "owner or 404/403";
    default:
        return "owner or 404";
    }
}

template <class Names>
std::string markdown_code_list(Names const& names) {
    if (names.empty())
        return "none";
    std::string out;
    for (std::string_view name : names) {
        if (!out.empty())
            out += ", ";
        out += markdown_code(name);
    }
    return out;
}

inline std::string markdown_ownership(matrix_ownership const& o) {
    std::string out = markdown_code(o.resource) + " from " +
                      markdown_code("{" + std::string(o.key) + "}") +
                      ", rule " + markdown_code(o.rule) + ", refused " +
                      (o.refusal == refusal_answer::reveal ? "403" : "404");
    if (!o.bypass.empty()) {
        out += ", bypassed by ";
        bool first = true;
        for (auto role : o.bypass) {
            if (!first)
                out += ", ";
            first = false;
            out += markdown_text(role);
        }
    }
    return out;
}

template <std::size_t RoleCount>
std::string markdown_route(matrix_route<RoleCount> const& route) {
    return markdown_code(std::string(route.method_name) + " " +
                         std::string(route.path_template));
}

} // namespace detail

/// The access matrix of `Service`, computed at compile time: one row
/// per route in declaration order, one cell per role in policy order.
template <DescribedService Service>
constexpr auto access_matrix() noexcept
    -> access_table<Service::route_count, Service::policy_type::role_count> {
    return detail::matrix_storage<Service>::table;
}

/// The access matrix of `Service` as Markdown: a table of routes by
/// roles, a legend, and a table of each route's requirements. Cells
/// read "allowed", "403", "owner or 404", "owner or 403" (or
/// "owner or 404/403" when a route's resources differ) and
/// "tenant (bypass)". The text ends with a newline.
template <DescribedService Service>
std::string matrix_markdown() {
    constexpr auto matrix = access_matrix<Service>();
    std::string out = "| Route |";
    std::string rule = "| --- |";
    for (auto role : matrix.roles) {
        out.append(" ").append(detail::markdown_text(role)).append(" |");
        rule += " --- |";
    }
    out.append("\n").append(rule).append("\n");
    for (auto const& route : matrix.routes) {
        out.append("| ").append(detail::markdown_route(route)).append(" |");
        for (auto const& cell : route.access)
            out.append(" ").append(detail::markdown_cell(cell)).append(" |");
        out += '\n';
    }
    out += "\n"
           "Each cell says what a principal holding only that role gets "
           "from the\n"
           "route, before any record is read:\n"
           "\n"
           "- allowed: the route is public, or the role's permissions "
           "cover the\n"
           "  route's and no ownership rule applies.\n"
           "- 403: the role lacks a permission the route requires.\n"
           "- 404 (hidden): the role lacks a permission the route "
           "requires, and the\n"
           "  route is hidden: it is answered like an unknown path.\n"
           "- owner or 404, owner or 403: the permissions suffice and "
           "the route's\n"
           "  ownership rule, named below, decides for each record; a "
           "record the\n"
           "  rule refuses is answered 404 (concealed: identical to a "
           "missing\n"
           "  record) or 403 (revealed).\n"
           "- tenant (bypass): the role bypasses every ownership rule of "
           "the route,\n"
           "  within its own tenant.\n"
           "\n"
           "A record that belongs to another tenant is always answered "
           "404,\n"
           "whatever the role. Scopes are carried by tokens, not roles: a "
           "token\n"
           "without a scope the route requires gets 403 whatever its "
           "roles.\n"
           "\n"
           "| Route | Public | Permissions | Scopes | Ownership |\n"
           "| --- | --- | --- | --- | --- |\n";
    for (auto const& route : matrix.routes) {
        out.append("| ").append(detail::markdown_route(route)).append(" | ");
        out += route.is_public ? "yes" : route.is_hidden ? "no (hidden)" : "no";
        out.append(" | ").append(detail::markdown_code_list(route.permissions));
        out.append(" | ")
            .append(detail::markdown_code_list(route.scopes))
            .append(" | ");
        if (route.ownerships.empty())
            out += "none";
        for (std::size_t i = 0; i < route.ownerships.size(); ++i) {
            if (i != 0)
                out += "; ";
            out += detail::markdown_ownership(route.ownerships[i]);
        }
        out += " |\n";
    }
    return out;
}

/// The access matrix of `Service` as JSON, indented, keys in a fixed
/// order, ending with a newline. Its schema, "clearance.access-matrix/1":
///
///   {"schema": "clearance.access-matrix/1",
///    "roles": [name...], "permissions": [name...], "scopes": [name...],
///    "routes": [{"method": "GET", "path": "/documents/{id}",
///                "public": false, "hidden": false,
///                "permissions": [...], "scopes": [...],
///                "ownership": [{"resource", "rule", "key",
///                               "refusal": "conceal" | "reveal",
///                               "bypass": [role...]}],
///                "access": {role: "allowed" | "refused" | "owned" |
///                                 "owned_bypass"}}]}
///
/// Lists follow policy order; routes follow declaration order.
template <DescribedService Service>
std::string matrix_json() {
    constexpr auto matrix = access_matrix<Service>();
    detail::json_writer w;
    w.begin_object();
    w.key("schema");
    w.string("clearance.access-matrix/1");
    w.key("roles");
    w.strings(matrix.roles);
    w.key("permissions");
    w.strings(matrix.permissions);
    w.key("scopes");
    w.strings(matrix.scopes);
    w.key("routes");
    w.begin_array();
    for (auto const& route : matrix.routes) {
        w.begin_object();
        w.key("method");
        w.string(route.method_name);
        w.key("path");
        w.string(route.path_template);
        w.key("public");
        w.boolean(route.is_public);
        w.key("hidden");
        w.boolean(route.is_hidden);
        w.key("permissions");
        w.strings(route.permissions);
        w.key("scopes");
        w.strings(route.scopes);
        w.key("ownership");
        w.begin_array();
        for (auto const& o : route.ownerships) {
            w.begin_object();
            w.key("resource");
            w.string(o.resource);
            w.key("rule");
            w.string(o.rule);
            w.key("key");
            w.string(o.key);
            w.key("refusal");
            w.string(refusal_name(o.refusal));
            w.key("bypass");
            w.strings(o.bypass);
            w.end_object();
        }
        w.end_array();
        w.key("access");
        w.begin_object();
        for (std::size_t i = 0; i < matrix.role_count; ++i) {
            w.key(matrix.roles[i]);
            w.string(access_name(route.access[i].kind));
        }
        w.end_object();
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return w.finish();
}

} // namespace clearance
