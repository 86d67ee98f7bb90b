// SPDX-License-Identifier: BSL-1.0
#pragma once

// How a request becomes a principal. An authenticator reads the request
// and answers one of: no credentials (401 with a plain challenge),
// credentials refused (401 with error="invalid_token"), a malformed
// request (400), or a principal. The guard asks only on routes that are
// not public, and never trusts any other header to grant identity.

#include <clearance/principal.hpp>
#include <clearance/response.hpp>

#include <boost/beast/http/field.hpp>

#include <concepts>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace clearance {

/// The outcome of authenticating one request.
struct authentication {
    enum class outcome {
        /// The request carries no credentials this authenticator reads.
        none,
        /// Credentials were sent and refused.
        invalid,
        /// The request is ambiguous, such as two Authorization lines.
        malformed,
        /// `who` holds the authenticated principal.
        authenticated,
    };

    outcome result = outcome::none;
    principal who;

    /// Why credentials were refused or found malformed, for RFC 6750's
    /// `error_description`: a short fixed phrase such as "the token has
    /// expired", or empty. It must refer to a string with static storage
    /// (a literal), contain only printable ASCII other than '"' and
    /// '\\', and never depend on the request.
    std::string_view description{};

    static authentication none() { return {}; }
    static authentication invalid() { return {outcome::invalid, {}}; }
    /// Credentials refused, for the reason `why` (a string literal).
    static authentication invalid(std::string_view why) {
        return {outcome::invalid, {}, why};
    }
    static authentication malformed() { return {outcome::malformed, {}}; }
    /// A malformed request, for the reason `why` (a string literal).
    static authentication malformed(std::string_view why) {
        return {outcome::malformed, {}, why};
    }
    static authentication success(principal who) {
        return {outcome::authenticated, std::move(who)};
    }
};

/// Something that authenticates requests: `a.authenticate(request)`
/// returns an `authentication`. It must be safe to call from several
/// threads at once.
template <class A>
concept Authenticator = requires(A const& a, request const& r) {
    { a.authenticate(r) } -> std::same_as<authentication>;
};

/// What a request's `Authorization` header says about a bearer token.
struct bearer_credentials {
    enum class kind {
        /// No Authorization header, or one with another scheme.
        absent,
        /// More than one Authorization header, or a bearer header whose
        /// token is empty or not b64token syntax (RFC 6750 2.1).
        malformed,
        /// `token` holds the token.
        present,
    };

    kind state = kind::absent;
    std::string_view token;
};

namespace detail {

constexpr bool is_b64token_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~' || c == '+' || c == '/';
}

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

} // namespace detail

/// Reads the bearer token of `r` (RFC 6750 2.1): the scheme is matched
/// case-insensitively, the token must be b64token syntax ("=" only as
/// trailing padding), and more than one Authorization header is
/// malformed.
inline bearer_credentials read_bearer(request const& r) {
    using boost::beast::http::field;
    auto [first, last] = r.equal_range(field::authorization);
    if (first == last)
        return {};
    if (std::next(first) != last)
        return {bearer_credentials::kind::malformed, {}};
    std::string_view value = first->value();
    // "Bearer" followed by anything but a space (a tab, say) is a bearer
    // header written wrongly, not another scheme.
    if (value.size() > 6 && detail::iequals(value.substr(0, 6), "Bearer") &&
        value[6] != ' ')
        return {bearer_credentials::kind::malformed, {}};
    auto space = value.find(' ');
    if (space == std::string_view::npos) {
        // A bare "Bearer" is a bearer header with an empty token.
        if (detail::iequals(value, "Bearer"))
            return {bearer_credentials::kind::malformed, {}};
        return {};
    }
    if (!detail::iequals(value.substr(0, space), "Bearer"))
        return {};
    auto token = value.substr(space + 1);
    while (!token.empty() && token.front() == ' ')
        token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ')
        token.remove_suffix(1);
    std::size_t end = token.size();
    while (end > 0 && token[end - 1] == '=')
        --end;
    if (end == 0)
        return {bearer_credentials::kind::malformed, {}};
    for (std::size_t i = 0; i < end; ++i)
        if (!detail::is_b64token_char(token[i]))
            return {bearer_credentials::kind::malformed, {}};
    return {bearer_credentials::kind::present, token};
}

} // namespace clearance
