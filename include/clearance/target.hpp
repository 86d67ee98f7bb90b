// SPDX-License-Identifier: BSL-1.0
#pragma once

// The request target, parsed once into the one canonical path that
// routing, the guard and path parameters all read. Anything ambiguous
// is refused rather than interpreted, so that no later step can see a
// different path than the guard did:
//
// - origin-form targets ("/path?query") are accepted, and absolute-form
//   ones ("http://host/path?query", RFC 9112 3.2.2) whose scheme is
//   http or https and whose authority is valid: their path is then used,
//   exactly as for origin-form, and the authority is never used to
//   route or to decide;
// - percent-encoded unreserved characters (letters, digits, "-._~")
//   are decoded, exactly once; every other escape stays encoded with
//   upper-case hex, so "%2561" is the literal text "%2561", never "a";
// - an encoded "/", "\", ";", "#", "%" in a form that would change the
//   meaning, NUL or any control character, "%u" escapes, malformed
//   escapes, escapes that do not decode to valid UTF-8, a raw ";", "\",
//   "#", space, control or non-ASCII byte are all refused;
// - "." and ".." segments are refused, whether written plainly or
//   encoded;
// - paths are case-sensitive, and "//" or a trailing "/" are kept as
//   they are: routes match exactly, so "/documents/" is not
//   "/documents".

#include <clearance/detail/ascii.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace clearance {

/// A request target in canonical form.
struct canonical_target {
    /// The canonical path, always starting with "/".
    std::string path;

    /// The raw query string without the "?", validated but not decoded.
    std::string query;
};

namespace detail {

constexpr bool is_unreserved(unsigned char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

// Characters allowed raw in a path segment: RFC 3986 pchar without
// ";" (a parameter delimiter some servers strip) and without "%", which
// is handled separately.
constexpr bool is_path_char(unsigned char c) noexcept {
    if (is_unreserved(c))
        return true;
    switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case '=':
    case ':':
    case '@':
        return true;
    default:
        return false;
    }
}

constexpr bool is_query_char(unsigned char c) noexcept {
    return is_path_char(c) || c == '/' || c == '?' || c == '%' || c == ';';
}

// Validates that `bytes` is well-formed UTF-8: no overlong forms, no
// surrogates, nothing above U+10FFFF.
constexpr bool is_valid_utf8(std::string_view bytes) noexcept {
    std::size_t i = 0;
    while (i < bytes.size()) {
        auto c = static_cast<unsigned char>(bytes[i]);
        std::size_t extra = 0;
        unsigned min_second = 0x80, max_second = 0xBF;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            if (c == 0xE0)
                min_second = 0xA0;
            if (c == 0xED)
                max_second = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            if (c == 0xF0)
                min_second = 0x90;
            if (c == 0xF4)
                max_second = 0x8F;
        } else {
            return false;
        }
        if (i + extra >= bytes.size())
            return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            auto next = static_cast<unsigned char>(bytes[i + k]);
            unsigned low = k == 1 ? min_second : 0x80;
            unsigned high = k == 1 ? max_second : 0xBF;
            if (next < low || next > high)
                return false;
        }
        i += extra + 1;
    }
    return true;
}

// Canonicalises one segment into `out`. Returns false if the segment
// must be refused.
inline bool canonicalize_segment(std::string_view raw, std::string& out) {
    std::string decoded; // every escape decoded, for validation only
    std::size_t i = 0;
    while (i < raw.size()) {
        auto c = static_cast<unsigned char>(raw[i]);
        if (c != '%') {
            if (!is_path_char(c))
                return false;
            out += static_cast<char>(c);
            decoded += static_cast<char>(c);
            ++i;
            continue;
        }
        int escaped = escaped_byte(raw, i);
        if (escaped < 0)
            return false;
        auto byte = static_cast<unsigned char>(escaped);
        // Escapes that would change the path's structure or hide a
        // control character are refused outright.
        if (byte < 0x20 || byte == 0x7F || byte == '/' || byte == '\\' ||
            byte == ';' || byte == '#' || byte == '?')
            return false;
        if (is_unreserved(byte)) {
            out += static_cast<char>(byte);
        } else {
            constexpr char digits[] = "0123456789ABCDEF";
            out += '%';
            out += digits[byte >> 4];
            out += digits[byte & 0x0F];
        }
        decoded += static_cast<char>(byte);
        i += 3;
    }
    if (decoded == "." || decoded == "..")
        return false;
    return is_valid_utf8(decoded);
}

constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

constexpr bool is_reg_name_char(char c) noexcept {
    return is_unreserved(static_cast<unsigned char>(c)) ||
           (is_path_char(static_cast<unsigned char>(c)) && c != ':' &&
            c != '@');
}

} // namespace detail

/// Whether `authority` is a valid `host[:port]` (RFC 3986 3.2 without
/// user information): a registered name, an IPv4 address or a bracketed
/// IPv6 literal, and an optional port of at most five digits. Used for
/// the Host header and absolute-form targets.
constexpr bool is_valid_authority(std::string_view authority) noexcept {
    std::string_view host = authority;
    std::string_view port;
    if (!host.empty() && host.front() == '[') {
        auto close = host.find(']');
        if (close == std::string_view::npos || close < 3)
            return false;
        for (char c : host.substr(1, close - 1))
            if (!(detail::hex_value(c) >= 0 || c == ':' || c == '.'))
                return false;
        auto rest = host.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return false;
            port = rest.substr(1);
            if (port.empty())
                return false;
        }
    } else {
        auto colon = host.find(':');
        if (colon != std::string_view::npos) {
            port = host.substr(colon + 1);
            host = host.substr(0, colon);
            if (port.empty())
                return false;
        }
        if (host.empty())
            return false;
        for (char c : host)
            if (!detail::is_reg_name_char(c))
                return false;
    }
    return port.empty() || detail::number_value(port, 10, 5).has_value();
}

/// Parses `target` into canonical form, or returns nothing if the
/// target must be answered 400. See the top of this header for the
/// rules.
inline std::optional<canonical_target>
canonicalize_target(std::string_view target) {
    // Absolute form: the scheme, "://" and a valid authority, then the
    // path exactly as in origin form.
    for (std::string_view scheme : {"http://", "https://"}) {
        if (target.size() < scheme.size() ||
            !detail::iequals(target.substr(0, scheme.size()), scheme))
            continue;
        auto rest = target.substr(scheme.size());
        auto end = rest.find_first_of("/?");
        if (!is_valid_authority(rest.substr(0, end)))
            return std::nullopt;
        if (end == std::string_view::npos)
            return canonical_target{"/", {}};
        if (rest[end] == '?')
            return std::nullopt;
        target = rest.substr(end);
        break;
    }
    if (target.empty() || target.front() != '/')
        return std::nullopt;
    auto question = target.find('?');
    std::string_view raw_path = target.substr(0, question);
    std::string_view raw_query = question == std::string_view::npos
                                     ? std::string_view{}
                                     : target.substr(question + 1);
    // The query is handed to handlers raw, but it must be well formed:
    // every "%" starts an escape of two hex digits that is not a control
    // character, so no handler meets NUL or "%u" escapes.
    for (std::size_t i = 0; i < raw_query.size(); ++i) {
        char c = raw_query[i];
        if (!detail::is_query_char(static_cast<unsigned char>(c)))
            return std::nullopt;
        if (c != '%')
            continue;
        int escaped = detail::escaped_byte(raw_query, i);
        if (escaped < 0x20 || escaped == 0x7F)
            return std::nullopt;
        i += 2;
    }

    canonical_target result;
    result.path.reserve(raw_path.size());
    std::size_t start = 1;
    while (true) {
        result.path += '/';
        auto slash = raw_path.find('/', start);
        auto segment = raw_path.substr(start, slash == std::string_view::npos
                                                  ? std::string_view::npos
                                                  : slash - start);
        if (!detail::canonicalize_segment(segment, result.path))
            return std::nullopt;
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    result.query.assign(raw_query);
    return result;
}

} // namespace clearance
