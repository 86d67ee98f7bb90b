// SPDX-License-Identifier: BSL-1.0
#pragma once

// Bearer JSON Web Tokens (RFC 7519, RFC 7515) read from the
// Authorization header (RFC 6750), verified against a set of keys fixed
// at start-up. Each key has an id (`kid`), exactly one algorithm (HS256,
// RS256, ES256 or EdDSA with Ed25519) and its material: an HMAC secret, or a
// public key read from a PEM file or a JSON Web Key Set (RFC 7517).
//
// The token's header never chooses how it is verified. Before any
// signature work, a token is refused when:
//
// - it is not three canonical base64url parts of bounded length, or its
//   header or payload is not a JSON object, repeats a member name or
//   nests too deeply;
// - its `alg` is "none", or its header carries `jwk`, `jku`, `x5u`,
//   `x5c` or `crit`, or a `typ` other than JWT;
// - its `kid` names no configured key (a token without `kid` selects the
//   key only when there is exactly one), or its `alg` is not that key's
//   algorithm;
// - a time claim (`exp`, `nbf`, `iat`) is not an integer from 0 to 2^53.
//
// The signature is then checked with the selected key: HS256 MACs are
// computed by cpp-jwt and compared in constant time; RS256, ES256 and
// EdDSA signatures are verified by OpenSSL with the public key parsed once at
// start-up (parsing a PEM per token, as cpp-jwt does, costs twenty times
// the verification). The claims come after it: `exp` (required unless
// `require_expiry` is false) and `nbf` with a leeway, `iss` and `aud`
// when configured.
//
// Claims become the principal: `sub` (required string), `tenant`
// (string), `roles` (array of role names; names the policy does not know
// are ignored), `scope` (space-separated; unknown scopes ignored), `jti`
// (string, the token's id) and `exp`.
//
// Every refusal carries a short fixed description (`jwt_refusal`), for
// RFC 6750's `error_description`. Key files are read by the functions
// below; a bad one throws, naming the file and the problem. A
// `jwks_file` re-reads its key set when the file changes, so that keys
// rotate without a restart; a bad new file keeps the keys in use.
//
// Using this header needs cpp-jwt, nlohmann::json and OpenSSL 3 (Debian:
// libcpp-jwt-dev, nlohmann-json3-dev, libssl-dev); link the
// `clearance::jwt` CMake target.

#include <clearance/authentication.hpp>
#include <clearance/principal.hpp>
#include <clearance/response.hpp>

#include <jwt/jwt.hpp>
#include <nlohmann/json.hpp>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clearance {

/// The algorithms a key can verify (RFC 7518 3.1). A key is used with
/// exactly one of them.
enum class jwt_algorithm {
    /// HMAC with SHA-256, with a secret of at least 32 bytes.
    hs256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, with an RSA key of at least 2048
    /// bits.
    rs256,
    /// ECDSA with SHA-256, with a key on the curve P-256.
    es256,
    /// EdDSA (RFC 8037) with an Ed25519 key.
    eddsa,
};

/// The name of `algorithm` in a JWS header: "HS256", "RS256", "ES256" or
/// "EdDSA".
constexpr std::string_view algorithm_name(jwt_algorithm algorithm) noexcept {
    switch (algorithm) {
    case jwt_algorithm::hs256:
        return "HS256";
    case jwt_algorithm::rs256:
        return "RS256";
    case jwt_algorithm::es256:
        return "ES256";
    case jwt_algorithm::eddsa:
        return "EdDSA";
    }
    return {};
}

/// A key that verifies tokens.
struct jwt_key {
    /// The id a token names in its `kid` header. It may be empty only
    /// when the key is the only one.
    std::string id{};

    /// The one algorithm the key is used with.
    jwt_algorithm algorithm = jwt_algorithm::hs256;

    /// For HS256, the secret itself (at least 32 bytes); for RS256 and
    /// ES256 and EdDSA, the public key in PEM ("-----BEGIN PUBLIC
    /// KEY-----").
    std::string material{};
};

class jwks_file;

/// Settings of a `jwt_authenticator`. Set exactly one of `secret` (one
/// HS256 key, tokens need no `kid`), `keys` or `key_file`.
struct jwt_options {
    /// A single HS256 key of at least 32 bytes (RFC 7518 3.2).
    std::string secret;

    /// The key set. With several keys, each has a distinct non-empty id
    /// and every token must name its key with `kid`.
    std::vector<jwt_key> keys;

    /// A key set read from a file and re-read when the file changes,
    /// shared by every authenticator that verifies with it.
    std::shared_ptr<jwks_file> key_file;

    /// Tolerance for clock skew when checking `exp` and `nbf`; from zero
    /// to one day.
    std::chrono::seconds leeway{30};

    /// When set, the `iss` claim must equal it.
    std::optional<std::string> issuer;

    /// When set, the `aud` claim must equal it or, if it is an array,
    /// contain it.
    std::optional<std::string> audience;

    /// Whether a token without `exp` is refused. Turn it off only for
    /// tokens that are revoked by other means.
    bool require_expiry = true;

    /// Longest accepted token, in bytes.
    std::size_t max_token_size = 8 * 1024;

    /// How many verified tokens to remember, so that a token presented
    /// again is accepted without checking its signature and claims anew;
    /// 0, the default, remembers none. A remembered token is still
    /// refused once it expires, and every one is forgotten when the key
    /// set changes. Revocation (`refuse_revoked`) is asked on every
    /// request, remembered or not.
    std::size_t remembered_tokens = 0;
};

/// The claims of a token to issue.
struct token_claims {
    /// The `sub` claim; not empty.
    std::string subject;
    /// The `tenant` claim.
    std::string tenant;
    /// The `roles` claim: names of roles of the policy.
    std::vector<std::string> roles;
    /// Space-separated scopes; empty for none.
    std::string scope;
    /// The `jti` claim, which names the token for revocation; when
    /// empty, `issue` makes a random one.
    std::string token_id{};
};

