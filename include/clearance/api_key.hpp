// SPDX-License-Identifier: BSL-1.0
#pragma once

// API keys for service-to-service calls. A key is sent in one request
// header (`X-API-Key` by default) and stands for a principal described
// in the policy's words: a subject, role names, scopes and a tenant.
//
// Keys are stored only as SHA-256 digests, built at start-up from the
// plaintext keys (which are then forgotten) or from digests computed
// elsewhere (`printf %s "$KEY" | sha256sum`). A presented key is hashed
// and compared with every stored digest in constant time
// (CRYPTO_memcmp). Role and scope names are resolved against the policy
// when the authenticator is made: a name the policy does not declare
// stops start-up.
//
// A request without the header carries no API key (`none`); two such
// headers, or an empty or non-printable value, are `malformed`; a key
// that matches no digest is `invalid`.
//
// Using this header needs OpenSSL (Debian: libssl-dev); link the
// `clearance::jwt` CMake target, which brings it.

#include <clearance/authentication.hpp>
#include <clearance/principal.hpp>
#include <clearance/response.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clearance {

/// The SHA-256 digest of an API key: the only form in which keys are
/// kept.
using api_key_digest = std::array<unsigned char, 32>;

/// The SHA-256 digest of `key`. Throws `std::runtime_error` if OpenSSL
/// cannot compute it.
inline api_key_digest hash_api_key(std::string_view key) {
    api_key_digest digest{};
    unsigned int length = 0;
    if (EVP_Digest(key.data(), key.size(), digest.data(), &length, EVP_sha256(),
                   nullptr) != 1 ||
        length != digest.size())
        throw std::runtime_error("clearance: SHA-256 is not available");
    return digest;
}

