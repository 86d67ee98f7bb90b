// SPDX-License-Identifier: BSL-1.0
#pragma once

// Bearer JSON Web Tokens signed with HS256 (RFC 7519, RFC 7515), read
// from the Authorization header (RFC 6750). Signature and time checks
// are done by cpp-jwt; this header pins the algorithm and validates the
// token's shape before that library sees a byte of it:
//
// - the key is used with HS256 only. A token whose header names any
//   other `alg` ("none" included), or carries `jku`, `jwk`, `x5u`,
//   `x5c` or `crit`, is refused before any signature work, so an
//   attacker cannot choose how the key is used;
// - the token is three non-empty base64url parts of bounded length, and
//   its header and payload are JSON objects whose time claims (`exp`,
//   `nbf`, `iat`), when present, are integers in range;
// - `exp` is required and enforced, `nbf` enforced, both with a small
//   leeway; `iss` and `aud` are enforced when configured.
//
// Claims become the principal: `sub` (required string), `tenant`
// (string), `roles` (array of role names; names the policy does not know
// are ignored) and `scope` (space-separated; unknown scopes ignored).
//
// Using this header needs cpp-jwt and OpenSSL (Debian: libcpp-jwt-dev,
// libssl-dev); link the `clearance::jwt` CMake target.

#include <clearance/authentication.hpp>
#include <clearance/principal.hpp>
#include <clearance/response.hpp>

#include <jwt/jwt.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace clearance {

/// Settings of a `jwt_authenticator`.
struct jwt_options {
    /// The HS256 key. At least 32 bytes (RFC 7518 3.2).
    std::string secret;

    /// Tolerance for clock skew when checking `exp` and `nbf`.
    std::chrono::seconds leeway{30};

    /// When set, the `iss` claim must equal it.
    std::optional<std::string> issuer;

    /// When set, the `aud` claim must equal it.
    std::optional<std::string> audience;

    /// Longest accepted token, in bytes.
    std::size_t max_token_size = 8 * 1024;
};

/// The claims of a token to issue.
struct token_claims {
    std::string subject;
    std::string tenant;
    std::vector<std::string> roles;
    /// Space-separated scopes; empty for none.
    std::string scope;
};

namespace detail {

constexpr bool is_base64url_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// A compact JWS is three base64url parts with no padding; the length
// of each part modulo 4 is never 1 in valid base64.
inline bool is_compact_jws(std::string_view token) noexcept {
    std::size_t parts = 1, length = 0;
    for (char c : token) {
        if (c == '.') {
            if (length == 0 || length % 4 == 1)
                return false;
            ++parts;
            length = 0;
        } else if (is_base64url_char(c)) {
            ++length;
        } else {
            return false;
        }
    }
    return parts == 3 && length != 0 && length % 4 != 1;
}

// Only a plain HS256 header is accepted: anything that would let the
// token choose a key or an algorithm is refused.
inline bool is_pinned_header(std::string_view encoded) {
    auto text = jwt::base64_uri_decode(encoded.data(), encoded.size());
    auto header = nlohmann::json::parse(text, nullptr, false);
    if (header.is_discarded() || !header.is_object())
        return false;
    auto alg = header.find("alg");
    if (alg == header.end() || !alg->is_string() ||
        alg->get<std::string>() != "HS256")
        return false;
    for (char const* forbidden : {"jku", "jwk", "x5u", "x5c", "crit"})
        if (header.contains(forbidden))
            return false;
    auto typ = header.find("typ");
    if (typ != header.end() &&
        (!typ->is_string() || !iequals(typ->get<std::string>(), "JWT")))
        return false;
    return true;
}

// The payload must be an object whose time claims are integers between 0
// and 2^53: the library converts them without range checks, before it
// verifies the signature.
inline bool is_sane_payload(std::string_view encoded) {
    auto text = jwt::base64_uri_decode(encoded.data(), encoded.size());
    auto payload = nlohmann::json::parse(text, nullptr, false);
    if (payload.is_discarded() || !payload.is_object())
        return false;
    for (char const* name : {"exp", "nbf", "iat"}) {
        auto claim = payload.find(name);
        if (claim == payload.end())
            continue;
        if (claim->is_number_unsigned()) {
            if (claim->get<std::uint64_t>() > (std::uint64_t{1} << 53))
                return false;
        } else if (!claim->is_number_integer() ||
                   claim->get<std::int64_t>() < 0) {
            return false;
        }
    }
    return true;
}

} // namespace detail

/// Authenticates bearer JWTs signed with one HS256 key, for `Policy`.
/// Construction checks the configuration once; `authenticate` never
/// throws and never lets a malformed token through.
template <class Policy>
class jwt_authenticator {
public:
    /// Throws `std::invalid_argument` if the key is shorter than 32
    /// bytes.
    explicit jwt_authenticator(jwt_options options)
        : options_(std::move(options)) {
        if (options_.secret.size() < 32)
            throw std::invalid_argument(
                "clearance: an HS256 key must be at least 32 bytes long");
    }

