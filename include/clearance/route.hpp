// SPDX-License-Identifier: BSL-1.0
#pragma once

// A route: a method, a path template and a handler.
//
//   clearance::get<"/documents/{id}">(get_document)
//
// The template is parsed at compile time into literal and parameter
// segments; matching a request walks those segments and compares
// strings, with no hash table. A malformed template does not compile.
//
// A parameter written "{name...}" is a catch-all: it matches the rest
// of the path, one or more segments with their "/" separators, as in
// "/files/{path...}". It may only be the last segment.

#include <clearance/detail/fixed_string.hpp>

// Boost 1.81 needs <ostream> before Beast's verb header.
#include <ostream>

#include <boost/beast/http/verb.hpp>

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>

namespace clearance {

/// HTTP methods, as Beast spells them.
using method = boost::beast::http::verb;

/// A route: requests with method `Method` whose canonical path matches
/// `Template` are guarded as `Handler`'s parameters require, then
/// handled by it.
template <method Method, detail::fixed_string Template, class Handler>
struct route {
    static constexpr method verb = Method;
    static constexpr auto path_template = Template;
    using handler_type = Handler;

    Handler handler;
};

/// A GET route; HEAD requests are served by it too, without a body.
template <detail::fixed_string Template, class Handler>
constexpr auto get(Handler handler) {
    return route<method::get, Template, Handler>{std::move(handler)};
}

/// A POST route.
template <detail::fixed_string Template, class Handler>
constexpr auto post(Handler handler) {
    return route<method::post, Template, Handler>{std::move(handler)};
}

/// A PUT route.
template <detail::fixed_string Template, class Handler>
constexpr auto put(Handler handler) {
    return route<method::put, Template, Handler>{std::move(handler)};
}

/// A PATCH route.
template <detail::fixed_string Template, class Handler>
constexpr auto patch(Handler handler) {
    return route<method::patch, Template, Handler>{std::move(handler)};
}

/// A DELETE route (`delete` is a keyword, hence the underscore).
template <detail::fixed_string Template, class Handler>
constexpr auto delete_(Handler handler) {
    return route<method::delete_, Template, Handler>{std::move(handler)};
}

namespace detail {

/// The name of a method as it appears on the wire.
constexpr std::string_view method_name(method m) noexcept {
    switch (m) {
    case method::get:
        return "GET";
    case method::head:
        return "HEAD";
    case method::post:
        return "POST";
    case method::put:
        return "PUT";
    case method::patch:
        return "PATCH";
    case method::delete_:
        return "DELETE";
    case method::options:
        return "OPTIONS";
    default:
        return "OTHER";
    }
}

template <method M>
constexpr auto method_label() {
    if constexpr (M == method::get)
        return fixed_string{"GET"};
    else if constexpr (M == method::head)
        return fixed_string{"HEAD"};
    else if constexpr (M == method::post)
        return fixed_string{"POST"};
    else if constexpr (M == method::put)
        return fixed_string{"PUT"};
    else if constexpr (M == method::patch)
        return fixed_string{"PATCH"};
    else if constexpr (M == method::delete_)
        return fixed_string{"DELETE"};
    else if constexpr (M == method::options)
        return fixed_string{"OPTIONS"};
    else
        return fixed_string{"OTHER"};
}

/// "GET /documents/{id}": how diagnostics name a route.
template <method M, fixed_string Template>
constexpr auto route_label() {
    return concat<method_label<M>(), fixed_string{" "}, Template>();
}

struct segment {
    std::string_view text; // the literal, or the parameter's name
    bool parameter = false;
    /// Whether the parameter is a catch-all "{name...}".
    bool rest = false;
};

/// The marker that makes a parameter a catch-all: "{path...}".
inline constexpr std::string_view catch_all_marker = "...";

// The name of a parameter segment's body, without the catch-all marker.
constexpr std::string_view parameter_name(std::string_view body) noexcept {
    if (body.ends_with(catch_all_marker))
        body.remove_suffix(catch_all_marker.size());
    return body;
}

constexpr bool is_name_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
}

/// Whether a path template is well formed: it starts with "/", has no
/// empty segment except the root "/" itself, and each "{name}" or
/// "{name...}" is a whole segment with a non-empty name of letters,
/// digits and "_". Where a catch-all may stand is a separate rule
/// (`catch_all_is_last`).
constexpr bool is_well_formed_template(std::string_view t) noexcept {
    if (t.empty() || t.front() != '/')
        return false;
    if (t == "/")
        return true;
    std::size_t start = 1;
    while (true) {
        auto slash = t.find('/', start);
        auto seg = t.substr(start, slash == std::string_view::npos
                                       ? std::string_view::npos
                                       : slash - start);
        if (seg.empty())
            return false;
        bool opens = seg.front() == '{';
        bool closes = seg.back() == '}';
        if (opens != closes)
            return false;
        auto body = opens ? parameter_name(seg.substr(1, seg.size() - 2)) : seg;
        if (opens && body.empty())
            return false;
        for (char c : body) {
            if (c == '{' || c == '}')
                return false;
            if (opens && !is_name_char(c))
                return false;
        }
        if (slash == std::string_view::npos)
            return true;
        start = slash + 1;
    }
}

/// Whether a catch-all "{name...}", if the template has one, is its
/// last segment: it takes the rest of the path, so nothing can follow.
constexpr bool catch_all_is_last(std::string_view t) noexcept {
    auto marker = t.find("...}");
    return marker == std::string_view::npos || marker + 4 == t.size();
}

constexpr std::size_t count_segments(std::string_view t) noexcept {
    if (t == "/")
        return 0;
    std::size_t n = 0;
    for (char c : t)
        n += c == '/';
    return n;
}

// A malformed template parses to no segments; the service reports it
// as a broken rule with the route's name.
template <fixed_string Template>
constexpr auto parse_template() {
    constexpr auto t = Template.view();
    constexpr bool ok = is_well_formed_template(t);
    std::array<segment, ok ? count_segments(t) : 0> segments{};
    if constexpr (ok) {
        std::size_t start = 1;
        for (auto& s : segments) {
            auto slash = t.find('/', start);
            auto text = t.substr(start, slash == std::string_view::npos
                                            ? std::string_view::npos
                                            : slash - start);
            if (!text.empty() && text.front() == '{') {
                auto body = text.substr(1, text.size() - 2);
                auto name = parameter_name(body);
                s = {name, true, name.size() != body.size()};
            } else {
                s = {text, false, false};
            }
            start = slash + 1;
        }
    }
    return segments;
}

/// The parsed segments of a path template.
template <fixed_string Template>
inline constexpr auto template_segments = parse_template<Template>();

/// The number of "{name}" parameters in a template.
template <fixed_string Template>
inline constexpr std::size_t parameter_count = [] {
    std::size_t n = 0;
    for (auto const& s : template_segments<Template>)
        n += s.parameter;
    return n;
}();

/// The position of parameter `name` among the template's parameters, or
/// `parameter_count` if the template has none of that name.
template <fixed_string Template>
constexpr std::size_t parameter_index(std::string_view name) noexcept {
    std::size_t i = 0;
    for (auto const& s : template_segments<Template>) {
        if (s.parameter) {
            if (s.text == name)
                return i;
            ++i;
        }
    }
    return i;
}

/// Whether the template ends in a catch-all "{name...}".
template <fixed_string Template>
inline constexpr bool has_catch_all = !template_segments<Template>.empty() &&
                                      template_segments<Template>.back().rest;

/// Matches a canonical path against a template; on success, `params`
/// holds the raw text of each parameter segment in template order. A
/// catch-all takes the rest of the path, which must not be empty.
template <fixed_string Template>
bool match_template(
    std::string_view path,
    std::array<std::string_view, parameter_count<Template>>& params) {
    constexpr auto const& segments = template_segments<Template>;
    if constexpr (segments.empty()) {
        return path == "/";
    } else {
        std::size_t at = 1; // after the leading "/"
        std::size_t param = 0;
        for (std::size_t i = 0; i < segments.size(); ++i) {
            if (at > path.size())
                return false;
            if (segments[i].rest) {
                auto text = path.substr(at);
                if (text.empty())
                    return false;
                params[param++] = text;
                return true;
            }
            auto slash = path.find('/', at);
            bool last = i + 1 == segments.size();
            if (last != (slash == std::string_view::npos))
                return false;
            auto text =
                path.substr(at, last ? std::string_view::npos : slash - at);
            if (segments[i].parameter) {
                if (text.empty())
                    return false;
                params[param++] = text;
            } else if (text != segments[i].text) {
                return false;
            }
            at = last ? path.size() : slash + 1;
        }
        return true;
    }
}

} // namespace detail

} // namespace clearance