/// The descriptions a `jwt_authenticator` gives in
/// `authentication::description`, one per reason a token is refused.
/// Each is fixed text, fit for RFC 6750's `error_description`.
namespace jwt_refusal {
/// The Authorization header is repeated, or its bearer token is empty
/// or not b64token syntax (a malformed request, not a refused token).
inline constexpr std::string_view malformed_header =
    "the Authorization header is malformed";
/// Longer than `jwt_options::max_token_size`.
inline constexpr std::string_view too_long = "the token is too long";
/// Not three parts of canonical, unpadded base64url.
inline constexpr std::string_view not_compact =
    "the token is not three base64url parts";
/// The header is not a JSON object.
inline constexpr std::string_view bad_header =
    "the token header is not a JSON object";
/// The payload is not a JSON object.
inline constexpr std::string_view bad_payload =
    "the token payload is not a JSON object";
/// An object in the header or payload repeats a member name.
inline constexpr std::string_view duplicate_member =
    "the token repeats a member name";
/// The header or payload nests objects and arrays too deeply.
inline constexpr std::string_view too_deep = "the token nests too deeply";
/// The header has no `alg` string.
inline constexpr std::string_view no_algorithm = "the token names no algorithm";
/// `alg` is "none".
inline constexpr std::string_view unsigned_token = "the token is not signed";
/// The header carries `jwk`, `jku`, `x5u` or `x5c`.
inline constexpr std::string_view embedded_key =
    "the token header names its own key";
/// The header carries `crit`.
inline constexpr std::string_view critical_header =
    "the token header has critical extensions";
/// `typ` is present and not "JWT".
inline constexpr std::string_view wrong_type = "the token type is not JWT";
/// `kid` is not a string, or names no configured key.
inline constexpr std::string_view unknown_key = "the token key is not known";
/// Several keys are configured and the token has no `kid`.
inline constexpr std::string_view no_key_id = "the token names no key";
/// `alg` is not the algorithm of the key `kid` selects.
inline constexpr std::string_view wrong_algorithm =
    "the token algorithm is not its key's";
/// `exp`, `nbf` or `iat` is not an integer from 0 to 2^53.
inline constexpr std::string_view bad_time_claim =
    "a time claim is not an integer in range";
/// The signature does not verify with the selected key.
inline constexpr std::string_view bad_signature =
    "the signature does not verify";
/// The token has no `exp` and `require_expiry` is set.
inline constexpr std::string_view no_expiry = "the token has no expiry";
/// `exp` has passed, leeway included.
inline constexpr std::string_view expired = "the token has expired";
/// `nbf` is in the future, leeway included.
inline constexpr std::string_view not_yet_valid = "the token is not valid yet";
/// `iss` is missing or not the configured issuer.
inline constexpr std::string_view wrong_issuer =
    "the token issuer is not accepted";
/// `aud` is missing or does not name the configured audience.
inline constexpr std::string_view wrong_audience =
    "the token audience is not accepted";
/// `sub` is missing, empty or not a string.
inline constexpr std::string_view no_subject = "the token has no subject";
/// `tenant`, `roles`, `scope` or `jti` has the wrong type.
inline constexpr std::string_view bad_claim = "a claim has the wrong type";
/// The token could not be processed (out of memory, say).
inline constexpr std::string_view unprocessable =
    "the token could not be processed";
} // namespace jwt_refusal

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

constexpr int base64url_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

// Decodes unpadded base64url (RFC 4648 5). Only the canonical spelling
// is accepted: the bits the last character leaves over must be zero, so
// no two strings decode to the same bytes.
inline std::optional<std::string> decode_base64url(std::string_view text) {
    if (text.size() % 4 == 1)
        return std::nullopt;
    std::string bytes;
    bytes.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : text) {
        int value = base64url_value(c);
        if (value < 0)
            return std::nullopt;
        buffer = (buffer << 6 | static_cast<std::uint32_t>(value)) & 0xFFFFFF;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    if ((buffer & ((1U << bits) - 1)) != 0)
        return std::nullopt;
    return bytes;
}

// Encodes bytes as unpadded base64url.
inline std::string encode_base64url(std::string_view bytes) {
    constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string text;
    text.reserve((bytes.size() * 4 + 2) / 3);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : bytes) {
        buffer = (buffer << 8 | static_cast<unsigned char>(c)) & 0xFFFF;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            text.push_back(alphabet[(buffer >> bits) & 0x3F]);
        }
    }
    if (bits > 0)
        text.push_back(alphabet[(buffer << (6 - bits)) & 0x3F]);
    return text;
}

/// Why a JSON text was not accepted by `parse_strict_json`.
enum class json_problem { none, syntax, duplicate_member, too_deep };

// Walks a JSON text without building it, to find what nlohmann::json
// would let through silently: a repeated member name (the parser keeps
// the last one, so two readers of one token could see different claims)
// and nesting deeper than a limit.
class strict_json_checker final : public nlohmann::json_sax<nlohmann::json> {
public:
    explicit strict_json_checker(std::size_t max_depth) noexcept
        : max_depth_(max_depth) {}

    json_problem problem = json_problem::none;

    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, string_t const&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }

    bool start_object(std::size_t) override {
        members_.emplace_back();
        return enter();
    }

    bool key(string_t& name) override {
        if (members_.back().insert(name).second)
            return true;
        problem = json_problem::duplicate_member;
        return false;
    }

    bool end_object() override {
        members_.pop_back();
        --depth_;
        return true;
    }

    bool start_array(std::size_t) override { return enter(); }

    bool end_array() override {
        --depth_;
        return true;
    }

    bool parse_error(std::size_t, std::string const&,
                     nlohmann::json::exception const&) override {
        problem = json_problem::syntax;
        return false;
    }

private:
    bool enter() {
        if (++depth_ <= max_depth_)
            return true;
        problem = json_problem::too_deep;
        return false;
    }

    std::size_t max_depth_;
    std::size_t depth_ = 0;
    std::vector<std::set<std::string>> members_;
};

/// How deeply a token's header or payload, or a key set, may nest.
inline constexpr std::size_t max_json_depth = 16;

/// A JSON text parsed by `parse_strict_json`.
struct strict_json {
    nlohmann::json value;
    json_problem problem = json_problem::none;
};

// Parses strict JSON (RFC 8259: UTF-8, nothing after the value) with no
// repeated member names and nesting at most `max_depth` deep.
inline strict_json parse_strict_json(std::string_view text,
                                     std::size_t max_depth = max_json_depth) {
    strict_json out;
    strict_json_checker checker{max_depth};
    if (!nlohmann::json::sax_parse(text, &checker)) {
        out.problem = checker.problem == json_problem::none
                          ? json_problem::syntax
                          : checker.problem;
        return out;
    }
    out.value = nlohmann::json::parse(text, nullptr, false);
    if (out.value.is_discarded())
        out.problem = json_problem::syntax;
    return out;
}

// The header must name an algorithm other than "none", and nothing
// that would let the token choose its own key or change how it is
// verified. Returns the refusal, or an empty view.
inline std::string_view header_problem(nlohmann::json const& header) {
    if (!header.is_object())
        return jwt_refusal::bad_header;
    auto alg = header.find("alg");
    if (alg == header.end() || !alg->is_string())
        return jwt_refusal::no_algorithm;
    if (iequals(alg->get_ref<std::string const&>(), "none"))
        return jwt_refusal::unsigned_token;
    for (char const* key : {"jwk", "jku", "x5u", "x5c"})
        if (header.contains(key))
            return jwt_refusal::embedded_key;
    if (header.contains("crit"))
        return jwt_refusal::critical_header;
    auto typ = header.find("typ");
    if (typ != header.end() &&
        (!typ->is_string() ||
         !iequals(typ->get_ref<std::string const&>(), "JWT")))
        return jwt_refusal::wrong_type;
    auto kid = header.find("kid");
    if (kid != header.end() && !kid->is_string())
        return jwt_refusal::unknown_key;
    return {};
}

// The latest expiry a principal records, in seconds since the epoch:
// what the system clock can hold (until the year 2262 where it counts
// nanoseconds) less a year, so that adding a leeway or a grace period to
// it cannot overflow. A token that expires later, up to 2^53, is
// recorded as expiring then, which is as good as never.
inline constexpr std::int64_t latest_expiry =
    std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::time_point::max().time_since_epoch())
        .count() -
    366 * 24 * 60 * 60;

