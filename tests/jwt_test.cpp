// SPDX-License-Identifier: BSL-1.0
#include <clearance/jwt.hpp>

#include "base64url.hpp"
#include "scratch.hpp"
#include "test_policy.hpp"

#include <catch2/catch.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace test_policy;
using outcome = clearance::authentication::outcome;
using clearance::jwt_algorithm;
namespace why = clearance::jwt_refusal;

namespace {

// Descriptions are compared as std::string: clang++ builds Catch's main
// as C++14, without the std::string_view printer.
std::string said(std::string_view text) {
    return std::string(text);
}

std::string const key(32, 'k');

std::filesystem::path const data_dir =
    std::filesystem::path(__FILE__).parent_path() / "data";

clearance::jwt_authenticator<policy> make(clearance::jwt_options options = {}) {
    if (options.secret.empty() && options.keys.empty() && !options.key_file)
        options.secret = key;
    return clearance::jwt_authenticator<policy>{std::move(options)};
}

std::string read_file(std::filesystem::path const& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in),
            std::istreambuf_iterator<char>()};
}

using test_base64url::base64url;

// `token` with its payload replaced and its signature kept.
std::string with_payload(std::string token, std::string_view payload) {
    auto first = token.find('.');
    token.replace(first + 1, token.rfind('.') - first - 1, base64url(payload));
    return token;
}

// Signs any header and payload with HMAC-SHA256 under `secret`, so that
// tests can forge exactly the token they need.
std::string forge(std::string_view header, std::string_view payload,
                  std::string_view secret = key) {
    auto signing_input = base64url(header) + "." + base64url(payload);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<unsigned char const*>(signing_input.data()),
         signing_input.size(), mac, &length);
    return signing_input + "." +
           base64url({reinterpret_cast<char const*>(mac), length});
}

// Signs with the private key in `file` (RS256 or ES256, the raw R || S
// form for ES256), as an identity provider would.
std::string sign(std::string_view header, std::string_view payload,
                 jwt_algorithm algorithm, std::string const& file) {
    auto signing_input = base64url(header) + "." + base64url(payload);
    auto pem = read_file(data_dir / file);
    auto [signature, error] =
        algorithm == jwt_algorithm::rs256
            ? jwt::PEMSign<jwt::algo::RS256>::sign(pem, signing_input)
            : jwt::PEMSign<jwt::algo::ES256>::sign(pem, signing_input);
    REQUIRE_FALSE(static_cast<bool>(error));
    return signing_input + "." + base64url(signature);
}

std::string in(long seconds) {
    return std::to_string(std::time(nullptr) + seconds);
}

std::string const hs256 = R"({"alg":"HS256","typ":"JWT"})";

std::string valid_payload() {
    return R"({"sub":"a","exp":)" + in(600) + "}";
}

clearance::authentication verify_with(clearance::jwt_options options,
                                      std::string const& token) {
    return make(std::move(options)).verify(token);
}

outcome verify(std::string const& token) {
    return make().verify(token).result;
}

std::string_view refusal(std::string const& token) {
    auto result = make().verify(token);
    CHECK(result.result == outcome::invalid);
    return result.description;
}

using test_scratch::scratch_directory;

clearance::jwt_key rsa_key(std::string id = {}) {
    return clearance::read_pem_key(data_dir / "rsa_public.pem",
                                   jwt_algorithm::rs256, std::move(id));
}

clearance::jwt_key ec_key(std::string id = {}) {
    return clearance::read_pem_key(data_dir / "ec_public.pem",
                                   jwt_algorithm::es256, std::move(id));
}

} // namespace

TEST_CASE("a valid token becomes a principal", "[jwt]") {
    auto token =
        forge(hs256, R"({"sub":"ann","tenant":"acme","roles":["writer",)"
                     R"("ghost"],"scope":"api.read other","exp":)" +
                         in(600) + "}");
    auto result = make().verify(token);
    REQUIRE(result.result == outcome::authenticated);
    CHECK(result.description.empty());
    CHECK(result.who.subject == "ann");
    CHECK(result.who.tenant == "acme");
    CHECK(result.who.roles.words[0] == 0b0010);
    CHECK(result.who.permissions.words[0] == 0b10100);
    CHECK(result.who.scopes.words[0] == 0b01);
}

TEST_CASE("issued tokens verify", "[jwt]") {
    auto authenticator = make();
    auto token = authenticator.issue({"ann", "acme", {"owner"}, "api.write"},
                                     std::chrono::seconds{60});
    auto result = authenticator.verify(token);
    REQUIRE(result.result == outcome::authenticated);
    CHECK(result.who.permissions.words[0] == 0b11110);
    CHECK(result.who.scopes.words[0] == 0b10);
    auto expired = authenticator.verify(authenticator.issue(
        {"ann", "acme", {}, ""}, std::chrono::seconds{-3600}));
    CHECK(expired.result == outcome::invalid);
    CHECK(said(expired.description) == said(why::expired));
}

TEST_CASE("tokens are issued with the named HS256 key and its kid", "[jwt]") {
    clearance::jwt_options options;
    options.keys = {{"a", jwt_algorithm::hs256, std::string(32, 'a')},
                    {"b", jwt_algorithm::hs256, std::string(32, 'b')},
                    rsa_key("r")};
    auto authenticator = make(options);
    auto token =
        authenticator.issue({"ann", "", {}, ""}, std::chrono::seconds{60}, "b");
    CHECK(authenticator.verify(token).result == outcome::authenticated);
    CHECK(token.substr(0, token.find('.')) ==
          base64url(R"({"alg":"HS256","kid":"b","typ":"JWT"})"));
    CHECK_THROWS_AS(
        authenticator.issue({"ann", "", {}, ""}, std::chrono::seconds{60}),
        std::logic_error);
    CHECK_THROWS_AS(
        authenticator.issue({"ann", "", {}, ""}, std::chrono::seconds{60}, "r"),
        std::logic_error);
    CHECK_THROWS_AS(
        authenticator.issue({"ann", "", {}, ""}, std::chrono::seconds{60}, "c"),
        std::logic_error);
}

TEST_CASE("time claims are enforced", "[jwt]") {
    CHECK(said(refusal(forge(hs256, R"({"sub":"a","exp":)" + in(-3600) +
                                        "}"))) == said(why::expired));
    CHECK(verify(forge(hs256, R"({"sub":"a","exp":)" + in(-10) + "}")) ==
          outcome::authenticated);
    CHECK(said(refusal(forge(hs256, R"({"sub":"a"})"))) ==
          said(why::no_expiry));
    CHECK(said(refusal(forge(hs256, R"({"sub":"a","exp":"soon"})"))) ==
          said(why::bad_time_claim));
    CHECK(said(refusal(forge(hs256, R"({"sub":"a","exp":)" + in(600) +
                                        R"(,"nbf":)" + in(3600) + "}"))) ==
          said(why::not_yet_valid));
    CHECK(verify(forge(hs256, R"({"sub":"a","exp":)" + in(600) + R"(,"nbf":)" +
                                  in(10) + "}")) == outcome::authenticated);
    CHECK(verify(forge(hs256, R"({"sub":"a","exp":)" + in(600) +
                                  R"(,"nbf":0})")) == outcome::authenticated);
}

TEST_CASE("the leeway is configurable", "[jwt]") {
    clearance::jwt_options strict;
    strict.leeway = std::chrono::seconds{0};
    auto late = forge(hs256, R"({"sub":"a","exp":)" + in(-10) + "}");
    auto early = forge(hs256, R"({"sub":"a","exp":)" + in(600) + R"(,"nbf":)" +
                                  in(20) + "}");
    CHECK(said(verify_with(strict, late).description) == said(why::expired));
    CHECK(said(verify_with(strict, early).description) ==
          said(why::not_yet_valid));
    clearance::jwt_options lenient;
    lenient.leeway = std::chrono::minutes{5};
    CHECK(verify_with(lenient, late).result == outcome::authenticated);
    CHECK(verify_with(lenient, early).result == outcome::authenticated);
}

TEST_CASE("expiry may be made optional", "[jwt]") {
    clearance::jwt_options options;
    options.require_expiry = false;
    CHECK(verify_with(options, forge(hs256, R"({"sub":"a"})")).result ==
          outcome::authenticated);
    CHECK(said(verify_with(options, forge(hs256, R"({"sub":"a","exp":)" +
                                                     in(-3600) + "}"))
                   .description) == said(why::expired));
    CHECK(said(verify_with(options, forge(hs256, R"({"sub":"a","exp":1e30})"))
                   .description) == said(why::bad_time_claim));
}