/// Reads a SHA-256 digest written as 64 hexadecimal digits (either
/// case), as `sha256sum` prints it. Throws `std::invalid_argument` if
/// `hex` is anything else.
inline api_key_digest parse_api_key_digest(std::string_view hex) {
    auto value = [](char c) {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    api_key_digest digest{};
    bool valid = hex.size() == 2 * digest.size();
    for (std::size_t i = 0; valid && i < digest.size(); ++i) {
        int high = value(hex[2 * i]), low = value(hex[2 * i + 1]);
        valid = high >= 0 && low >= 0;
        digest[i] = static_cast<unsigned char>(high * 16 + low);
    }
    if (!valid)
        throw std::invalid_argument(
            "clearance: an API key digest must be 64 hexadecimal digits "
            "(SHA-256)");
    return digest;
}

/// Who an API key stands for, in the policy's words.
struct api_key_identity {
    /// The principal's subject; not empty.
    std::string subject{};

    /// Names of roles of the policy; an unknown name stops start-up.
    std::vector<std::string> roles{};

    /// Names of scopes of the policy; an unknown name stops start-up.
    std::vector<std::string> scopes{};

    /// The principal's tenant; empty when the application has one.
    std::string tenant{};
};

/// The API keys an authenticator accepts, each kept as its digest only.
class api_key_table {
public:
    /// One key: its digest and the identity it stands for.
    struct entry {
        /// The SHA-256 digest of the key.
        api_key_digest digest;
        /// Who the key stands for, not yet checked against a policy.
        api_key_identity identity;
    };

    /// The shortest plaintext key accepted: 32 characters, such as
    /// `openssl rand -hex 16` prints (128 bits).
    static constexpr std::size_t min_key_size = 32;

    /// Adds a key given in plaintext; only its digest is kept. Throws
    /// `std::invalid_argument` if the key is shorter than
    /// `min_key_size` or holds anything but printable ASCII (it could
    /// not be sent in a header).
    api_key_table& add_key(std::string_view key, api_key_identity identity) {
        if (key.size() < min_key_size)
            throw std::invalid_argument(
                "clearance: the API key of '" + identity.subject +
                "' is shorter than 32 characters; make one with "
                "`openssl rand -hex 32`");
        for (char c : key)
            if (c < '!' || c > '~')
                throw std::invalid_argument(
                    "clearance: the API key of '" + identity.subject +
                    "' holds a character other than printable ASCII");
        entries_.push_back({hash_api_key(key), std::move(identity)});
        return *this;
    }

    /// Adds a key by the SHA-256 digest of its plaintext, in hex. Throws
    /// `std::invalid_argument` if `sha256_hex` is not 64 hex digits.
    api_key_table& add_digest(std::string_view sha256_hex,
                              api_key_identity identity) {
        entries_.push_back(
            {parse_api_key_digest(sha256_hex), std::move(identity)});
        return *this;
    }

    /// The keys, in the order they were added.
    std::vector<entry> const& entries() const noexcept { return entries_; }

private:
    std::vector<entry> entries_;
};

/// Settings of an `api_key_authenticator`.
struct api_key_options {
    /// The request header that carries the key.
    std::string header = "X-API-Key";

    /// The accepted keys.
    api_key_table keys;
};

/// The descriptions an `api_key_authenticator` gives in
/// `authentication::description`.
namespace api_key_refusal {
/// The key header is sent more than once (malformed).
inline constexpr std::string_view repeated_header =
    "the API key header is repeated";
/// The key header is empty or not printable ASCII (malformed).
inline constexpr std::string_view malformed_key =
    "the API key header is malformed";
/// The key matches no stored digest (invalid).
inline constexpr std::string_view unknown_key = "the API key is not known";
/// The key could not be checked (out of memory, say).
inline constexpr std::string_view unprocessable =
    "the API key could not be processed";
} // namespace api_key_refusal

namespace detail {

// RFC 9110 5.1: a field name is a token.
constexpr bool is_field_name(std::string_view name) noexcept {
    if (name.empty())
        return false;
    for (char c : name) {
        bool alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9');
        if (!alphanumeric && std::string_view{"!#$%&'*+-.^_`|~"}.find(c) ==
                                 std::string_view::npos)
            return false;
    }
    return true;
}

// The position of the entry whose digest is `digest`, or
// `entries.size()`. Every entry is compared, each in constant time, so
// the time taken depends on the table's size alone.
template <class Entries>
std::size_t find_api_key_digest(Entries const& entries,
                                api_key_digest const& digest) noexcept {
    std::size_t found = entries.size();
    for (std::size_t i = 0; i < entries.size(); ++i) {
        bool equal = CRYPTO_memcmp(entries[i].digest.data(), digest.data(),
                                   digest.size()) == 0;
        if (equal && found == entries.size())
            found = i;
    }
    return found;
}

} // namespace detail

/// Authenticates requests by an API key in a header, for `Policy`.
/// Construction resolves every identity against the policy and throws on
/// any mistake; `authenticate` never throws.
template <class Policy>
class api_key_authenticator {
public:
    /// Routes name this kind in `clearance::accepts<...>`.
    using credential_kind = api_keys;

    /// Throws `std::invalid_argument` if the header name is not a field
    /// name or is Authorization, there are no keys, two keys are the
    /// same, or an identity has an empty subject or names a role or
    /// scope the policy does not declare. Messages name the subject,
    /// never the key.
    explicit api_key_authenticator(api_key_options options)
        : header_(std::move(options.header)) {
        using std::invalid_argument;
        if (!detail::is_field_name(header_))
            throw invalid_argument("clearance: '" + header_ +
                                   "' is not a valid header name for API "
                                   "keys");
        if (detail::iequals(header_, "Authorization"))
            throw invalid_argument(
                "clearance: API keys cannot be read from the Authorization "
                "header; choose another, such as X-API-Key");
        auto const& entries = options.keys.entries();
        if (entries.empty())
            throw invalid_argument("clearance: an API key authenticator "
                                   "needs at least one key");
        for (auto const& [digest, identity] : entries) {
            auto const& subject = identity.subject;
            if (subject.empty())
                throw invalid_argument(
                    "clearance: an API key has an empty subject");
            if (detail::find_api_key_digest(keys_, digest) != keys_.size())
                throw invalid_argument("clearance: the API key of '" + subject +
                                       "' is the same as an earlier one");
            principal who;
            who.subject = subject;
            who.tenant = identity.tenant;
            for (auto const& role : identity.roles) {
                auto index = Policy::find_role(role);
                if (!index)
                    throw invalid_argument("clearance: the API key of '" +
                                           subject + "' names the role '" +
                                           role +
                                           "', which the policy does not "
                                           "declare");
                who.roles.set(*index);
            }
            for (auto const& scope : identity.scopes) {
                auto index = Policy::find_scope(scope);
                if (!index)
                    throw invalid_argument("clearance: the API key of '" +
                                           subject + "' names the scope '" +
                                           scope +
                                           "', which the policy does not "
                                           "declare");
                who.scopes.set(*index);
            }
            Policy::compute_permissions(who);
            keys_.push_back({digest, std::move(who)});
        }
    }

    /// Authenticates the API key header of `r`.
    authentication authenticate(request const& r) const {
        auto [first, last] = r.equal_range(header_);
        if (first == last)
            return authentication::none();
        if (std::next(first) != last)
            return authentication::malformed(api_key_refusal::repeated_header);
        std::string_view key = first->value();
        if (key.empty())
            return authentication::malformed(api_key_refusal::malformed_key);
        for (char c : key)
            if (c < '!' || c > '~')
                return authentication::malformed(
                    api_key_refusal::malformed_key);
        return verify(key);
    }

    /// Looks up one key and makes its principal. An unknown key is
    /// `invalid`.
    authentication verify(std::string_view key) const noexcept {
        try {
            auto found = detail::find_api_key_digest(keys_, hash_api_key(key));
            if (found == keys_.size())
                return authentication::invalid(api_key_refusal::unknown_key);
            return authentication::success(keys_[found].who);
        } catch (...) {
            return authentication::invalid(api_key_refusal::unprocessable);
        }
    }

    /// The header the key is read from.
    std::string const& header() const noexcept { return header_; }

private:
    struct resolved_key {
        api_key_digest digest;
        principal who;
    };

    std::string header_;
    std::vector<resolved_key> keys_;
};

} // namespace clearance