// The payload's time claims, when present, must be integers between 0
// and 2^53, so that no arithmetic on them can overflow.
inline bool is_sane_payload(nlohmann::json const& payload) {
    if (!payload.is_object())
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

// Owning handles for OpenSSL objects.
template <auto Free>
struct openssl_deleter {
    template <class T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO_free>>;
using bignum_ptr = std::unique_ptr<BIGNUM, openssl_deleter<BN_free>>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY_free>>;
using pkey_context_ptr =
    std::unique_ptr<EVP_PKEY_CTX, openssl_deleter<EVP_PKEY_CTX_free>>;
using param_builder_ptr =
    std::unique_ptr<OSSL_PARAM_BLD, openssl_deleter<OSSL_PARAM_BLD_free>>;
using params_ptr =
    std::unique_ptr<OSSL_PARAM, openssl_deleter<OSSL_PARAM_free>>;
using digest_context_ptr =
    std::unique_ptr<EVP_MD_CTX, openssl_deleter<EVP_MD_CTX_free>>;
using ecdsa_signature_ptr =
    std::unique_ptr<ECDSA_SIG, openssl_deleter<ECDSA_SIG_free>>;

struct openssl_free {
    void operator()(unsigned char* p) const noexcept { OPENSSL_free(p); }
};

template <class T>
T* checked_allocation(T* p) {
    if (p == nullptr)
        throw std::bad_alloc();
    return p;
}

// Reads one PEM public key (SubjectPublicKeyInfo). Returns the problem
// as text, or an empty string and the key.
inline std::pair<pkey_ptr, std::string> read_public_pem(std::string_view pem) {
    auto blocks = std::size_t{0};
    for (auto at = pem.find("-----BEGIN "); at != std::string_view::npos;
         at = pem.find("-----BEGIN ", at + 1))
        ++blocks;
    if (pem.find("PRIVATE KEY-----") != std::string_view::npos)
        return {nullptr, "holds a private key; give the public key only "
                         "(openssl pkey -pubout)"};
    if (pem.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos)
        return {nullptr, "holds a certificate; give its public key "
                         "(openssl x509 -pubkey -noout)"};
    if (pem.find("-----BEGIN PUBLIC KEY-----") == std::string_view::npos)
        return {nullptr,
                "holds no PEM public key (-----BEGIN PUBLIC KEY-----)"};
    if (blocks != 1)
        return {nullptr, "holds more than one PEM block; give one key"};
    bio_ptr bio{checked_allocation(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())))};
    pkey_ptr key{PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)};
    ERR_clear_error();
    if (!key)
        return {nullptr, "holds a public key that does not parse"};
    return {std::move(key), std::string{}};
}

// Whether `key` suits `algorithm`; returns the problem, or an empty
// string.
inline std::string key_problem(EVP_PKEY* key, jwt_algorithm algorithm) {
    switch (algorithm) {
    case jwt_algorithm::hs256:
        return "is a public key, and HS256 needs a secret";
    case jwt_algorithm::rs256:
        if (!EVP_PKEY_is_a(key, "RSA"))
            return "is not an RSA key, and RS256 needs one";
        if (EVP_PKEY_get_bits(key) < 2048)
            return "is an RSA key of " +
                   std::to_string(EVP_PKEY_get_bits(key)) +
                   " bits; RS256 needs at least 2048";
        return {};
    case jwt_algorithm::es256: {
        if (!EVP_PKEY_is_a(key, "EC"))
            return "is not an EC key, and ES256 needs one on P-256";
        char group[64] = {};
        std::size_t length = 0;
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
                                           group, sizeof group, &length) != 1)
            return "is an EC key without a named curve; ES256 needs P-256";
        std::string_view name{group, length};
        if (name != "prime256v1" && name != "P-256")
            return "is an EC key on the curve " + std::string(name) +
                   "; ES256 needs P-256";
        return {};
    }
    case jwt_algorithm::eddsa:
        if (!EVP_PKEY_is_a(key, "ED25519"))
            return "is not an Ed25519 key, and EdDSA needs one";
        return {};
    }
    return "has an unknown algorithm";
}

// The PEM cpp-jwt reads: SubjectPublicKeyInfo.
inline std::string write_public_pem(EVP_PKEY* key) {
    bio_ptr bio{checked_allocation(BIO_new(BIO_s_mem()))};
    if (PEM_write_bio_PUBKEY(bio.get(), key) != 1)
        throw std::bad_alloc();
    char* data = nullptr;
    auto size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

/// A key checked by `prepare_key`.
struct prepared_key {
    /// For RS256, ES256 and EdDSA, the public key, parsed once.
    std::shared_ptr<EVP_PKEY> public_key;
    /// What is wrong with the key; empty when nothing is.
    std::string problem;
};

// Checks a key, brings its PEM to the SubjectPublicKeyInfo form and
// parses it.
inline prepared_key prepare_key(jwt_key& key) {
    if (key.algorithm == jwt_algorithm::hs256) {
        if (key.material.size() < 32)
            return {nullptr, "is shorter than 32 bytes: an HS256 key must "
                             "be at least 32 bytes long"};
        // A public key used as an HMAC secret lets anyone who has it
        // sign tokens: the classic algorithm confusion.
        if (key.material.find("-----BEGIN ") != std::string::npos)
            return {nullptr, "is an HS256 secret that holds a PEM key; "
                             "HS256 needs a shared secret"};
        return {};
    }
    if (key.algorithm != jwt_algorithm::rs256 &&
        key.algorithm != jwt_algorithm::es256 &&
        key.algorithm != jwt_algorithm::eddsa)
        return {nullptr, "has an unknown algorithm"};
    auto [public_key, problem] = read_public_pem(key.material);
    if (!public_key)
        return {nullptr, std::move(problem)};
    if (auto mismatch = key_problem(public_key.get(), key.algorithm);
        !mismatch.empty())
        return {nullptr, std::move(mismatch)};
    key.material = write_public_pem(public_key.get());
    return {std::shared_ptr<EVP_PKEY>(public_key.release(), EVP_PKEY_free), {}};
}

// JWS sends an ES256 signature as R || S, 32 bytes each (RFC 7518
// 3.4); OpenSSL reads the DER form.
inline std::string ecdsa_der(std::string_view raw) {
    auto number = [](std::string_view bytes) {
        return bignum_ptr{checked_allocation(
            BN_bin2bn(reinterpret_cast<unsigned char const*>(bytes.data()),
                      static_cast<int>(bytes.size()), nullptr))};
    };
    ecdsa_signature_ptr signature{checked_allocation(ECDSA_SIG_new())};
    auto r = number(raw.substr(0, 32));
    auto s = number(raw.substr(32));
    if (ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1)
        throw std::bad_alloc();
    r.release();
    s.release();
    unsigned char* out = nullptr;
    int length = i2d_ECDSA_SIG(signature.get(), &out);
    std::unique_ptr<unsigned char, openssl_free> owned{out};
    if (length <= 0)
        throw std::bad_alloc();
    return std::string(reinterpret_cast<char const*>(out),
                       static_cast<std::size_t>(length));
}

// Verifies an RS256, ES256 or EdDSA signature of `input`.
inline bool verify_signature(EVP_PKEY* key, jwt_algorithm algorithm,
                             std::string_view input,
                             std::string_view signature) {
    std::string der;
    if (algorithm == jwt_algorithm::es256) {
        if (signature.size() != 64)
            return false;
        der = ecdsa_der(signature);
        signature = der;
    }
    // Ed25519 hashes the message itself (RFC 8032), so it takes no
    // digest, and its signatures are always 64 bytes.
    if (algorithm == jwt_algorithm::eddsa && signature.size() != 64)
        return false;
    EVP_MD const* digest =
        algorithm == jwt_algorithm::eddsa ? nullptr : EVP_sha256();
    digest_context_ptr context{checked_allocation(EVP_MD_CTX_new())};
    return EVP_DigestVerifyInit(context.get(), nullptr, digest, nullptr, key) ==
               1 &&
           EVP_DigestVerify(
               context.get(),
               reinterpret_cast<unsigned char const*>(signature.data()),
               signature.size(),
               reinterpret_cast<unsigned char const*>(input.data()),
               input.size()) == 1;
}

// Reads a whole key file, refusing one larger than `limit` bytes.
inline std::string read_key_file(std::filesystem::path const& file,
                                 std::string_view what, std::size_t limit) {
    auto fail = [&](std::string const& problem) {
        return std::runtime_error("clearance: the " + std::string(what) + " '" +
                                  file.string() + "' " + problem);
    };
    std::error_code error;
    auto status = std::filesystem::status(file, error);
    if (error || !std::filesystem::exists(status))
        throw fail("does not exist");
    if (!std::filesystem::is_regular_file(status))
        throw fail("is not a regular file");
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw fail("cannot be opened");
    std::string text;
    char buffer[4096];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > limit)
            throw fail("is larger than " + std::to_string(limit) + " bytes");
    }
    if (in.bad())
        throw fail("cannot be read");
    if (text.empty())
        throw fail("is empty");
    return text;
}