TEST_CASE("only the key's algorithm is accepted", "[jwt]") {
    auto payload = valid_payload();
    CHECK(verify(forge(hs256, payload)) == outcome::authenticated);
    CHECK(said(refusal(forge(hs256, payload, std::string(32, 'x')))) ==
          said(why::bad_signature));
    std::pair<char const*, std::string_view> const cases[] = {
        {R"({"alg":"none"})", why::unsigned_token},
        {R"({"alg":"None","typ":"JWT"})", why::unsigned_token},
        {R"({"alg":"NONE"})", why::unsigned_token},
        {R"({"alg":"HS512","typ":"JWT"})", why::wrong_algorithm},
        {R"({"alg":"RS256","typ":"JWT"})", why::wrong_algorithm},
        {R"({"alg":"ES256","typ":"JWT"})", why::wrong_algorithm},
        {R"({"alg":"hs256","typ":"JWT"})", why::wrong_algorithm},
        {R"({"alg":"HS256 ","typ":"JWT"})", why::wrong_algorithm},
        {R"({"typ":"JWT"})", why::no_algorithm},
        {R"({"alg":["HS256"]})", why::no_algorithm},
        {R"({"alg":null})", why::no_algorithm},
        {R"({"alg":"HS256","jku":"https://attacker/keys"})", why::embedded_key},
        {R"({"alg":"HS256","jwk":{"kty":"oct","k":"AAAA"}})",
         why::embedded_key},
        {R"({"alg":"HS256","x5u":"https://attacker/cert"})", why::embedded_key},
        {R"({"alg":"HS256","x5c":["MIIB"]})", why::embedded_key},
        {R"({"alg":"HS256","crit":["exp"]})", why::critical_header},
        {R"({"alg":"HS256","typ":"at+jwt"})", why::wrong_type},
        {R"({"alg":"HS256","typ":7})", why::wrong_type},
        {R"({"alg":"HS256","kid":"other"})", why::unknown_key},
        {R"({"alg":"HS256","kid":7})", why::unknown_key},
        {R"(["alg","HS256"])", why::bad_header},
        {R"(not json)", why::bad_header},
    };
    for (auto [header, expected] : cases) {
        INFO(header);
        CHECK(said(refusal(forge(header, payload))) == said(expected));
    }
    auto none = base64url(R"({"alg":"none"})") + "." + base64url(payload) + ".";
    CHECK(said(refusal(none)) == said(why::not_compact));
}

TEST_CASE("malformed tokens are refused", "[jwt]") {
    auto good = forge(hs256, valid_payload());
    CHECK(verify(good) == outcome::authenticated);
    for (auto bad : {
             std::string{},
             std::string{"garbage"},
             std::string{"a.b"},
             std::string{"a.b.c.d"},
             std::string{".."},
             good + "=",
             "x" + good,
             good + ".",
             std::string{"\xff\xfe.\xff.\xff"},
             std::string{"eyJ+.e30.AAAA"},
             std::string{"eyJhbGciOiJIUzI1NiJ9 .e30.AAAA"},
         }) {
        INFO(bad.substr(0, 60));
        auto result = make().verify(bad);
        CHECK(result.result == outcome::invalid);
        CHECK(said(result.description) == said(why::not_compact));
    }
    // A signature one character shorter or longer: refused, for its
    // encoding or its signature depending on its last character.
    CHECK(verify(good.substr(0, good.size() - 1)) == outcome::invalid);
    CHECK(verify(good + "A") == outcome::invalid);
    auto huge = std::string(20000, 'a') + "." + std::string(20000, 'a') + ".aa";
    CHECK(said(refusal(huge)) == said(why::too_long));
}

TEST_CASE("each kind of bad token is refused with its reason", "[jwt]") {
    auto exp = in(600);
    std::string nested = R"({"sub":"a","exp":)" + exp + R"(,"x":)";
    nested += std::string(20, '[') + std::string(20, ']') + "}";
    std::string deep_enough = R"({"sub":"a","exp":)" + exp + R"(,"x":)";
    deep_enough += std::string(15, '[') + std::string(15, ']') + "}";
    CHECK(verify(forge(hs256, deep_enough)) == outcome::authenticated);

    std::pair<std::string, std::string_view> const cases[] = {
        // base64url that is not canonical: "e30" is {}, and "e31"
        // would decode to the same bytes
        {"eyJhbGciOiJIUzI1NiJ9.e31." + std::string(43, 'A'), why::not_compact},
        // JSON that is not an object, or not JSON
        {forge(hs256, "[1,2,3]"), why::bad_payload},
        {forge(hs256, "{\"sub\":\"a\""), why::bad_payload},
        {forge(hs256, R"({"sub":"a","exp":)" + exp + "} x"), why::bad_payload},
        {forge(hs256, "{\"sub\":\"\xff\",\"exp\":" + exp + "}"),
         why::bad_payload},
        {forge("{\"alg\":\"HS256\",\"x\":\"\xc0\xaf\"}", valid_payload()),
         why::bad_header},
        // repeated names, plain or escaped
        {forge(hs256, R"({"sub":"a","sub":"root","exp":)" + exp + "}"),
         why::duplicate_member},
        {forge(hs256, R"({"sub":"a","s\u0075b":"root","exp":)" + exp + "}"),
         why::duplicate_member},
        {forge(hs256, R"({"sub":"a","exp":)" + exp + R"(,"exp":99999999999})"),
         why::duplicate_member},
        {forge(hs256, R"({"sub":"a","x":{"y":1,"y":2},"exp":)" + exp + "}"),
         why::duplicate_member},
        {forge(R"({"alg":"none","alg":"HS256"})", valid_payload()),
         why::duplicate_member},
        // deep nesting
        {forge(hs256, nested), why::too_deep},
        {forge(R"({"alg":"HS256","x":)" + std::string(40, '[') +
                   std::string(40, ']') + "}",
               valid_payload()),
         why::too_deep},
        // time claims that are not integers in range
        {forge(hs256, R"({"sub":"a","exp":1e30})"), why::bad_time_claim},
        {forge(hs256, R"({"sub":"a","exp":-1e30})"), why::bad_time_claim},
        {forge(hs256, R"({"sub":"a","exp":1.5e9})"), why::bad_time_claim},
        {forge(hs256, R"({"sub":"a","exp":-5})"), why::bad_time_claim},
        {forge(hs256, R"({"sub":"a","exp":9007199254740993})"),
         why::bad_time_claim},
        {forge(hs256, R"({"sub":"a","exp":18446744073709551615})"),
         why::bad_time_claim},
        // nlohmann::json refuses a number it cannot represent
        {forge(hs256, R"({"sub":"a","exp":1e400})"), why::bad_payload},
        {forge(hs256, R"({"sub":"a","exp":true})"), why::bad_time_claim},
        {forge(hs256, R"({"sub":"a","nbf":1e30,"exp":)" + exp + "}"),
         why::bad_time_claim},
        {forge(hs256, R"({"sub":"a","iat":-1e30,"exp":)" + exp + "}"),
         why::bad_time_claim},
        {forge(hs256, R"({"sub":"a","iat":"now","exp":)" + exp + "}"),
         why::bad_time_claim},
        // claims
        {forge(hs256, R"({"exp":)" + exp + "}"), why::no_subject},
        {forge(hs256, R"({"sub":"","exp":)" + exp + "}"), why::no_subject},
        {forge(hs256, R"({"sub":7,"exp":)" + exp + "}"), why::no_subject},
        {forge(hs256, R"({"sub":"a","roles":"owner","exp":)" + exp + "}"),
         why::bad_claim},
        {forge(hs256, R"({"sub":"a","roles":[1],"exp":)" + exp + "}"),
         why::bad_claim},
        {forge(hs256, R"({"sub":"a","tenant":["acme"],"exp":)" + exp + "}"),
         why::bad_claim},
        {forge(hs256, R"({"sub":"a","scope":["api.read"],"exp":)" + exp + "}"),
         why::bad_claim},
    };
    for (auto const& [token, expected] : cases) {
        INFO(token.substr(0, 100));
        CHECK(said(refusal(token)) == said(expected));
    }
}

namespace {

// The refusal named `name` in tests/data/refused_tokens.txt.
std::string refusal_named(std::string_view name) {
    static std::pair<std::string_view, std::string_view> const names[] = {
        {"too_long", why::too_long},
        {"not_compact", why::not_compact},
        {"bad_header", why::bad_header},
        {"bad_payload", why::bad_payload},
        {"duplicate_member", why::duplicate_member},
        {"too_deep", why::too_deep},
        {"no_algorithm", why::no_algorithm},
        {"unsigned_token", why::unsigned_token},
        {"embedded_key", why::embedded_key},
        {"critical_header", why::critical_header},
        {"wrong_type", why::wrong_type},
        {"unknown_key", why::unknown_key},
        {"no_key_id", why::no_key_id},
        {"wrong_algorithm", why::wrong_algorithm},
        {"bad_time_claim", why::bad_time_claim},
        {"bad_signature", why::bad_signature},
        {"no_expiry", why::no_expiry},
        {"expired", why::expired},
        {"not_yet_valid", why::not_yet_valid},
        {"wrong_issuer", why::wrong_issuer},
        {"wrong_audience", why::wrong_audience},
        {"no_subject", why::no_subject},
        {"bad_claim", why::bad_claim},
    };
    for (auto const& [known, description] : names)
        if (known == name)
            return said(description);
    FAIL("tests/data/refused_tokens.txt names no refusal " << name);
    return {};
}

} // namespace

TEST_CASE("committed bad tokens are each refused for their reason", "[jwt]") {
    clearance::jwt_options options;
    options.keys = {{"hs-1", jwt_algorithm::hs256, key},
                    {"rsa-1", jwt_algorithm::rs256,
                     read_file(data_dir / "rsa_public.pem")}};
    options.issuer = "https://id.example";
    options.audience = "docs";
    auto const verifier = make(std::move(options));

    std::ifstream corpus(data_dir / "refused_tokens.txt");
    REQUIRE(corpus);
    std::size_t accepted = 0, refused = 0;
    for (std::string line; std::getline(corpus, line);) {
        if (line.empty() || line.front() == '#')
            continue;
        auto space = line.find(' ');
        REQUIRE(space != std::string::npos);
        auto reason = line.substr(0, space);
        auto token = line.substr(space + 1);
        INFO(reason << ": " << token.substr(0, 120));
        auto result = verifier.verify(token);
        if (reason == "authenticated") {
            CHECK(result.result == outcome::authenticated);
            CHECK(result.who.subject == "alice");
            ++accepted;
        } else {
            CHECK(result.result == outcome::invalid);
            CHECK(said(result.description) == refusal_named(reason));
            ++refused;
        }
    }
    // Every kind of bad token the file was written with, and its
    // must-pass twin.
    CHECK(accepted == 1);
    CHECK(refused == 41);
}

TEST_CASE("a bad signature is refused after the checks that need none",
          "[jwt]") {
    // A forged token with a repeated claim is refused for the repeat,
    // before any signature work; a well-formed one for its signature.
    auto wrong = std::string(32, 'x');
    CHECK(said(refusal(forge(hs256, R"({"sub":"a","sub":"b"})", wrong))) ==
          said(why::duplicate_member));
    CHECK(said(refusal(forge(hs256, valid_payload(), wrong))) ==
          said(why::bad_signature));
    auto good = forge(hs256, valid_payload());
    auto tampered = good;
    tampered[tampered.size() - 2] =
        tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
    CHECK(said(refusal(tampered)) == said(why::bad_signature));
}

TEST_CASE("descriptions fit RFC 6750's error_description", "[jwt]") {
    for (auto text : {
             why::malformed_header, why::too_long,        why::not_compact,
             why::bad_header,       why::bad_payload,     why::duplicate_member,
             why::too_deep,         why::no_algorithm,    why::unsigned_token,
             why::embedded_key,     why::critical_header, why::wrong_type,
             why::unknown_key,      why::no_key_id,       why::wrong_algorithm,
             why::bad_time_claim,   why::bad_signature,   why::no_expiry,
             why::expired,          why::not_yet_valid,   why::wrong_issuer,
             why::wrong_audience,   why::no_subject,      why::bad_claim,
             why::unprocessable,
         }) {
        INFO(text);
        CHECK(!text.empty());
        for (char c : text)
            CHECK((c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'));
    }
}

TEST_CASE("issuer and audience are enforced when configured", "[jwt]") {
    clearance::jwt_options options;
    options.issuer = "https://issuer";
    options.audience = "docs";
    auto strict = make(options);
    auto exp = in(600);
    auto with = [&](std::string const& claims) {
        return strict.verify(
            forge(hs256, R"({"sub":"a","exp":)" + exp + claims + "}"));
    };
    CHECK(with(R"(,"iss":"https://issuer","aud":"docs")").result ==
          outcome::authenticated);
    CHECK(with(R"(,"iss":"https://issuer","aud":["other","docs"])").result ==
          outcome::authenticated);
    CHECK(said(with("").description) == said(why::wrong_issuer));
    CHECK(said(with(R"(,"iss":"https://other","aud":"docs")").description) ==
          said(why::wrong_issuer));
    CHECK(said(with(R"(,"iss":["https://issuer"],"aud":"docs")").description) ==
          said(why::wrong_issuer));
    CHECK(said(with(R"(,"iss":"https://issuer")").description) ==
          said(why::wrong_audience));
    CHECK(said(with(R"(,"iss":"https://issuer","aud":"else")").description) ==
          said(why::wrong_audience));
    CHECK(said(with(R"(,"iss":"https://issuer","aud":["else"])").description) ==
          said(why::wrong_audience));
    CHECK(said(with(R"(,"iss":"https://issuer","aud":[])").description) ==
          said(why::wrong_audience));
    CHECK(
        said(with(R"(,"iss":"https://issuer","aud":[7,"docs"])").description) ==
        said(why::wrong_audience));
    CHECK(
        said(with(R"(,"iss":"https://issuer","aud":{"docs":1})").description) ==
        said(why::wrong_audience));

    // Without configuration, neither is looked at.
    CHECK(verify(forge(hs256, R"({"sub":"a","iss":"x","aud":["y"],"exp":)" +
                                  exp + "}")) == outcome::authenticated);
}

TEST_CASE("RS256 tokens verify with the RSA public key", "[jwt]") {
    clearance::jwt_options options;
    options.keys = {rsa_key()};
    auto authenticator = make(options);
    auto header = R"({"alg":"RS256","typ":"JWT"})";
    auto payload = R"({"sub":"svc","roles":["reader"],"exp":)" + in(600) + "}";
    auto good = sign(header, payload, jwt_algorithm::rs256, "rsa_private.pem");
    auto result = authenticator.verify(good);
    REQUIRE(result.result == outcome::authenticated);
    CHECK(result.who.subject == "svc");
    CHECK(result.who.permissions == policy::role_mask<reader>);

    auto other =
        sign(header, payload, jwt_algorithm::rs256, "rsa_other_private.pem");
    ERR_raise(ERR_LIB_USER, 1); // left over from elsewhere
    CHECK(said(authenticator.verify(other).description) ==
          said(why::bad_signature));
    // OpenSSL's error queue is left empty for the next TLS call.
    CHECK(ERR_peek_error() == 0);
    auto tampered =
        with_payload(good, R"({"sub":"root","exp":)" + in(600) + "}");
    CHECK(said(authenticator.verify(tampered).description) ==
          said(why::bad_signature));
    CHECK(authenticator.verify(good.substr(0, good.size() - 4)).result ==
          outcome::invalid);
    auto expired = sign(header, R"({"sub":"svc","exp":)" + in(-3600) + "}",
                        jwt_algorithm::rs256, "rsa_private.pem");
    CHECK(said(authenticator.verify(expired).description) ==
          said(why::expired));
}

TEST_CASE("public keys are shared by copies and threads", "[jwt]") {
    clearance::jwt_options options;
    options.keys = clearance::read_jwks(data_dir / "jwks.json");
    auto payload = valid_payload();
    auto rs = sign(R"({"alg":"RS256","kid":"rsa-1"})", payload,
                   jwt_algorithm::rs256, "rsa_private.pem");
    auto es = sign(R"({"alg":"ES256","kid":"ec-1"})", payload,
                   jwt_algorithm::es256, "ec_private.pem");
    auto bad = rs;
    bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';
    auto original = make(options);
    auto const copy = original;
    std::atomic<int> accepted{0}, refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                accepted += copy.verify(rs).result == outcome::authenticated;
                accepted += copy.verify(es).result == outcome::authenticated;
                refused += copy.verify(bad).result == outcome::invalid;
            }
        });
    for (auto& thread : threads)
        thread.join();
    CHECK(accepted == 200);
    CHECK(refused == 100);
    CHECK(original.verify(es).result == outcome::authenticated);
}

namespace {

// Signs with the Ed25519 private key in tests/data (EdDSA, RFC 8037).
std::string sign_eddsa(std::string_view header, std::string_view payload) {
    auto signing_input = base64url(header) + "." + base64url(payload);
    auto pem = read_file(data_dir / "ed25519_private.pem");
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    REQUIRE(bio != nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    REQUIRE(key != nullptr);
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    unsigned char signature[64];
    std::size_t length = sizeof signature;
    bool const signed_ok =
        EVP_DigestSignInit(context, nullptr, nullptr, nullptr, key) == 1 &&
        EVP_DigestSign(
            context, signature, &length,
            reinterpret_cast<unsigned char const*>(signing_input.data()),
            signing_input.size()) == 1;
    EVP_MD_CTX_free(context);
    EVP_PKEY_free(key);
    REQUIRE(signed_ok);
    return signing_input + "." +
           base64url({reinterpret_cast<char const*>(signature), length});
}

clearance::jwt_key ed25519_key(std::string id = {}) {
    return clearance::read_pem_key(data_dir / "ed25519_public.pem",
                                   jwt_algorithm::eddsa, std::move(id));
}

} // namespace

TEST_CASE("EdDSA tokens verify with the Ed25519 public key", "[jwt]") {
    clearance::jwt_options options;
    options.keys = {ed25519_key("ed")};
    auto authenticator = make(options);
    auto payload = R"({"sub":"svc","exp":)" + in(600) + "}";
    auto good = sign_eddsa(R"({"alg":"EdDSA","kid":"ed"})", payload);
    auto accepted = authenticator.verify(good);
    CHECK(accepted.result == outcome::authenticated);
    CHECK(accepted.who.subject == "svc");

    auto tampered =
        with_payload(good, R"({"sub":"root","exp":)" + in(600) + "}");
    CHECK(said(authenticator.verify(tampered).description) ==
          said(why::bad_signature));
    // A signature cut short or made longer is not an Ed25519 signature.
    auto signing_input = good.substr(0, good.rfind('.'));
    CHECK(said(authenticator.verify(signing_input + "." + base64url("short"))
                   .description) == said(why::bad_signature));
    CHECK(said(authenticator
                   .verify(signing_input + "." +
                           base64url(std::string(65, '\x01')))
                   .description) == said(why::bad_signature));

    // The key's algorithm decides: the same signature named as another
    // algorithm, or an HS256 MAC keyed with the public key, is refused
    // before any signature work.
    for (auto header :
         {R"({"alg":"ES256","kid":"ed"})", R"({"alg":"HS256","kid":"ed"})",
          R"({"alg":"Ed25519","kid":"ed"})"}) {
        INFO(header);
        auto forged = sign_eddsa(header, payload);
        CHECK(said(authenticator.verify(forged).description) ==
              said(why::wrong_algorithm));
    }
    auto pem = read_file(data_dir / "ed25519_public.pem");
    CHECK(said(authenticator
                   .verify(forge(R"({"alg":"HS256","kid":"ed"})", payload, pem))
                   .description) == said(why::wrong_algorithm));
    // And an EdDSA token meets no HS256 key.
    CHECK(said(make()
                   .verify(sign_eddsa(R"({"alg":"EdDSA"})", payload))
                   .description) == said(why::wrong_algorithm));
}

TEST_CASE("ES256 tokens verify with the P-256 public key", "[jwt]") {
    clearance::jwt_options options;
    options.keys = {ec_key("ec")};
    auto authenticator = make(options);
    auto header = R"({"alg":"ES256","kid":"ec"})";
    auto payload = R"({"sub":"svc","exp":)" + in(600) + "}";
    auto good = sign(header, payload, jwt_algorithm::es256, "ec_private.pem");
    CHECK(authenticator.verify(good).result == outcome::authenticated);
    // A token without kid selects the only key.
    CHECK(authenticator
              .verify(sign(R"({"alg":"ES256"})", payload, jwt_algorithm::es256,
                           "ec_private.pem"))
              .result == outcome::authenticated);

    auto tampered =
        with_payload(good, R"({"sub":"root","exp":)" + in(600) + "}");
    CHECK(said(authenticator.verify(tampered).description) ==
          said(why::bad_signature));

    // JWS wants R || S, 64 bytes; a DER signature does not verify.
    auto signing_input = good.substr(0, good.rfind('.'));
    auto pem = read_file(data_dir / "ec_private.pem");
    auto* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    auto* private_key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    REQUIRE(private_key != nullptr);
    auto* context = EVP_MD_CTX_new();
    std::size_t length = 0;
    REQUIRE(EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr,
                               private_key) == 1);
    REQUIRE(EVP_DigestSign(
                context, nullptr, &length,
                reinterpret_cast<unsigned char const*>(signing_input.data()),
                signing_input.size()) == 1);
    std::string der(length, '\0');
    REQUIRE(EVP_DigestSign(
                context, reinterpret_cast<unsigned char*>(der.data()), &length,
                reinterpret_cast<unsigned char const*>(signing_input.data()),
                signing_input.size()) == 1);
    der.resize(length);
    EVP_MD_CTX_free(context);
    EVP_PKEY_free(private_key);
    CHECK(said(authenticator.verify(signing_input + "." + base64url(der))
                   .description) == said(why::bad_signature));
    CHECK(said(authenticator.verify(signing_input + "." + std::string(86, 'A'))
                   .description) == said(why::bad_signature));
}

TEST_CASE("an RS256 public key used as an HS256 secret is refused", "[jwt]") {
    // The classic confusion: the attacker knows the public key and signs
    // an HS256 token with its PEM text as the HMAC secret, hoping the
    // verifier follows the token's alg.
    auto file_pem = read_file(data_dir / "rsa_public.pem");
    auto key = rsa_key();
    auto payload = R"({"sub":"root","roles":["owner"],"exp":)" + in(600) + "}";
    clearance::jwt_options single;
    single.keys = {key};
    auto authenticator = make(single);
    for (auto const& secret : {file_pem, key.material}) {
        CHECK(said(authenticator.verify(forge(hs256, payload, secret))
                       .description) == said(why::wrong_algorithm));
        CHECK(said(authenticator
                       .verify(forge(R"({"alg":"HS256","kid":""})", payload,
                                     secret))
                       .description) == said(why::wrong_algorithm));
    }

    // With a key set, the kid picks the key and the alg must be its.
    clearance::jwt_options set;
    set.keys = {{"h", jwt_algorithm::hs256, key.material.substr(40, 40)},
                rsa_key("r"),
                ec_key("e")};
    auto keyed = make(set);
    CHECK(keyed
              .verify(forge(R"({"alg":"HS256","kid":"h"})", payload,
                            key.material.substr(40, 40)))
              .result == outcome::authenticated);
    CHECK(said(keyed
                   .verify(forge(R"({"alg":"HS256","kid":"r"})", payload,
                                 key.material))
                   .description) == said(why::wrong_algorithm));
    CHECK(said(keyed
                   .verify(forge(R"({"alg":"HS256","kid":"r"})", payload,
                                 key.material.substr(40, 40)))
                   .description) == said(why::wrong_algorithm));
    CHECK(said(keyed
                   .verify(sign(R"({"alg":"RS256","kid":"h"})", payload,
                                jwt_algorithm::rs256, "rsa_private.pem"))
                   .description) == said(why::wrong_algorithm));
    CHECK(said(keyed
                   .verify(sign(R"({"alg":"RS256","kid":"e"})", payload,
                                jwt_algorithm::rs256, "rsa_private.pem"))
                   .description) == said(why::wrong_algorithm));
    CHECK(said(keyed
                   .verify(sign(R"({"alg":"ES256","kid":"r"})", payload,
                                jwt_algorithm::es256, "ec_private.pem"))
                   .description) == said(why::wrong_algorithm));
    CHECK(keyed
              .verify(sign(R"({"alg":"RS256","kid":"r"})", payload,
                           jwt_algorithm::rs256, "rsa_private.pem"))
              .result == outcome::authenticated);
    CHECK(keyed
              .verify(sign(R"({"alg":"ES256","kid":"e"})", payload,
                           jwt_algorithm::es256, "ec_private.pem"))
              .result == outcome::authenticated);

    // Nor can a PEM be configured as an HMAC secret.
    clearance::jwt_options mistaken;
    mistaken.secret = file_pem;
    CHECK_THROWS_WITH(make(mistaken), Catch::Contains("PEM"));
}

TEST_CASE("the kid selects the key", "[jwt]") {
    std::string a(32, 'a'), b(32, 'b');
    clearance::jwt_options options;
    options.keys = {{"a", jwt_algorithm::hs256, a},
                    {"b", jwt_algorithm::hs256, b}};
    auto authenticator = make(options);
    auto payload = valid_payload();
    CHECK(
        authenticator.verify(forge(R"({"alg":"HS256","kid":"a"})", payload, a))
            .result == outcome::authenticated);
    CHECK(
        authenticator.verify(forge(R"({"alg":"HS256","kid":"b"})", payload, b))
            .result == outcome::authenticated);
    CHECK(said(authenticator
                   .verify(forge(R"({"alg":"HS256","kid":"b"})", payload, a))
                   .description) == said(why::bad_signature));
    CHECK(said(authenticator
                   .verify(forge(R"({"alg":"HS256","kid":"c"})", payload, a))
                   .description) == said(why::unknown_key));
    CHECK(said(authenticator
                   .verify(forge(R"({"alg":"HS256","kid":"A"})", payload, a))
                   .description) == said(why::unknown_key));
    CHECK(said(authenticator.verify(forge(hs256, payload, a)).description) ==
          said(why::no_key_id));

    // One key with an id: a token without kid selects it; another kid
    // does not.
    clearance::jwt_options one;
    one.keys = {{"k1", jwt_algorithm::hs256, a}};
    auto single = make(one);
    CHECK(single.verify(forge(hs256, payload, a)).result ==
          outcome::authenticated);
    CHECK(single.verify(forge(R"({"alg":"HS256","kid":"k1"})", payload, a))
              .result == outcome::authenticated);
    CHECK(said(single.verify(forge(R"({"alg":"HS256","kid":"k2"})", payload, a))
                   .description) == said(why::unknown_key));

    // The single-secret form has the key id "": any kid is unknown.
    CHECK(said(refusal(forge(R"({"alg":"HS256","kid":"k1"})", payload))) ==
          said(why::unknown_key));
}

TEST_CASE("bad configurations stop start-up", "[jwt]") {
    auto fails = [](clearance::jwt_options options, std::string const& part) {
        INFO(part);
        CHECK_THROWS_WITH(clearance::jwt_authenticator<policy>{options},
                          Catch::Contains(part));
        CHECK_THROWS_AS(clearance::jwt_authenticator<policy>{options},
                        std::invalid_argument);
    };
    clearance::jwt_options options;
    fails(options, "needs a key");
    options.secret = "short";
    fails(options, "at least 32 bytes");
    options.secret = key;
    options.keys = {rsa_key()};
    fails(options, "only one of");
    options.keys = {};
    options.key_file = std::make_shared<clearance::jwks_file>(
        data_dir / "jwks.json", std::chrono::seconds{5});
    fails(options, "only one of");

    options = {};
    options.keys = {{"a", jwt_algorithm::hs256, key},
                    {"a", jwt_algorithm::hs256, key}};
    fails(options, "two JWT keys have the id 'a'");
    options.keys = {{"a", jwt_algorithm::hs256, key},
                    {"", jwt_algorithm::hs256, key}};
    fails(options, "key 2 has none");
    options.keys = {{"short", jwt_algorithm::hs256, "x"}};
    fails(options, "'short' is shorter than 32 bytes");
    auto rsa_pem = read_file(data_dir / "rsa_public.pem");
    auto ec_pem = read_file(data_dir / "ec_public.pem");
    options.keys = {{"r", jwt_algorithm::rs256, ec_pem}};
    fails(options, "'r' is not an RSA key");
    options.keys = {{"e", jwt_algorithm::es256, rsa_pem}};
    fails(options, "'e' is not an EC key");
    options.keys = {{"e", jwt_algorithm::es256,
                     read_file(data_dir / "ec_p384_public.pem")}};
    fails(options, "ES256 needs P-256");
    options.keys = {{"r", jwt_algorithm::rs256,
                     read_file(data_dir / "rsa1024_public.pem")}};
    fails(options, "1024 bits");
    options.keys = {
        {"r", jwt_algorithm::rs256, read_file(data_dir / "rsa_private.pem")}};
    fails(options, "private key");
    options.keys = {{"r", jwt_algorithm::rs256,
                     "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC "
                     "KEY-----\n"}};
    fails(options, "does not parse");
    options.keys = {{"r", jwt_algorithm::rs256, rsa_pem + ec_pem}};
    fails(options, "more than one PEM block");
    options.keys = {{"r", jwt_algorithm::rs256, "not a key"}};
    fails(options, "no PEM public key");

    options = {};
    options.secret = key;
    options.leeway = std::chrono::seconds{-1};
    fails(options, "leeway");
    options.leeway = std::chrono::hours{25};
    fails(options, "leeway");
}

TEST_CASE("PEM key files are read at start-up", "[jwt]") {
    auto key = rsa_key("r");
    CHECK(key.id == "r");
    CHECK(key.algorithm == jwt_algorithm::rs256);
    CHECK(key.material.rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
    CHECK(ec_key().algorithm == jwt_algorithm::es256);

    auto fails = [](std::filesystem::path const& file, jwt_algorithm algorithm,
                    std::string const& part) {
        INFO(part);
        CHECK_THROWS_WITH(clearance::read_pem_key(file, algorithm),
                          Catch::Contains(file.string()) &&
                              Catch::Contains(part));
    };
    fails(data_dir / "missing.pem", jwt_algorithm::rs256, "does not exist");
    fails(data_dir, jwt_algorithm::rs256, "not a regular file");
    fails(data_dir / "rsa_private.pem", jwt_algorithm::rs256, "private key");
    fails(data_dir / "ec_public.pem", jwt_algorithm::rs256, "not an RSA key");
    fails(data_dir / "rsa_public.pem", jwt_algorithm::es256, "not an EC key");
    fails(data_dir / "rsa1024_public.pem", jwt_algorithm::rs256, "2048");
    fails(data_dir / "ec_p384_public.pem", jwt_algorithm::es256, "P-256");
    fails(data_dir / "rsa_public.pem", jwt_algorithm::eddsa,
          "not an Ed25519 key");
    fails(data_dir / "ed25519_public.pem", jwt_algorithm::es256,
          "not an EC key");
    fails(data_dir / "ed25519_private.pem", jwt_algorithm::eddsa,
          "private key");
    CHECK(ed25519_key().algorithm == jwt_algorithm::eddsa);
    fails(data_dir / "rsa_public.pem", jwt_algorithm::hs256, "HS256");
    fails(data_dir / "jwks.json", jwt_algorithm::rs256, "no PEM public key");
    scratch_directory scratch;
    fails(scratch.write("empty.pem", ""), jwt_algorithm::rs256, "is empty");
}

TEST_CASE("a JWKS file gives RS256 and ES256 keys", "[jwt]") {
    auto keys = clearance::read_jwks(data_dir / "jwks.json");
    REQUIRE(keys.size() == 2);
    CHECK(keys[0].id == "rsa-1");
    CHECK(keys[0].algorithm == jwt_algorithm::rs256);
    CHECK(keys[0].material == rsa_key().material);
    CHECK(keys[1].id == "ec-1");
    CHECK(keys[1].algorithm == jwt_algorithm::es256);
    CHECK(keys[1].material == ec_key().material);

    clearance::jwt_options options;
    options.keys = keys;
    auto authenticator = make(options);
    auto payload = valid_payload();
    CHECK(authenticator
              .verify(sign(R"({"alg":"RS256","kid":"rsa-1"})", payload,
                           jwt_algorithm::rs256, "rsa_private.pem"))
              .result == outcome::authenticated);
    CHECK(authenticator
              .verify(sign(R"({"alg":"ES256","kid":"ec-1"})", payload,
                           jwt_algorithm::es256, "ec_private.pem"))
              .result == outcome::authenticated);
    CHECK(said(authenticator
                   .verify(sign(R"({"alg":"RS256"})", payload,
                                jwt_algorithm::rs256, "rsa_private.pem"))
                   .description) == said(why::no_key_id));
    CHECK(said(authenticator
                   .verify(sign(R"({"alg":"ES256","kid":"rsa-1"})", payload,
                                jwt_algorithm::es256, "ec_private.pem"))
                   .description) == said(why::wrong_algorithm));
}

TEST_CASE("JWKS keys: algorithms inferred, other uses skipped", "[jwt]") {
    auto jwks = nlohmann::json::parse(read_file(data_dir / "jwks.json"));
    auto rsa = jwks["keys"][0];
    auto ec = jwks["keys"][1];
    rsa.erase("alg");
    rsa.erase("use");
    ec.erase("alg");
    auto encryption = rsa;
    encryption["use"] = "enc";
    encryption["kid"] = "enc-1";
    auto wrapping = ec;
    wrapping["key_ops"] = nlohmann::json::array({"wrapKey"});
    wrapping["kid"] = "wrap-1";
    nlohmann::json oct{{"kty", "oct"},
                       {"kid", "shared"},
                       {"k", base64url(std::string(32, 's'))}};
    // The x of tests/data/ed25519_public.pem.
    nlohmann::json okp{{"kty", "OKP"},
                       {"crv", "Ed25519"},
                       {"kid", "ed-1"},
                       {"x", "DYT4TModyFck719zQtXB9Sp_YBzB3VTweskTcBg4NM0"}};
    nlohmann::json set{
        {"keys",
         nlohmann::json::array({encryption, rsa, wrapping, ec, oct, okp})}};
    auto keys = clearance::parse_jwks(set.dump());
    REQUIRE(keys.size() == 4);
    CHECK(keys[3].id == "ed-1");
    CHECK(keys[3].algorithm == jwt_algorithm::eddsa);
    CHECK(keys[3].material == ed25519_key().material);
    auto payload = R"({"sub":"svc","exp":)" + in(600) + "}";
    clearance::jwt_options options;
    options.keys = keys;
    CHECK(make(options)
              .verify(sign_eddsa(R"({"alg":"EdDSA","kid":"ed-1"})", payload))
              .result == outcome::authenticated);

    auto refused = [](nlohmann::json key, std::string const& part) {
        INFO(part);
        CHECK_THROWS_WITH(
            clearance::parse_jwks(
                nlohmann::json{{"keys", nlohmann::json::array({key})}}.dump()),
            Catch::Contains(part));
    };
    auto x25519 = okp;
    x25519["crv"] = "X25519";
    refused(x25519, "EdDSA needs Ed25519");
    auto short_x = okp;
    short_x["x"] = base64url("sixteen bytes!!!");
    refused(short_x, "32 bytes");
    auto es_okp = okp;
    es_okp["alg"] = "ES256";
    refused(es_okp, "only EdDSA");
    CHECK(keys[0].id == "rsa-1");
    CHECK(keys[0].algorithm == jwt_algorithm::rs256);
    CHECK(keys[1].algorithm == jwt_algorithm::es256);
    CHECK(keys[2].id == "shared");
    CHECK(keys[2].algorithm == jwt_algorithm::hs256);
    CHECK(keys[2].material == std::string(32, 's'));

    // One key needs no kid.
    rsa.erase("kid");
    auto single = clearance::parse_jwks(
        nlohmann::json{{"keys", nlohmann::json::array({rsa})}}.dump());
    REQUIRE(single.size() == 1);
    CHECK(single[0].id.empty());
}

TEST_CASE("a bad JWKS file stops start-up, naming the file", "[jwt]") {
    auto jwks = nlohmann::json::parse(read_file(data_dir / "jwks.json"));
    auto const rsa = jwks["keys"][0];
    auto const ec = jwks["keys"][1];
    auto with = [](nlohmann::json key) {
        return nlohmann::json{{"keys", nlohmann::json::array({key})}}.dump();
    };
    auto changed = [](nlohmann::json key, char const* member,
                      nlohmann::json value) {
        key[member] = std::move(value);
        return key;
    };
    auto without = [](nlohmann::json key, char const* member) {
        key.erase(member);
        return key;
    };
    // The modulus of a real 1024-bit key, too small for RS256.
    auto* bio = BIO_new_file((data_dir / "rsa1024_public.pem").c_str(), "r");
    REQUIRE(bio != nullptr);
    auto* small_key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    REQUIRE(small_key != nullptr);
    BIGNUM* modulus = nullptr;
    REQUIRE(EVP_PKEY_get_bn_param(small_key, OSSL_PKEY_PARAM_RSA_N, &modulus) ==
            1);
    std::string small_n_bytes(static_cast<std::size_t>(BN_num_bytes(modulus)),
                              '\0');
    BN_bn2bin(modulus, reinterpret_cast<unsigned char*>(small_n_bytes.data()));
    BN_free(modulus);
    EVP_PKEY_free(small_key);
    auto small_n = base64url(small_n_bytes);
    std::pair<std::string, std::string> const cases[] = {
        {"not json", "is not valid JSON"},
        {R"({"keys":[]} trailing)", "is not valid JSON"},
        {R"({"keys":[],"keys":[]})", "repeats a member name"},
        {R"({"keys":[{"kty":"RSA","kty":"EC"}]})", "repeats a member name"},
        {R"({"keys":)" + std::string(30, '[') + std::string(30, ']') + "}",
         "nests too deeply"},
        {"[]", "is not a JSON object with a \"keys\" array"},
        {R"({"key":[]})", "is not a JSON object with a \"keys\" array"},
        {R"({"keys":{}})", "is not a JSON object with a \"keys\" array"},
        {R"({"keys":[]})", "holds no signature key"},
        {with(changed(rsa, "use", "enc")), "holds no signature key"},
        {R"({"keys":[7]})", "key 1 is not a JSON object"},
        {with(without(rsa, "kty")), "'rsa-1' has no \"kty\""},
        {with(changed(rsa, "kty", 7)), "has a \"kty\" that is not a string"},
        {with(changed(rsa, "kid", 7)), "has a \"kid\" that is not a string"},
        {with(changed(rsa, "kty", "LWE")), "key type \"LWE\""},
        {with(changed(rsa, "alg", "RS384")), "the algorithm RS384"},
        {with(changed(rsa, "alg", "PS256")), "the algorithm PS256"},
        {with(changed(rsa, "alg", "HS256")), "the algorithm HS256"},
        {with(changed(ec, "alg", "ES384")), "the algorithm ES384"},
        {with(changed(rsa, "key_ops", "verify")),
         "\"key_ops\" that is not an array"},
        {with(without(rsa, "e")), "needs \"n\" and \"e\""},
        {with(changed(rsa, "n", "not base64url!")), "needs \"n\" and \"e\""},
        {with(changed(rsa, "n", 12345)), "needs \"n\" and \"e\""},
        {with(changed(rsa, "n", small_n)), "1024 bits"},
        {with(changed(rsa, "e", "AA")), "not a valid RSA public key"},
        {with(changed(ec, "crv", "P-384")), "the curve P-384"},
        {with(without(ec, "crv")), "the curve (none)"},
        {with(changed(ec, "x", base64url(std::string(31, 'x')))),
         "\"x\" and \"y\" of 32 bytes"},
        {with(changed(ec, "y", base64url(std::string(32, '\x01')))),
         "not a point on P-256"},
        {with(nlohmann::json{{"kty", "oct"}, {"k", base64url("short")}}),
         "shorter than 32 bytes"},
        {with(nlohmann::json{{"kty", "oct"}}), "has no \"k\""},
        {nlohmann::json{{"keys", nlohmann::json::array(
                                     {rsa, changed(ec, "kid", "rsa-1")})}}
             .dump(),
         "two keys with the kid 'rsa-1'"},
        {nlohmann::json{
             {"keys", nlohmann::json::array({rsa, without(ec, "kid")})}}
             .dump(),
         "one has no kid"},
    };
    scratch_directory scratch;
    int number = 0;
    for (auto const& [text, problem] : cases) {
        INFO(text.substr(0, 200));
        auto file =
            scratch.write("jwks-" + std::to_string(++number) + ".json", text);
        CHECK_THROWS_WITH(
            clearance::read_jwks(file),
            Catch::Contains("the JWKS file '" + file.string() + "'") &&
                Catch::Contains(problem));
        CHECK_THROWS_AS(clearance::read_jwks(file), std::runtime_error);
    }
    CHECK_THROWS_WITH(clearance::read_jwks(scratch.path / "missing.json"),
                      Catch::Contains("missing.json' does not exist"));
    CHECK_THROWS_WITH(clearance::read_jwks(scratch.write(
                          "huge.json", std::string(2 * 1024 * 1024, ' '))),
                      Catch::Contains("is larger than"));
}

TEST_CASE("the bearer header is read strictly", "[jwt]") {
    auto authenticator = make();
    auto token = forge(hs256, valid_payload());
    auto with = [&](std::string value) {
        clearance::request r{boost::beast::http::verb::get, "/", 11};
        r.set(boost::beast::http::field::authorization, value);
        return authenticator.authenticate(r);
    };
    CHECK(with("Bearer " + token).result == outcome::authenticated);
    CHECK(with("bearer " + token).result == outcome::authenticated);
    CHECK(with("BEARER " + token).result == outcome::authenticated);
    for (auto bad : {
             std::string{"Bearer"},
             "Bearer\t" + token,
             "Bearerx " + token,
             std::string{"Bearer "},
             "Bearer " + token + " x",
         }) {
        INFO(bad);
        auto result = with(bad);
        CHECK(result.result == outcome::malformed);
        CHECK(said(result.description) == said(why::malformed_header));
    }
    CHECK(said(with("Bearer garbage").description) == said(why::not_compact));
    CHECK(with("Basic YTpi").result == outcome::none);
    clearance::request none{boost::beast::http::verb::get, "/", 11};
    CHECK(authenticator.authenticate(none).result == outcome::none);
    CHECK(authenticator.authenticate(none).description.empty());
    clearance::request twice{boost::beast::http::verb::get, "/", 11};
    twice.insert(boost::beast::http::field::authorization, "Bearer " + token);
    twice.insert(boost::beast::http::field::authorization, "Bearer " + token);
    CHECK(authenticator.authenticate(twice).result == outcome::malformed);
}

TEST_CASE("a token in the query is a malformed request", "[jwt]") {
    auto authenticator = make();
    std::string token = forge(hs256, valid_payload());
    auto at = [&](std::string target, bool header) {
        clearance::request r{boost::beast::http::verb::get, target, 11};
        if (header)
            r.set(boost::beast::http::field::authorization, "Bearer " + token);
        return authenticator.authenticate(r);
    };
    auto const both = clearance::bearer_refusal::token_in_header_and_query;
    auto const query = clearance::bearer_refusal::token_in_query;
    struct row {
        std::string target;
        bool header;
        std::string_view description;
    };
    std::vector<row> const rows = {
        {"/?access_token=" + token, true, both},
        {"/?access_token=" + token, false, query},
        {"/?a=1&access_token=x&b=2", true, both},
        {"/?access_token", false, query},
        {"/?access_token=", true, both},
        {"/?access%5Ftoken=x", true, both},
        {"/?%61ccess_token=x", false, query},
        {"/?a=1&access_token=x", false, query},
    };
    for (auto const& [target, header, description] : rows) {
        INFO(target << (header ? " with a header" : ""));
        auto result = at(target, header);
        CHECK(result.result == outcome::malformed);
        CHECK(said(result.description) == said(description));
    }
    // Other parameters, however close, are not tokens.
    for (std::string target :
         {"/?access_tokens=x", "/?xaccess_token=x", "/?token=x",
          "/?a=access_token", "/access_token", "/?access_toke=x",
          "/?access%5Ftoke=x", "/?access_token%3D=x", "/?access%5"}) {
        INFO(target);
        CHECK(at(target, true).result == outcome::authenticated);
        CHECK(at(target, false).result == outcome::none);
    }
}

TEST_CASE("verification never throws", "[jwt]") {
    auto authenticator = make();
    std::string token = forge(hs256, valid_payload());
    // Every single-character change of a valid token is refused without
    // an exception escaping.
    for (std::size_t i = 0; i < token.size(); ++i) {
        for (char c : {'A', '_', '.', '=', '\0', '\x80'}) {
            auto changed = token;
            if (changed[i] == c)
                continue;
            changed[i] = c;
            CHECK(authenticator.verify(changed).result == outcome::invalid);
        }
    }
}

TEST_CASE("an expiry past the clock's range is recorded within it", "[jwt]") {
    using namespace std::chrono;
    auto const latest = system_clock::time_point{
        seconds{duration_cast<seconds>(
                    system_clock::time_point::max().time_since_epoch())
                    .count() -
                366 * 24 * 60 * 60}};
    // 2^53, the largest accepted, and values a nanosecond clock cannot
    // hold: each would have wrapped into the past.
    for (auto exp : {"9007199254740992", "10000000000", "9223372037"}) {
        INFO(exp);
        auto far = make().verify(
            forge(hs256, std::string(R"({"sub":"a","exp":)") + exp + "}"));
        REQUIRE(far.result == outcome::authenticated);
        CHECK(far.who.expires == latest);
        // A revocation list keeps an entry until expiry plus a grace
        // period: that sum stays in the future.
        CHECK(far.who.expires + hours{24} > system_clock::now());
    }
}

TEST_CASE("issued tokens carry a token id and an expiry", "[jwt]") {
    auto authenticator = make();
    auto first = authenticator.verify(
        authenticator.issue({"ann", "acme", {}, ""}, std::chrono::seconds{60}));
    auto second = authenticator.verify(
        authenticator.issue({"ann", "acme", {}, ""}, std::chrono::seconds{60}));
    REQUIRE(first.result == outcome::authenticated);
    REQUIRE(second.result == outcome::authenticated);
    // 128 random bits in unpadded base64url.
    CHECK(first.who.token_id.size() == 22);
    CHECK(first.who.token_id != second.who.token_id);
    auto expires = std::chrono::system_clock::to_time_t(first.who.expires);
    CHECK(expires >= std::time(nullptr) + 59);
    CHECK(expires <= std::time(nullptr) + 60);

    auto named = authenticator.verify(authenticator.issue(
        {"ann", "acme", {}, "", "session-7"}, std::chrono::seconds{60}));
    CHECK(named.who.token_id == "session-7");

    auto plain = make().verify(forge(hs256, valid_payload()));
    REQUIRE(plain.result == outcome::authenticated);
    CHECK(plain.who.token_id.empty());
    auto numeric = make().verify(
        forge(hs256, R"({"sub":"a","jti":7,"exp":)" + in(600) + "}"));
    CHECK(numeric.result == outcome::invalid);
    CHECK(said(numeric.description) == said(why::bad_claim));
    clearance::jwt_options no_expiry;
    no_expiry.secret = key;
    no_expiry.require_expiry = false;
    auto eternal = verify_with(no_expiry, forge(hs256, R"({"sub":"a"})"));
    REQUIRE(eternal.result == outcome::authenticated);
    CHECK(eternal.who.expires == std::chrono::system_clock::time_point{});
}

namespace {

// An HS256 key set in JWKS form: each key is "oct", named by its id,
// with a secret of 32 times its id's first letter.
std::string hmac_jwks(std::vector<std::string> const& ids) {
    std::string text = R"({"keys":[)";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        text += i == 0 ? "" : ",";
        text += R"({"kty":"oct","kid":")" + ids[i] + R"(","k":")" +
                base64url(std::string(32, ids[i][0])) + R"("})";
    }
    return text + "]}";
}

std::string token_for_key(std::string const& id) {
    return forge(R"({"alg":"HS256","typ":"JWT","kid":")" + id + R"("})",
                 valid_payload(), std::string(32, id[0]));
}

// Replaces the file as a careful operator does: a new file renamed over
// the old one.
void replace(scratch_directory const& dir, std::string const& name,
             std::string const& text) {
    auto next = dir.write(name + ".next", text);
    std::filesystem::rename(next, dir.path / name);
}

// An authenticator over "keys.json" in `dir`, first holding the HS256
// keys `ids`, looked at every hour unless asked, with the events it
// reported.
struct watched_keys {
    std::vector<clearance::jwks_file_event> events;
    std::shared_ptr<clearance::jwks_file> file;
    clearance::jwt_authenticator<policy> authenticator;

    watched_keys(scratch_directory const& dir,
                 std::vector<std::string> const& ids)
        : file(start(dir, ids, events))
        , authenticator(make(options(file))) {}

private:
    static std::shared_ptr<clearance::jwks_file>
    start(scratch_directory const& dir, std::vector<std::string> const& ids,
          std::vector<clearance::jwks_file_event>& events) {
        replace(dir, "keys.json", hmac_jwks(ids));
        return std::make_shared<clearance::jwks_file>(
            dir.path / "keys.json", std::chrono::hours{1},
            [&events](clearance::jwks_file_event const& e) {
                events.push_back(e);
            });
    }

    static clearance::jwt_options
    options(std::shared_ptr<clearance::jwks_file> file) {
        clearance::jwt_options out;
        out.key_file = std::move(file);
        return out;
    }
};

} // namespace

TEST_CASE("a key file rotates without a restart", "[jwt][jwks_file]") {
    scratch_directory dir;
    watched_keys watched(dir, {"old"});
    // References rather than a structured binding: clang++ 14 cannot
    // capture a binding in a lambda.
    auto& events = watched.events;
    auto& file = watched.file;
    auto& authenticator = watched.authenticator;
    auto old_token = token_for_key("old");
    auto new_token = token_for_key("new");
    CHECK(authenticator.verify(old_token).result == outcome::authenticated);
    CHECK(said(authenticator.verify(new_token).description) ==
          said(why::unknown_key));
    CHECK(authenticator.current_keys()->keys().size() == 1);

    // The new key is published beside the old one. The check interval
    // is an hour, yet a token naming the new key makes the file be
    // looked at again at once, and both keys verify.
    replace(dir, "keys.json", hmac_jwks({"old", "new"}));
    std::this_thread::sleep_for(std::chrono::milliseconds{1100});
    CHECK(authenticator.verify(new_token).result == outcome::authenticated);
    CHECK(authenticator.verify(old_token).result == outcome::authenticated);
    REQUIRE(events.size() == 1);
    CHECK(events[0].what == clearance::jwks_file_event::kind::reloaded);
    CHECK(events[0].keys == 2);

    // Issuing follows the file as well.
    auto issued = authenticator.issue({"ann", "", {}, ""},
                                      std::chrono::seconds{60}, "new");
    CHECK(authenticator.verify(issued).result == outcome::authenticated);

    // The grace period ends: the old key goes.
    replace(dir, "keys.json", hmac_jwks({"new"}));
    CHECK(file->look(std::chrono::seconds{0}));
    CHECK(said(authenticator.verify(old_token).description) ==
          said(why::unknown_key));
    CHECK(authenticator.verify(new_token).result == outcome::authenticated);
    CHECK(events.size() == 2);
    // An unchanged file is not reloaded, nor reported.
    CHECK_FALSE(file->look(std::chrono::seconds{0}));
    CHECK(events.size() == 2);
}

TEST_CASE("a key file is looked at again after its interval",
          "[jwt][jwks_file]") {
    scratch_directory dir;
    replace(dir, "keys.json", hmac_jwks({"a"}));
    clearance::jwks_file file(dir.path / "keys.json",
                              std::chrono::milliseconds{200});
    replace(dir, "keys.json", hmac_jwks({"b"}));
    CHECK(file.keys()->keys().front().id == "a");
    std::this_thread::sleep_for(std::chrono::milliseconds{250});
    CHECK(file.keys()->keys().front().id == "b");
    CHECK(file.path() == dir.path / "keys.json");
    CHECK(file.check_every() == std::chrono::milliseconds{200});
}

TEST_CASE("a bad new key file keeps the keys in use", "[jwt][jwks_file]") {
    scratch_directory dir;
    watched_keys watched(dir, {"old", "new"});
    // References rather than a structured binding: clang++ 14 cannot
    // capture a binding in a lambda.
    auto& events = watched.events;
    auto& file = watched.file;
    auto& authenticator = watched.authenticator;
    auto path = (dir.path / "keys.json").string();

    auto refused = [&](std::string const& part) {
        INFO(part);
        CHECK_FALSE(file->look(std::chrono::seconds{0}));
        REQUIRE_FALSE(events.empty());
        CHECK(events.back().what == clearance::jwks_file_event::kind::refused);
        CHECK_THAT(events.back().problem,
                   Catch::Contains(path) && Catch::Contains(part));
        CHECK(authenticator.verify(token_for_key("old")).result ==
              outcome::authenticated);
        CHECK(authenticator.verify(token_for_key("new")).result ==
              outcome::authenticated);
    };
    replace(dir, "keys.json", R"({"keys":[{"kty":"oct","kid":"old")");
    refused("is not valid JSON");
    // Reported once, not at every look.
    CHECK_FALSE(file->look(std::chrono::seconds{0}));
    CHECK(events.size() == 1);
    replace(dir, "keys.json",
            R"({"keys":[{"kty":"oct","kid":"x","k":"c2hvcnQ"}]})");
    refused("shorter than 32 bytes");
    replace(dir, "keys.json", hmac_jwks({"a", "a"}));
    refused("two keys with the kid 'a'");
    std::filesystem::remove(dir.path / "keys.json");
    refused("does not exist");
    CHECK(events.size() == 4);

    // Once good again, the file is used.
    replace(dir, "keys.json", hmac_jwks({"new"}));
    CHECK(file->look(std::chrono::seconds{0}));
    CHECK(events.back().what == clearance::jwks_file_event::kind::reloaded);
    CHECK(said(authenticator.verify(token_for_key("old")).description) ==
          said(why::unknown_key));
}

TEST_CASE("a key file is checked at start-up", "[jwt][jwks_file]") {
    scratch_directory dir;
    auto path = dir.path / "keys.json";
    CHECK_THROWS_WITH(clearance::jwks_file(path),
                      Catch::Contains(path.string()) &&
                          Catch::Contains("does not exist"));
    dir.write("keys.json", hmac_jwks({"a", "a"}));
    CHECK_THROWS_WITH(clearance::jwks_file(path),
                      Catch::Contains("two keys with the kid 'a'"));
    dir.write("keys.json",
              R"({"keys":[{"kty":"oct","kid":"x","k":"c2hvcnQ"}]})");
    CHECK_THROWS_WITH(clearance::jwks_file(path),
                      Catch::Contains(path.string()) &&
                          Catch::Contains("shorter than 32 bytes"));
    dir.write("keys.json", hmac_jwks({"a"}));
    CHECK_THROWS_WITH(clearance::jwks_file(path, std::chrono::seconds{0}),
                      Catch::Contains("interval must be positive"));
    CHECK(clearance::jwks_file(path).keys()->keys().size() == 1);
}

TEST_CASE("threads verify while the key file rotates", "[jwt][jwks_file]") {
    scratch_directory dir;
    replace(dir, "keys.json", hmac_jwks({"a", "b"}));
    clearance::jwt_options options;
    options.key_file = std::make_shared<clearance::jwks_file>(
        dir.path / "keys.json", std::chrono::milliseconds{1});
    auto authenticator = make(options);
    auto token = token_for_key("a");
    std::atomic<bool> done = false;
    std::atomic<int> refused = 0, verified = 0;
    std::vector<std::thread> workers;
    for (int t = 0; t < 4; ++t)
        workers.emplace_back([&] {
            while (!done)
                if (authenticator.verify(token).result ==
                    outcome::authenticated)
                    ++verified;
                else
                    ++refused;
        });
    // Key "a" stays in every version of the file.
    for (int round = 0; round < 50; ++round) {
        replace(dir, "keys.json",
                hmac_jwks(round % 2 ? std::vector<std::string>{"a", "b"}
                                    : std::vector<std::string>{"a", "c"}));
        std::this_thread::sleep_for(std::chrono::milliseconds{2});
    }
    done = true;
    for (auto& worker : workers)
        worker.join();
    CHECK(refused == 0);
    CHECK(verified > 0);
}

TEST_CASE("remembered tokens are accepted again as they were",
          "[jwt][remembered]") {
    clearance::jwt_options options;
    options.remembered_tokens = 64;
    options.leeway = std::chrono::seconds{0};
    auto const authenticator = make(options);
    auto const copy = authenticator;
    auto token = authenticator.issue({"ann", "acme", {"reader"}, "api.read"},
                                     std::chrono::seconds{60});
    auto first = authenticator.verify(token);
    REQUIRE(first.result == outcome::authenticated);
    // Again, and through a copy, which shares what is remembered: the
    // same principal.
    for (auto const* which : {&authenticator, &copy}) {
        auto again = which->verify(token);
        REQUIRE(again.result == outcome::authenticated);
        CHECK(again.who.subject == "ann");
        CHECK(again.who.tenant == "acme");
        CHECK(again.who.token_id == first.who.token_id);
        CHECK(again.who.expires == first.who.expires);
        CHECK(again.who.roles == first.who.roles);
        CHECK(again.who.permissions == first.who.permissions);
        CHECK(again.who.scopes == first.who.scopes);
    }
    // Any other text is checked in full: a changed payload or signature
    // is refused, remembered or not, every time.
    auto tampered = with_payload(token, R"({"sub":"root","exp":)" + in(60) +
                                            R"(,"roles":["owner"]})");
    auto cut =
        token.substr(0, token.size() - 1) + (token.back() == 'A' ? 'Q' : 'A');
    for (int i = 0; i < 2; ++i) {
        CHECK(said(authenticator.verify(tampered).description) ==
              said(why::bad_signature));
        CHECK(authenticator.verify(cut).result == outcome::invalid);
    }
}

TEST_CASE("a remembered token is refused once it expires",
          "[jwt][remembered]") {
    clearance::jwt_options options;
    options.remembered_tokens = 8;
    options.leeway = std::chrono::seconds{0};
    auto const authenticator = make(options);
    auto token =
        authenticator.issue({"ann", "", {}, ""}, std::chrono::seconds{1});
    REQUIRE(authenticator.verify(token).result == outcome::authenticated);
    std::this_thread::sleep_for(std::chrono::milliseconds{2100});
    CHECK(said(authenticator.verify(token).description) == said(why::expired));
}

TEST_CASE("remembered tokens are forgotten when the keys change",
          "[jwt][remembered][jwks_file]") {
    scratch_directory dir;
    replace(dir, "keys.json", hmac_jwks({"old", "new"}));
    auto file = std::make_shared<clearance::jwks_file>(dir.path / "keys.json",
                                                       std::chrono::hours{1});
    clearance::jwt_options options;
    options.key_file = file;
    options.remembered_tokens = 8;
    auto const authenticator = make(options);
    auto old_token = token_for_key("old");
    REQUIRE(authenticator.verify(old_token).result == outcome::authenticated);
    REQUIRE(authenticator.verify(old_token).result == outcome::authenticated);
    // The old key leaves the file: its token is refused at once, though
    // it was remembered.
    replace(dir, "keys.json", hmac_jwks({"new"}));
    REQUIRE(file->look(std::chrono::seconds{0}));
    CHECK(said(authenticator.verify(old_token).description) ==
          said(why::unknown_key));
    CHECK(authenticator.verify(token_for_key("new")).result ==
          outcome::authenticated);
}

TEST_CASE("threads share remembered tokens", "[jwt][remembered]") {
    clearance::jwt_options options;
    options.remembered_tokens = 16;
    auto const authenticator = make(options);
    std::vector<std::string> tokens;
    for (int i = 0; i < 40; ++i)
        tokens.push_back(
            authenticator.issue({"user-" + std::to_string(i), "", {}, ""},
                                std::chrono::minutes{5}));
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int round = 0; round < 200; ++round) {
                auto i = static_cast<std::size_t>((round * 7 + t) % 40);
                auto r = authenticator.verify(tokens[i]);
                if (r.result != outcome::authenticated ||
                    r.who.subject != "user-" + std::to_string(i))
                    ++wrong;
            }
        });
    for (auto& thread : threads)
        thread.join();
    // More tokens than slots: every one is answered for its own subject,
    // remembered or displaced.
    CHECK(wrong == 0);
}
