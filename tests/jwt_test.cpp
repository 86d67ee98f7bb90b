// SPDX-License-Identifier: BSL-1.0
#include <clearance/jwt.hpp>

#include "test_policy.hpp"

#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <ctime>
#include <string>

using namespace test_policy;
using outcome = clearance::authentication::outcome;

namespace {

std::string const key(32, 'k');

clearance::jwt_authenticator<policy> make(clearance::jwt_options options = {}) {
    if (options.secret.empty())
        options.secret = key;
    return clearance::jwt_authenticator<policy>{std::move(options)};
}

std::string base64url(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    auto n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                        reinterpret_cast<unsigned char const*>(bytes.data()),
                        static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    while (!out.empty() && out.back() == '=')
        out.pop_back();
    for (auto& c : out)
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    return out;
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

std::string in(long seconds) {
    return std::to_string(std::time(nullptr) + seconds);
}

std::string const hs256 = R"({"alg":"HS256","typ":"JWT"})";

outcome verify(std::string const& token) {
    return make().verify(token).result;
}

} // namespace

TEST_CASE("a valid token becomes a principal", "[jwt]") {
    auto token =
        forge(hs256, R"({"sub":"ann","tenant":"acme","roles":["writer",)"
                     R"("ghost"],"scope":"api.read other","exp":)" +
                         in(600) + "}");
    auto result = make().verify(token);
    REQUIRE(result.result == outcome::authenticated);
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
    CHECK(authenticator
              .verify(authenticator.issue({"ann", "acme", {}, ""},
                                          std::chrono::seconds{-3600}))
              .result == outcome::invalid);
}

TEST_CASE("time claims are enforced", "[jwt]") {
    CHECK(verify(forge(hs256, R"({"sub":"a","exp":)" + in(-3600) + "}")) ==
          outcome::invalid);
    CHECK(verify(forge(hs256, R"({"sub":"a","exp":)" + in(-10) + "}")) ==
          outcome::authenticated);
    CHECK(verify(forge(hs256, R"({"sub":"a"})")) == outcome::invalid);
    CHECK(verify(forge(hs256, R"({"sub":"a","exp":"soon"})")) ==
          outcome::invalid);
    CHECK(verify(forge(hs256, R"({"sub":"a","exp":)" + in(600) + R"(,"nbf":)" +
                                  in(3600) + "}")) == outcome::invalid);
}

TEST_CASE("only HS256 with this key is accepted", "[jwt]") {
    auto payload = R"({"sub":"a","exp":)" + in(600) + "}";
    CHECK(verify(forge(hs256, payload)) == outcome::authenticated);
    CHECK(verify(forge(hs256, payload, std::string(32, 'x'))) ==
          outcome::invalid);
    for (auto header : {
             R"({"alg":"none"})",
             R"({"alg":"None","typ":"JWT"})",
             R"({"alg":"HS512","typ":"JWT"})",
             R"({"alg":"RS256","typ":"JWT"})",
             R"({"alg":"hs256","typ":"JWT"})",
             R"({"typ":"JWT"})",
             R"({"alg":["HS256"]})",
             R"({"alg":"HS256","jku":"https://attacker/keys"})",
             R"({"alg":"HS256","jwk":{"kty":"oct","k":"AAAA"}})",
             R"({"alg":"HS256","x5u":"https://attacker/cert"})",
             R"({"alg":"HS256","crit":["exp"]})",
             R"({"alg":"HS256","typ":"at+jwt"})",
             R"(["alg","HS256"])",
             R"(not json)",
         }) {
        INFO(header);
        CHECK(verify(forge(header, payload)) == outcome::invalid);
    }
    auto none = base64url(R"({"alg":"none"})") + "." + base64url(payload) + ".";
    CHECK(verify(none) == outcome::invalid);
}

TEST_CASE("malformed tokens are refused", "[jwt]") {
    auto good = forge(hs256, R"({"sub":"a","exp":)" + in(600) + "}");
    CHECK(verify(good) == outcome::authenticated);
    for (auto bad : {
             std::string{},
             std::string{"garbage"},
             std::string{"a.b"},
             std::string{"a.b.c.d"},
             std::string{".."},
             good + "=",
             good.substr(0, good.size() - 1),
             good + "A",
             "x" + good,
             std::string(20000, 'a') + "." + std::string(20000, 'a') + ".aa",
             std::string{"\xff\xfe.\xff.\xff"},
         }) {
        INFO(bad.substr(0, 60));
        CHECK(verify(bad) == outcome::invalid);
    }
}

TEST_CASE("claims of the wrong type are refused", "[jwt]") {
    auto exp = in(600);
    for (auto payload : {
             R"({"exp":)" + exp + "}",
             R"({"sub":"","exp":)" + exp + "}",
             R"({"sub":7,"exp":)" + exp + "}",
             R"({"sub":"a","roles":"owner","exp":)" + exp + "}",
             R"({"sub":"a","roles":[1],"exp":)" + exp + "}",
             R"({"sub":"a","tenant":["acme"],"exp":)" + exp + "}",
             R"({"sub":"a","scope":["api.read"],"exp":)" + exp + "}",
             std::string(R"({"sub":"a","exp":1e30})"),
             std::string(R"({"sub":"a","exp":-1e30})"),
             std::string(R"({"sub":"a","exp":1.5e9})"),
             std::string(R"({"sub":"a","exp":-5})"),
             std::string(R"({"sub":"a","exp":18446744073709551615})"),
             R"({"sub":"a","nbf":1e30,"exp":)" + exp + "}",
             R"({"sub":"a","iat":-1e30,"exp":)" + exp + "}",
             std::string(R"([1,2,3])"),
         }) {
        INFO(payload);
        CHECK(verify(forge(hs256, payload)) == outcome::invalid);
    }
}

TEST_CASE("issuer and audience are enforced when configured", "[jwt]") {
    clearance::jwt_options options;
    options.issuer = "https://issuer";
    options.audience = "docs";
    auto strict = make(options);
    auto exp = in(600);
    CHECK(strict
              .verify(forge(hs256, R"({"sub":"a","iss":"https://issuer",)"
                                   R"("aud":"docs","exp":)" +
                                       exp + "}"))
              .result == outcome::authenticated);
    CHECK(strict.verify(forge(hs256, R"({"sub":"a","exp":)" + exp + "}"))
              .result == outcome::invalid);
    CHECK(strict
              .verify(forge(hs256, R"({"sub":"a","iss":"https://other",)"
                                   R"("aud":"docs","exp":)" +
                                       exp + "}"))
              .result == outcome::invalid);
    CHECK(strict
              .verify(forge(hs256, R"({"sub":"a","iss":"https://issuer",)"
                                   R"("aud":"else","exp":)" +
                                       exp + "}"))
              .result == outcome::invalid);
}

TEST_CASE("a short key is refused at start-up", "[jwt]") {
    clearance::jwt_options options;
    options.secret = "short";
    CHECK_THROWS_AS(clearance::jwt_authenticator<policy>{options},
                    std::invalid_argument);
}

TEST_CASE("the bearer header is can_read strictly", "[jwt]") {
    auto authenticator = make();
    auto token = forge(hs256, R"({"sub":"a","exp":)" + in(600) + "}");
    auto with = [&](std::string value) {
        clearance::request r{boost::beast::http::verb::get, "/", 11};
        r.set(boost::beast::http::field::authorization, value);
        return authenticator.authenticate(r).result;
    };
    CHECK(with("Bearer " + token) == outcome::authenticated);
    CHECK(with("bearer " + token) == outcome::authenticated);
    CHECK(with("BEARER " + token) == outcome::authenticated);
    CHECK(with("Bearer") == outcome::malformed);
    CHECK(with("Bearer\t" + token) == outcome::malformed);
    CHECK(with("Bearerx " + token) == outcome::malformed);
    CHECK(with("Bearer ") == outcome::malformed);
    CHECK(with("Bearer " + token + " x") == outcome::malformed);
    CHECK(with("Bearer garbage") == outcome::invalid);
    CHECK(with("Basic YTpi") == outcome::none);
    clearance::request none{boost::beast::http::verb::get, "/", 11};
    CHECK(authenticator.authenticate(none).result == outcome::none);
}