// Builds a public key from OpenSSL parameters.
inline pkey_ptr key_from_parameters(char const* type, OSSL_PARAM_BLD* builder) {
    params_ptr parameters{checked_allocation(OSSL_PARAM_BLD_to_param(builder))};
    pkey_context_ptr context{
        checked_allocation(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr))};
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_fromdata_init(context.get()) != 1 ||
        EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_PUBLIC_KEY,
                          parameters.get()) != 1) {
        ERR_clear_error();
        return nullptr;
    }
    pkey_ptr key{raw};
    pkey_context_ptr check{checked_allocation(
        EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr))};
    if (EVP_PKEY_public_check(check.get()) != 1) {
        ERR_clear_error();
        return nullptr;
    }
    return key;
}

inline pkey_ptr rsa_key_from_jwk(std::string const& n, std::string const& e) {
    auto to_bignum = [](std::string const& bytes) {
        return bignum_ptr{checked_allocation(
            BN_bin2bn(reinterpret_cast<unsigned char const*>(bytes.data()),
                      static_cast<int>(bytes.size()), nullptr))};
    };
    auto modulus = to_bignum(n);
    auto exponent = to_bignum(e);
    param_builder_ptr builder{checked_allocation(OSSL_PARAM_BLD_new())};
    if (OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N,
                               modulus.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E,
                               exponent.get()) != 1)
        throw std::bad_alloc();
    return key_from_parameters("RSA", builder.get());
}

inline pkey_ptr ec_key_from_jwk(std::string const& x, std::string const& y) {
    // An uncompressed point (SEC 1 2.3.3): 0x04, then x and y.
    std::string point = "\x04" + x + y;
    param_builder_ptr builder{checked_allocation(OSSL_PARAM_BLD_new())};
    if (OSSL_PARAM_BLD_push_utf8_string(
            builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                         point.data(), point.size()) != 1)
        throw std::bad_alloc();
    return key_from_parameters("EC", builder.get());
}

inline pkey_ptr ed25519_key_from_jwk(std::string const& x) {
    pkey_ptr key{EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr,
        reinterpret_cast<unsigned char const*>(x.data()), x.size())};
    if (!key)
        ERR_clear_error();
    return key;
}

// One member of a JWK (RFC 7517 4): a base64url string, decoded.
inline std::optional<std::string> jwk_bytes(nlohmann::json const& jwk,
                                            char const* name) {
    auto member = jwk.find(name);
    if (member == jwk.end() || !member->is_string())
        return std::nullopt;
    auto bytes = decode_base64url(member->get_ref<std::string const&>());
    if (!bytes || bytes->empty())
        return std::nullopt;
    return bytes;
}

// Reads one JWK. Returns nothing for a key that is not for signatures.
// Throws `std::runtime_error` with `where` and the problem.
inline std::optional<jwt_key>
read_jwk(nlohmann::json const& jwk, std::size_t index, std::string_view where) {
    std::string name = "key " + std::to_string(index + 1);
    auto fail = [&](std::string const& problem) {
        return std::runtime_error("clearance: " + std::string(where) + ": " +
                                  name + " " + problem);
    };
    if (!jwk.is_object())
        throw fail("is not a JSON object");
    auto string_member = [&](char const* member) -> std::optional<std::string> {
        auto found = jwk.find(member);
        if (found == jwk.end())
            return std::nullopt;
        if (!found->is_string())
            throw fail(std::string("has a \"") + member +
                       "\" that is not a string");
        return found->get<std::string>();
    };
    jwt_key key;
    if (auto kid = string_member("kid")) {
        key.id = *kid;
        name = "'" + key.id + "'";
    }
    // Encryption keys (RFC 7517 4.2, 4.3) are not ours to use.
    if (auto use = string_member("use"); use && *use != "sig")
        return std::nullopt;
    if (auto ops = jwk.find("key_ops"); ops != jwk.end()) {
        if (!ops->is_array())
            throw fail("has a \"key_ops\" that is not an array");
        if (std::find(ops->begin(), ops->end(), "verify") == ops->end())
            return std::nullopt;
    }
    auto kty = string_member("kty");
    if (!kty)
        throw fail("has no \"kty\"");
    auto alg = string_member("alg");
    auto require_alg = [&](jwt_algorithm algorithm) {
        if (alg && *alg != algorithm_name(algorithm))
            throw fail("is for the algorithm " + *alg +
                       ", which clearance does not support with \"kty\": \"" +
                       *kty + "\" (only " +
                       std::string(algorithm_name(algorithm)) + ")");
        key.algorithm = algorithm;
    };
    pkey_ptr public_key;
    if (*kty == "oct") {
        require_alg(jwt_algorithm::hs256);
        auto secret = jwk_bytes(jwk, "k");
        if (!secret)
            throw fail("has no \"k\" in base64url");
        key.material = std::move(*secret);
    } else if (*kty == "RSA") {
        require_alg(jwt_algorithm::rs256);
        auto n = jwk_bytes(jwk, "n");
        auto e = jwk_bytes(jwk, "e");
        if (!n || !e)
            throw fail("needs \"n\" and \"e\" in base64url");
        public_key = rsa_key_from_jwk(*n, *e);
        if (!public_key)
            throw fail("is not a valid RSA public key");
    } else if (*kty == "EC") {
        require_alg(jwt_algorithm::es256);
        auto crv = string_member("crv");
        if (crv != "P-256")
            throw fail("is on the curve " + crv.value_or("(none)") +
                       "; ES256 needs P-256");
        auto x = jwk_bytes(jwk, "x");
        auto y = jwk_bytes(jwk, "y");
        if (!x || !y || x->size() != 32 || y->size() != 32)
            throw fail("needs \"x\" and \"y\" of 32 bytes in base64url");
        public_key = ec_key_from_jwk(*x, *y);
        if (!public_key)
            throw fail("is not a point on P-256");
    } else if (*kty == "OKP") {
        // RFC 8037 2: an octet key pair, here only Ed25519.
        require_alg(jwt_algorithm::eddsa);
        auto crv = string_member("crv");
        if (crv != "Ed25519")
            throw fail("is on the curve " + crv.value_or("(none)") +
                       "; EdDSA needs Ed25519");
        auto x = jwk_bytes(jwk, "x");
        if (!x || x->size() != 32)
            throw fail("needs \"x\" of 32 bytes in base64url");
        public_key = ed25519_key_from_jwk(*x);
        if (!public_key)
            throw fail("is not a valid Ed25519 public key");
    } else {
        throw fail("has the key type \"" + *kty +
                   "\", which clearance does not support (RSA, EC, OKP, "
                   "oct)");
    }
    if (public_key) {
        if (auto problem = key_problem(public_key.get(), key.algorithm);
            !problem.empty())
            throw fail(problem);
        key.material = write_public_pem(public_key.get());
    } else if (auto prepared = prepare_key(key); !prepared.problem.empty()) {
        throw fail(prepared.problem);
    }
    return key;
}

} // namespace detail

