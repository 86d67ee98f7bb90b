// SPDX-License-Identifier: BSL-1.0
#pragma once

// How a request becomes a principal. An authenticator reads the request
// and answers one of: no credentials (401 with a plain challenge),
// credentials refused (401 with error="invalid_token"), a malformed
// request (400), or a principal. The guard asks only on routes that are
// not public, and never trusts any other header to grant identity.

#include <clearance/principal.hpp>
#include <clearance/response.hpp>
#include <clearance/target.hpp>

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

namespace detail {
template <class Policy, class Auth, class Loaders>
class service_core;
} // namespace detail

/// What screening a request learnt that its answer can use: the
/// authentications already made, so that a token is verified once per
/// request. Opaque; made empty, filled by `service::screen(req, peer,
/// memo)` and read by `service::operator()(req, peer, memo)` for the
/// same request.
class screening_memo {
    template <class Policy, class Auth, class Loaders>
    friend class detail::service_core;

    std::optional<authentication> auth_;
    // The kinds of credentials `auth_` was made for.
    void const* kinds_ = nullptr;
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

    /// Why the request is malformed, when the reason is more telling
    /// than a malformed header: a fixed phrase from `bearer_refusal`, or
    /// empty.
    std::string_view description{};
};

/// The reasons `read_bearer` gives in `bearer_credentials::description`.
namespace bearer_refusal {
/// The query carries an `access_token` parameter and the header a
/// token too (RFC 6750 2: one method per request).
inline constexpr std::string_view token_in_header_and_query =
    "the token is sent in both the header and the query";
/// The query carries an `access_token` parameter. Tokens in URIs end up
/// in logs, histories and Referer headers, so clearance reads them only
/// from the Authorization header (RFC 6750 2.3 lets servers refuse the
/// query method).
inline constexpr std::string_view token_in_query =
    "send the token in the Authorization header, not the query";
} // namespace bearer_refusal

/// The kind of credentials read by `jwt_authenticator`: bearer tokens in
/// the Authorization header. Name it in `clearance::accepts<...>`.
struct bearer_tokens {};

/// The kind of credentials read by `api_key_authenticator`: API keys in
/// a header of their own. Name it in `clearance::accepts<...>`.
struct api_keys {};

/// The kind of credentials an authenticator reads, which routes name in
/// `clearance::accepts<...>`: `A::credential_kind` when `A` declares
/// one, else `A` itself.
template <class A>
struct credential_kind_of {
    using type = A;
};

template <class A>
requires requires {
    typename A::credential_kind;
}
struct credential_kind_of<A> {
    using type = typename A::credential_kind;
};

/// `credential_kind_of<A>::type`.
template <class A>
using credential_kind_t = typename credential_kind_of<A>::type;

namespace detail {

constexpr bool is_b64token_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~' || c == '+' || c == '/';
}

// Whether the query of `target` has a parameter whose name, once
// percent-decoded, is `name`. Only names are decoded, and only to
// compare; nothing is allocated.
constexpr bool query_has_parameter(std::string_view target,
                                   std::string_view name) noexcept {
    auto question = target.find('?');
    if (question == std::string_view::npos)
        return false;
    auto query = target.substr(question + 1);
    while (true) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        auto key = pair.substr(0, pair.find('='));
        std::size_t at = 0;
        bool same = true;
        for (std::size_t i = 0; same && i < key.size(); ++i, ++at) {
            char c = key[i];
            if (int escaped = escaped_byte(key, i); escaped >= 0) {
                c = static_cast<char>(escaped);
                i += 2;
            }
            same = at < name.size() && c == name[at];
        }
        if (same && at == name.size())
            return true;
        if (amp == std::string_view::npos)
            return false;
        query.remove_prefix(amp + 1);
    }
}

} // namespace detail

/// Reads the bearer token of `r` (RFC 6750 2.1): the scheme is matched
/// case-insensitively, the token must be b64token syntax ("=" only as
/// trailing padding), and more than one Authorization header is
/// malformed. A token in the query (an `access_token` parameter) is
/// malformed too, with or without one in the header: clearance reads
/// tokens from the header only.
inline bearer_credentials read_bearer(request const& r) {
    using boost::beast::http::field;
    auto [first, last] = r.equal_range(field::authorization);
    if (detail::query_has_parameter(r.target(), "access_token"))
        return {bearer_credentials::kind::malformed,
                {},
                first == last ? bearer_refusal::token_in_query
                              : bearer_refusal::token_in_header_and_query};
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