    /// Authenticates the bearer token of `r`.
    authentication authenticate(request const& r) const {
        auto bearer = read_bearer(r);
        switch (bearer.state) {
        case bearer_credentials::kind::absent:
            return authentication::none();
        case bearer_credentials::kind::malformed:
            return authentication::malformed();
        case bearer_credentials::kind::present:
            break;
        }
        return verify(bearer.token);
    }

    /// Verifies one token and makes its principal.
    authentication verify(std::string_view token) const noexcept {
        try {
            auto who = decode(token);
            if (!who)
                return authentication::invalid();
            return authentication::success(std::move(*who));
        } catch (...) {
            // Allocation failure or a library exception on hostile
            // input: the token is refused, the connection goes on.
            return authentication::invalid();
        }
    }

    /// Issues a token for `claims`, valid for `lifetime` from now (a
    /// negative lifetime issues an expired token, for tests).
    std::string issue(token_claims const& claims,
                      std::chrono::seconds lifetime) const {
        using namespace jwt::params;
        auto now = std::chrono::system_clock::now();
        jwt::jwt_object token{algorithm("HS256"), secret(options_.secret)};
        token.add_claim("sub", claims.subject)
            .add_claim("tenant", claims.tenant)
            .add_claim("roles", claims.roles)
            .add_claim("iat", now)
            .add_claim("exp", now + lifetime);
        if (!claims.scope.empty())
            token.add_claim("scope", claims.scope);
        if (options_.issuer)
            token.add_claim("iss", *options_.issuer);
        if (options_.audience)
            token.add_claim("aud", *options_.audience);
        return token.signature();
    }

private:
    std::optional<principal> decode(std::string_view token) const {
        if (token.size() > options_.max_token_size ||
            !detail::is_compact_jws(token))
            return std::nullopt;
        auto first_dot = token.find('.');
        auto second_dot = token.find('.', first_dot + 1);
        if (!detail::is_pinned_header(token.substr(0, first_dot)) ||
            !detail::is_sane_payload(
                token.substr(first_dot + 1, second_dot - first_dot - 1)))
            return std::nullopt;

        using namespace jwt::params;
        std::error_code error;
        auto leeway_seconds = static_cast<std::uint32_t>(
            options_.leeway.count() < 0 ? 0 : options_.leeway.count());
        jwt::jwt_object decoded;
        jwt::string_view text{token.data(), token.size()};
        if (options_.issuer && options_.audience)
            decoded =
                jwt::decode(text, algorithms({"HS256"}), error,
                            secret(options_.secret), leeway(leeway_seconds),
                            issuer(*options_.issuer), aud(*options_.audience));
        else if (options_.issuer)
            decoded = jwt::decode(
                text, algorithms({"HS256"}), error, secret(options_.secret),
                leeway(leeway_seconds), issuer(*options_.issuer));
        else if (options_.audience)
            decoded = jwt::decode(
                text, algorithms({"HS256"}), error, secret(options_.secret),
                leeway(leeway_seconds), aud(*options_.audience));
        else
            decoded =
                jwt::decode(text, algorithms({"HS256"}), error,
                            secret(options_.secret), leeway(leeway_seconds));
        if (error)
            return std::nullopt;
        return to_principal(decoded.payload().create_json_obj());
    }

    static std::optional<principal> to_principal(nlohmann::json const& claims) {
        // The library checks exp only when present; a token without
        // one would never expire.
        auto exp = claims.find("exp");
        if (exp == claims.end() || !exp->is_number_integer())
            return std::nullopt;
        auto sub = claims.find("sub");
        if (sub == claims.end() || !sub->is_string() ||
            sub->get_ref<std::string const&>().empty())
            return std::nullopt;

        principal who;
        who.subject = sub->get<std::string>();
        if (auto tenant = claims.find("tenant"); tenant != claims.end()) {
            if (!tenant->is_string())
                return std::nullopt;
            who.tenant = tenant->get<std::string>();
        }
        if (auto roles = claims.find("roles"); roles != claims.end()) {
            if (!roles->is_array())
                return std::nullopt;
            for (auto const& name : *roles) {
                if (!name.is_string())
                    return std::nullopt;
                if (auto index =
                        Policy::find_role(name.get_ref<std::string const&>()))
                    who.roles.set(*index);
            }
        }
        if (auto scope = claims.find("scope"); scope != claims.end()) {
            if (!scope->is_string())
                return std::nullopt;
            std::string_view rest = scope->get_ref<std::string const&>();
            while (!rest.empty()) {
                auto space = rest.find(' ');
                auto name = rest.substr(0, space);
                if (auto index = Policy::find_scope(name))
                    who.scopes.set(*index);
                rest = space == std::string_view::npos ? std::string_view{}
                                                       : rest.substr(space + 1);
            }
        }
        Policy::compute_permissions(who);
        return who;
    }

    jwt_options options_;
};

} // namespace clearance