/// Reads a public key in PEM ("-----BEGIN PUBLIC KEY-----") from `file`,
/// for `algorithm` (RS256, ES256 or EdDSA), with the key id `id`. Throws
/// `std::runtime_error` naming the file and the problem if it cannot be
/// read, holds a private key, a certificate or several keys, or holds a
/// key that does not suit the algorithm.
inline jwt_key read_pem_key(std::filesystem::path const& file,
                            jwt_algorithm algorithm, std::string id = {}) {
    auto text = detail::read_key_file(file, "key file", 64 * 1024);
    jwt_key key{std::move(id), algorithm, std::move(text)};
    if (algorithm == jwt_algorithm::hs256)
        throw std::runtime_error(
            "clearance: the key file '" + file.string() +
            "' is read for HS256, which takes a secret rather than a PEM "
            "key; set jwt_key::material to the secret instead");
    if (auto prepared = detail::prepare_key(key); !prepared.problem.empty())
        throw std::runtime_error("clearance: the key file '" + file.string() +
                                 "' " + prepared.problem);
    return key;
}

/// Reads the keys of a JSON Web Key Set (RFC 7517 5) held in memory;
/// `source` names it in error messages. Supported keys: "RSA" (RS256,
/// from `n` and `e`), "EC" (ES256 on P-256, from `x` and `y`), "OKP"
/// (EdDSA with Ed25519, from `x`) and "oct"
/// (HS256, from `k`). A key's algorithm is its `alg`, or the only one
/// its type allows. Keys whose `use` is not "sig", or whose `key_ops`
/// lack "verify", are skipped. Throws `std::runtime_error` naming the
/// source, the key and the problem if the text is not a strict JSON
/// object with a "keys" array, a key is malformed or of a type or
/// algorithm clearance does not support, two keys share a `kid`, or no
/// key is left.
inline std::vector<jwt_key> parse_jwks(std::string_view text,
                                       std::string_view source = "the JWKS") {
    auto fail = [&](std::string const& problem) {
        return std::runtime_error("clearance: " + std::string(source) + " " +
                                  problem);
    };
    auto parsed = detail::parse_strict_json(text);
    switch (parsed.problem) {
    case detail::json_problem::none:
        break;
    case detail::json_problem::syntax:
        throw fail("is not valid JSON");
    case detail::json_problem::duplicate_member:
        throw fail("repeats a member name in one object");
    case detail::json_problem::too_deep:
        throw fail("nests too deeply");
    }
    auto const& set = parsed.value;
    auto keys = set.is_object() ? set.find("keys") : set.end();
    if (!set.is_object() || keys == set.end() || !keys->is_array())
        throw fail("is not a JSON object with a \"keys\" array");
    std::vector<jwt_key> out;
    for (std::size_t i = 0; i < keys->size(); ++i) {
        auto key = detail::read_jwk((*keys)[i], i, source);
        if (!key)
            continue;
        for (auto const& earlier : out)
            if (earlier.id == key->id)
                throw fail("has two keys with the kid '" + key->id + "'");
        out.push_back(std::move(*key));
    }
    if (out.empty())
        throw fail("holds no signature key");
    if (out.size() > 1)
        for (auto const& key : out)
            if (key.id.empty())
                throw fail("holds several keys, and one has no kid");
    return out;
}

/// Reads the keys of the JSON Web Key Set in `file`, as `parse_jwks`
/// does. Throws `std::runtime_error` naming the file and the problem.
inline std::vector<jwt_key> read_jwks(std::filesystem::path const& file) {
    auto text = detail::read_key_file(file, "JWKS file", 1024 * 1024);
    return parse_jwks(text, "the JWKS file '" + file.string() + "'");
}

/// A checked, immutable set of keys with their public keys parsed, as a
/// `jwt_authenticator` verifies with it. Sets are shared between
/// threads through `std::shared_ptr<jwt_key_set const>`.
class jwt_key_set {
public:
    /// Checks and prepares `keys`. Throws `std::invalid_argument`, naming
    /// the key and the problem, if there is no key, an HS256 secret is
    /// shorter than 32 bytes or holds a PEM key, a public key does not
    /// parse or does not suit its algorithm, or several keys lack
    /// distinct ids.
    explicit jwt_key_set(std::vector<jwt_key> keys)
        : keys_(std::move(keys)) {
        using std::invalid_argument;
        if (keys_.empty())
            throw invalid_argument("clearance: a JWT authenticator needs a "
                                   "key: set jwt_options::secret or keys");
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            auto& key = keys_[i];
            std::string name =
                key.id.empty() ? "the JWT key" : "the JWT key '" + key.id + "'";
            auto prepared = detail::prepare_key(key);
            if (!prepared.problem.empty())
                throw invalid_argument("clearance: " + name + " " +
                                       prepared.problem);
            public_keys_.push_back(std::move(prepared.public_key));
            if (keys_.size() > 1 && key.id.empty())
                throw invalid_argument(
                    "clearance: with several JWT keys, each needs an id "
                    "(kid); key " +
                    std::to_string(i + 1) + " has none");
            for (std::size_t j = 0; j < i; ++j)
                if (keys_[j].id == key.id)
                    throw invalid_argument(
                        "clearance: two JWT keys have the id '" + key.id + "'");
        }
    }

    /// The keys, in the order given.
    std::vector<jwt_key> const& keys() const noexcept { return keys_; }

    /// The position of the key `id` names, or nothing.
    std::optional<std::size_t> find(std::string_view id) const noexcept {
        for (std::size_t i = 0; i < keys_.size(); ++i)
            if (keys_[i].id == id)
                return i;
        return std::nullopt;
    }

    /// The parsed public key of the key at `index`; null for HS256.
    EVP_PKEY* public_key(std::size_t index) const noexcept {
        return public_keys_[index].get();
    }

private:
    std::vector<jwt_key> keys_;
    // Shared by copies; OpenSSL lets threads verify with one key at once.
    std::vector<std::shared_ptr<EVP_PKEY>> public_keys_;
};

/// What a `jwks_file` reports when it looks at its file again and finds
/// it changed.
struct jwks_file_event {
    enum class kind {
        /// The file was read and its keys are now in use.
        reloaded,
        /// The file could not be used; the keys in use stay.
        refused,
    };

    kind what = kind::reloaded;
    /// For `reloaded`, the number of keys now in use.
    std::size_t keys = 0;
    /// For `refused`, what is wrong, naming the file.
    std::string problem;
};

/// A JSON Web Key Set in a file, read at construction and re-read when
/// the file's content changes, so that keys rotate without a restart.
///
/// The keys in use are an immutable `jwt_key_set` swapped atomically:
/// a verification in flight keeps the set it started with. The file is
/// looked at again when `keys()` is called and `check_every` has passed
/// since the last look, by the one caller that finds it due; the others
/// go on with the keys in use and never wait. A file that cannot be
/// read or holds a bad key set is reported once to `report` and leaves
/// the keys in use unchanged, so a mistake while rotating never refuses
/// tokens that verified before it.
///
/// To rotate: add the new key beside the old one (write the new file
/// and rename it over the old one, so that no reader sees half of it),
/// wait `check_every` before signing with the new key, and remove the
/// old key once the last token it signed has expired.
class jwks_file {
public:
    /// A function told of each reload and each refused file. It is
    /// called from whichever thread looked at the file, and must not
    /// block for long.
    using reporter = std::function<void(jwks_file_event const&)>;

    /// Reads the key set in `file` as `read_jwks` does, and checks it as
    /// a `jwt_authenticator` would. Throws `std::runtime_error` or
    /// `std::invalid_argument`, naming the file and the problem, if it
    /// cannot be used; `check_every` must be positive.
    explicit jwks_file(
        std::filesystem::path file,
        std::chrono::milliseconds check_every = std::chrono::seconds{5},
        reporter report = {})
        : file_(std::move(file))
        , check_every_(check_every)
        , report_(std::move(report)) {
        if (check_every_ <= std::chrono::milliseconds{0})
            throw std::invalid_argument(
                "clearance: a key file's check interval must be positive");
        text_ = detail::read_key_file(file_, "JWKS file", 1024 * 1024);
        current_.store(parse(text_));
        last_look_.store(now());
    }

    jwks_file(jwks_file const&) = delete;
    jwks_file& operator=(jwks_file const&) = delete;

    /// The keys in use, after looking at the file again if `check_every`
    /// has passed since the last look.
    std::shared_ptr<jwt_key_set const> keys() const noexcept {
        look(check_every_);
        return current_.load();
    }

    /// Looks at the file again unless it was looked at less than
    /// `min_age` ago; returns whether new keys are now in use. Never
    /// throws: problems go to the reporter.
    bool look(std::chrono::nanoseconds min_age) const noexcept {
        auto last = last_look_.load();
        auto time = now();
        if (time - last < min_age.count() ||
            !last_look_.compare_exchange_strong(last, time))
            return false;
        return reread();
    }

    /// The file's path.
    std::filesystem::path const& path() const noexcept { return file_; }

    /// How often the file is looked at.
    std::chrono::milliseconds check_every() const noexcept {
        return check_every_;
    }

private:
    static std::int64_t now() noexcept {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }

    std::shared_ptr<jwt_key_set const> parse(std::string const& text) const {
        auto source = "the JWKS file '" + file_.string() + "'";
        try {
            return std::make_shared<jwt_key_set const>(
                parse_jwks(text, source));
        } catch (std::invalid_argument const& e) {
            // The key set's own message names the key, not the file.
            throw std::invalid_argument(source + ": " + e.what());
        }
    }

    bool reread() const noexcept {
        std::lock_guard lock{mutex_};
        jwks_file_event event;
        try {
            auto text = detail::read_key_file(file_, "JWKS file", 1024 * 1024);
            if (text == text_) {
                problem_.clear();
                return false;
            }
            auto keys = parse(text);
            event.keys = keys->keys().size();
            current_.store(std::move(keys));
            text_ = std::move(text);
            problem_.clear();
        } catch (std::exception const& e) {
            event.what = jwks_file_event::kind::refused;
            event.problem = e.what();
        } catch (...) {
            event.what = jwks_file_event::kind::refused;
            event.problem = "clearance: the JWKS file '" + file_.string() +
                            "' could not be read";
        }
        bool const reloaded = event.what == jwks_file_event::kind::reloaded;
        // A file that stays bad is reported when it first turns bad, not
        // at every look.
        if (!reloaded) {
            if (event.problem == problem_)
                return false;
            problem_ = event.problem;
        }
        if (report_) {
            try {
                report_(event);
            } catch (...) {
                // A failing reporter must not fail verification.
            }
        }
        return reloaded;
    }

    std::filesystem::path file_;
    std::chrono::milliseconds check_every_;
    reporter report_;
    mutable std::atomic<std::shared_ptr<jwt_key_set const>> current_;
    mutable std::atomic<std::int64_t> last_look_{0};
    // Held while the file is read; guards text_ and problem_.
    mutable std::mutex mutex_;
    mutable std::string text_;
    mutable std::string problem_;
};

namespace detail {

// Tokens verified a moment ago, with their principals: a fixed number
// of slots in shards of their own lock, each slot chosen by the token's
// hash. Only tokens that passed every check are kept, each with the key
// set it was verified with, and a slot holds its token in full, so that
// a look-up succeeds only for the very same text under the very same
// keys; the comparison takes the same time wherever the texts differ.
class verified_tokens {
public:
    explicit verified_tokens(std::size_t capacity)
        : per_shard_((capacity + shard_count - 1) / shard_count) {
        for (auto& shard : shards_)
            shard.slots.resize(per_shard_);
    }

    // The principal of `token` if it was remembered under `keys` and
    // does not expire before `now` (leeway included).
    std::optional<principal>
    find(std::string_view token, std::shared_ptr<jwt_key_set const> const& keys,
         std::chrono::system_clock::time_point now) const {
        auto [shard, slot] = place(token);
        std::lock_guard lock(shard->mutex);
        auto const& kept = shard->slots[slot];
        if (kept.keys != keys || kept.token.size() != token.size() ||
            CRYPTO_memcmp(kept.token.data(), token.data(), token.size()) != 0)
            return std::nullopt;
        if (kept.valid_until && now > *kept.valid_until)
            return std::nullopt;
        return kept.who;
    }

    // Remembers a verified token until `valid_until`, or until it is
    // displaced when there is none.
    void
    remember(std::string_view token, std::shared_ptr<jwt_key_set const> keys,
             principal const& who,
             std::optional<std::chrono::system_clock::time_point> valid_until) {
        auto [shard, slot] = place(token);
        entry fresh{std::string(token), std::move(keys), who, valid_until};
        std::lock_guard lock(shard->mutex);
        // The entry displaced is freed after the lock is released.
        std::swap(shard->slots[slot], fresh);
    }

private:
    static constexpr std::size_t shard_count = 16;

    struct entry {
        std::string token;
        std::shared_ptr<jwt_key_set const> keys;
        principal who;
        std::optional<std::chrono::system_clock::time_point> valid_until;
    };

    struct shard {
        mutable std::mutex mutex;
        std::vector<entry> slots;
    };

    std::pair<shard const*, std::size_t>
    place(std::string_view token) const noexcept {
        auto hash = std::hash<std::string_view>{}(token);
        auto const* s = &shards_[hash % shard_count];
        return {s, (hash / shard_count) % per_shard_};
    }
    std::pair<shard*, std::size_t> place(std::string_view token) noexcept {
        auto [s, slot] = std::as_const(*this).place(token);
        return {const_cast<shard*>(s), slot};
    }

    std::size_t per_shard_;
    std::array<shard, shard_count> shards_;
};

} // namespace detail

/// Authenticates bearer JWTs against a key set, for `Policy`.
/// Construction checks the configuration once and throws on any
/// mistake; `authenticate` never throws and never lets a malformed token
/// through.
template <class Policy>
class jwt_authenticator {
public:
    /// Routes name this kind in `clearance::accepts<...>`.
    using credential_kind = bearer_tokens;

    /// Throws `std::invalid_argument`, naming the key and the problem,
    /// if there is no key, more than one of `secret`, `keys` and
    /// `key_file` is set, an HS256 secret is shorter than 32 bytes or
    /// holds a PEM key, a public key does not parse or does not suit its
    /// algorithm, several keys lack distinct ids, or the leeway is
    /// negative or longer than a day.
    explicit jwt_authenticator(jwt_options options)
        : options_(std::move(options)) {
        using std::invalid_argument;
        if (!options_.secret.empty() + !options_.keys.empty() +
                (options_.key_file != nullptr) >
            1)
            throw invalid_argument("clearance: set only one of "
                                   "jwt_options::secret, keys and key_file");
        if (!options_.secret.empty()) {
            options_.keys.push_back(
                {{}, jwt_algorithm::hs256, std::move(options_.secret)});
            options_.secret.clear();
        }
        if (!options_.key_file)
            fixed_keys_ = std::make_shared<jwt_key_set const>(
                std::exchange(options_.keys, {}));
        if (options_.leeway < std::chrono::seconds{0} ||
            options_.leeway > std::chrono::hours{24})
            throw invalid_argument(
                "clearance: the JWT leeway must be from 0 to 24 hours");
        if (options_.remembered_tokens > 0)
            remembered_ = std::make_shared<detail::verified_tokens>(
                options_.remembered_tokens);
    }

    /// Authenticates the bearer token of `r`.
    authentication authenticate(request const& r) const {
        auto bearer = read_bearer(r);
        switch (bearer.state) {
        case bearer_credentials::kind::absent:
            return authentication::none();
        case bearer_credentials::kind::malformed:
            return authentication::malformed(bearer.description.empty()
                                                 ? jwt_refusal::malformed_header
                                                 : bearer.description);
        case bearer_credentials::kind::present:
            break;
        }
        return verify(bearer.token);
    }

    /// Verifies one token and makes its principal. A refusal is
    /// `invalid`, with one of the `jwt_refusal` descriptions.
    authentication verify(std::string_view token) const noexcept {
        try {
            return check(token);
        } catch (...) {
            // Allocation failure or a library exception on hostile
            // input: the token is refused, the connection goes on.
            ERR_clear_error();
            return authentication::invalid(jwt_refusal::unprocessable);
        }
    }

    /// Issues a token for `claims`, valid for `lifetime` from now (a
    /// negative lifetime issues an expired token, for tests), signed
    /// with the only key. Throws `std::logic_error` unless there is
    /// exactly one key and it is an HS256 one: keys for RS256, ES256 and
    /// EdDSA are public keys, which verify but cannot sign.
    std::string issue(token_claims const& claims,
                      std::chrono::seconds lifetime) const {
        auto keys = current_keys();
        if (keys->keys().size() != 1)
            throw std::logic_error("clearance: with several JWT keys, name "
                                   "the key that issues the token");
        return sign(claims, lifetime, keys->keys().front());
    }

    /// Issues a token as above, signed with the HS256 key `key_id`, whose
    /// id goes in the `kid` header. Throws `std::logic_error` if there is
    /// no such HS256 key.
    std::string issue(token_claims const& claims, std::chrono::seconds lifetime,
                      std::string_view key_id) const {
        auto keys = current_keys();
        auto found = keys->find(key_id);
        if (!found)
            throw std::logic_error("clearance: only a configured HS256 key "
                                   "can issue tokens");
        return sign(claims, lifetime, keys->keys()[*found]);
    }

    /// The keys tokens are verified with now: the fixed set, or the key
    /// file's current one.
    std::shared_ptr<jwt_key_set const> current_keys() const noexcept {
        return options_.key_file ? options_.key_file->keys() : fixed_keys_;
    }

private:
    using refusal = std::string_view;

    std::string sign(token_claims const& claims, std::chrono::seconds lifetime,
                     jwt_key const& key) const {
        if (key.algorithm != jwt_algorithm::hs256)
            throw std::logic_error("clearance: only a configured HS256 key "
                                   "can issue tokens");
        nlohmann::json header{{"alg", "HS256"}, {"typ", "JWT"}};
        if (!key.id.empty())
            header["kid"] = key.id;
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        nlohmann::json payload{{"sub", claims.subject},
                               {"tenant", claims.tenant},
                               {"roles", claims.roles},
                               {"jti", claims.token_id.empty()
                                           ? random_token_id()
                                           : claims.token_id},
                               {"iat", now},
                               {"exp", now + lifetime.count()}};
        if (!claims.scope.empty())
            payload["scope"] = claims.scope;
        if (options_.issuer)
            payload["iss"] = *options_.issuer;
        if (options_.audience)
            payload["aud"] = *options_.audience;
        auto input = detail::encode_base64url(header.dump()) + "." +
                     detail::encode_base64url(payload.dump());
        auto [mac, error] = jwt::HMACSign<jwt::algo::HS256>::sign(
            key.material, {input.data(), input.size()});
        if (error)
            throw std::runtime_error("clearance: HS256 signing failed");
        return input + "." + detail::encode_base64url(mac);
    }

    // 128 random bits from OpenSSL's generator, in base64url.
    static std::string random_token_id() {
        unsigned char bytes[16];
        if (RAND_bytes(bytes, sizeof bytes) != 1)
            throw std::runtime_error(
                "clearance: no random bytes for a token id");
        return detail::encode_base64url(
            {reinterpret_cast<char const*>(bytes), sizeof bytes});
    }

    authentication check(std::string_view token) const {
        namespace why = jwt_refusal;
        if (token.size() > options_.max_token_size)
            return authentication::invalid(why::too_long);
        if (remembered_) {
            auto keys = current_keys();
            auto now = std::chrono::system_clock::now();
            if (auto who = remembered_->find(token, keys, now))
                return authentication::success(std::move(*who));
            auto checked = check_anew(token);
            if (checked.result == authentication::outcome::authenticated) {
                std::optional<std::chrono::system_clock::time_point> until;
                if (checked.who.expires !=
                    std::chrono::system_clock::time_point{})
                    until = checked.who.expires + options_.leeway;
                remembered_->remember(token, std::move(keys), checked.who,
                                      until);
            }
            return checked;
        }
        return check_anew(token);
    }

    authentication check_anew(std::string_view token) const {
        namespace why = jwt_refusal;
        if (!detail::is_compact_jws(token))
            return authentication::invalid(why::not_compact);
        auto first_dot = token.find('.');
        auto second_dot = token.find('.', first_dot + 1);
        auto signing_input = token.substr(0, second_dot);
        auto header_part = token.substr(0, first_dot);
        auto payload_part =
            token.substr(first_dot + 1, second_dot - first_dot - 1);
        auto signature_part = token.substr(second_dot + 1);

        auto header = read_part(header_part, why::bad_header);
        if (!header.second.empty())
            return authentication::invalid(header.second);
        if (auto problem = detail::header_problem(header.first);
            !problem.empty())
            return authentication::invalid(problem);
        auto keys = current_keys();
        auto [key, wrong_key] = select_key(*keys, header.first);
        // A key added to the key file a moment ago: look at the file now
        // rather than at the next check, but at most once a second, so
        // that tokens naming unknown keys cannot make every request read
        // it.
        if (wrong_key == jwt_refusal::unknown_key && options_.key_file &&
            options_.key_file->look(std::min<std::chrono::nanoseconds>(
                options_.key_file->check_every(), std::chrono::seconds{1}))) {
            keys = current_keys();
            std::tie(key, wrong_key) = select_key(*keys, header.first);
        }
        if (!wrong_key.empty())
            return authentication::invalid(wrong_key);

        auto payload = read_part(payload_part, why::bad_payload);
        if (!payload.second.empty())
            return authentication::invalid(payload.second);
        if (!payload.first.is_object())
            return authentication::invalid(why::bad_payload);
        if (!detail::is_sane_payload(payload.first))
            return authentication::invalid(why::bad_time_claim);

        auto signature = detail::decode_base64url(signature_part);
        if (!signature)
            return authentication::invalid(why::not_compact);
        if (!verifies(*keys, key, signing_input, *signature))
            return authentication::invalid(why::bad_signature);

        principal who;
        if (auto problem = check_claims(payload.first, who); !problem.empty())
            return authentication::invalid(problem);
        return authentication::success(std::move(who));
    }

    // Decodes and parses one part; `not_object` is the refusal when it
    // is not JSON.
    static std::pair<nlohmann::json, refusal> read_part(std::string_view part,
                                                        refusal not_object) {
        auto text = detail::decode_base64url(part);
        if (!text)
            return {{}, jwt_refusal::not_compact};
        auto parsed = detail::parse_strict_json(*text);
        switch (parsed.problem) {
        case detail::json_problem::none:
            break;
        case detail::json_problem::syntax:
            return {{}, not_object};
        case detail::json_problem::duplicate_member:
            return {{}, jwt_refusal::duplicate_member};
        case detail::json_problem::too_deep:
            return {{}, jwt_refusal::too_deep};
        }
        return {std::move(parsed.value), {}};
    }

    // The key is chosen by `kid` alone; the token's `alg` must then be
    // that key's algorithm, so it can never choose another key, nor use
    // a key with another algorithm.
    // Returns the key's position, or the refusal.
    static std::pair<std::size_t, refusal>
    select_key(jwt_key_set const& set, nlohmann::json const& header) {
        auto const& keys = set.keys();
        std::size_t key = keys.size();
        auto kid = header.find("kid");
        if (kid != header.end()) {
            auto found = set.find(kid->get_ref<std::string const&>());
            if (!found)
                return {key, jwt_refusal::unknown_key};
            key = *found;
        } else if (keys.size() == 1) {
            key = 0;
        } else {
            return {key, jwt_refusal::no_key_id};
        }
        if (header.find("alg")->get_ref<std::string const&>() !=
            algorithm_name(keys[key].algorithm))
            return {key, jwt_refusal::wrong_algorithm};
        return {key, {}};
    }

    // Whether `signature` (decoded) signs `signing_input` under the key
    // at position `key`.
    static bool verifies(jwt_key_set const& keys, std::size_t key,
                         std::string_view signing_input,
                         std::string const& signature) {
        auto const& selected = keys.keys()[key];
        bool valid = false;
        if (selected.algorithm == jwt_algorithm::hs256) {
            // cpp-jwt computes the MAC; the comparison takes the same
            // time wherever the first difference lies.
            auto [mac, error] = jwt::HMACSign<jwt::algo::HS256>::sign(
                selected.material, signing_input);
            valid =
                !error && mac.size() == signature.size() &&
                CRYPTO_memcmp(mac.data(), signature.data(), mac.size()) == 0;
        } else {
            valid = detail::verify_signature(keys.public_key(key),
                                             selected.algorithm, signing_input,
                                             signature);
        }
        // A failed verification leaves OpenSSL errors on this thread's
        // queue, where they would confuse the next TLS call.
        ERR_clear_error();
        return valid;
    }

    // Checks the registered claims, then fills `who` from the others.
    refusal check_claims(nlohmann::json const& claims, principal& who) const {
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        auto leeway = options_.leeway.count();
        // is_sane_payload made every time claim an integer in [0, 2^53].
        auto time_of = [&](char const* name) -> std::optional<std::int64_t> {
            auto claim = claims.find(name);
            if (claim == claims.end())
                return std::nullopt;
            return claim->get<std::int64_t>();
        };
        auto exp = time_of("exp");
        if (!exp && options_.require_expiry)
            return jwt_refusal::no_expiry;
        if (exp && now > *exp + leeway)
            return jwt_refusal::expired;
        if (auto nbf = time_of("nbf"); nbf && *nbf > now + leeway)
            return jwt_refusal::not_yet_valid;
        if (options_.issuer) {
            auto iss = claims.find("iss");
            if (iss == claims.end() || !iss->is_string() ||
                iss->get_ref<std::string const&>() != *options_.issuer)
                return jwt_refusal::wrong_issuer;
        }
        if (options_.audience && !names_audience(claims))
            return jwt_refusal::wrong_audience;

        auto sub = claims.find("sub");
        if (sub == claims.end() || !sub->is_string() ||
            sub->get_ref<std::string const&>().empty())
            return jwt_refusal::no_subject;
        who.subject = sub->get<std::string>();
        if (auto jti = claims.find("jti"); jti != claims.end()) {
            if (!jti->is_string())
                return jwt_refusal::bad_claim;
            who.token_id = jti->get<std::string>();
        }
        if (exp)
            who.expires = std::chrono::system_clock::time_point{
                std::chrono::seconds{std::min(*exp, detail::latest_expiry)}};
        if (auto tenant = claims.find("tenant"); tenant != claims.end()) {
            if (!tenant->is_string())
                return jwt_refusal::bad_claim;
            who.tenant = tenant->get<std::string>();
        }
        if (auto roles = claims.find("roles"); roles != claims.end()) {
            if (!roles->is_array())
                return jwt_refusal::bad_claim;
            for (auto const& name : *roles) {
                if (!name.is_string())
                    return jwt_refusal::bad_claim;
                if (auto index =
                        Policy::find_role(name.get_ref<std::string const&>()))
                    who.roles.set(*index);
            }
        }
        if (auto scope = claims.find("scope"); scope != claims.end()) {
            if (!scope->is_string())
                return jwt_refusal::bad_claim;
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
        return {};
    }

    // RFC 7519 4.1.3: `aud` is one string or an array of strings.
    bool names_audience(nlohmann::json const& claims) const {
        auto aud = claims.find("aud");
        if (aud == claims.end())
            return false;
        if (aud->is_string())
            return aud->get_ref<std::string const&>() == *options_.audience;
        if (!aud->is_array())
            return false;
        bool named = false;
        for (auto const& entry : *aud) {
            if (!entry.is_string())
                return false;
            named = named ||
                    entry.get_ref<std::string const&>() == *options_.audience;
        }
        return named;
    }

    jwt_options options_;
    // The keys when they are fixed at construction; null with a key
    // file. Shared by copies.
    std::shared_ptr<jwt_key_set const> fixed_keys_;
    // Tokens verified a moment ago, when options_.remembered_tokens is
    // set; shared by copies.
    std::shared_ptr<detail::verified_tokens> remembered_;
};

} // namespace clearance
