// SPDX-License-Identifier: BSL-1.0
#include <clearance/revocation.hpp>

#include <clearance/any_of.hpp>
#include <clearance/jwt.hpp>

#include "test_policy.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <stdexcept>
#include <string>

using outcome = clearance::authentication::outcome;

namespace {

std::string said(std::string_view text) {
    return std::string(text);
}

clearance::request with_bearer(std::string const& token) {
    clearance::request r{boost::beast::http::verb::get, "/", 11};
    r.set(boost::beast::http::field::authorization, "Bearer " + token);
    return r;
}

clearance::jwt_authenticator<test_policy::policy> make_jwt() {
    clearance::jwt_options options;
    options.secret = std::string(32, 'k');
    return clearance::jwt_authenticator<test_policy::policy>{options};
}

} // namespace

TEST_CASE("a revoked token is refused, others pass", "[revocation]") {
    std::set<std::string> revoked;
    int asked = 0;
    auto authenticator = clearance::refuse_revoked(
        make_jwt(), [&](clearance::principal const& who) {
            ++asked;
            return revoked.contains(who.token_id);
        });
    static_assert(clearance::Authenticator<decltype(authenticator)>);
    auto const& issuer = authenticator.inner();
    auto kept = issuer.issue({"ann", "acme", {"reader"}, "", "kept"},
                             std::chrono::seconds{60});
    auto ended = issuer.issue({"ann", "acme", {"reader"}, "", "ended"},
                              std::chrono::seconds{60});

    auto before = authenticator.authenticate(with_bearer(ended));
    REQUIRE(before.result == outcome::authenticated);
    CHECK(before.who.subject == "ann");
    CHECK(before.who.token_id == "ended");

    revoked.insert("ended");
    auto after = authenticator.authenticate(with_bearer(ended));
    CHECK(after.result == outcome::invalid);
    CHECK(said(after.description) == "the token has been revoked");
    CHECK(after.who.subject.empty());
    auto other = authenticator.authenticate(with_bearer(kept));
    CHECK(other.result == outcome::authenticated);
    CHECK(other.who.token_id == "kept");
    CHECK(asked == 3);
}

TEST_CASE("the predicate is asked only about accepted principals",
          "[revocation]") {
    int asked = 0;
    auto authenticator =
        clearance::refuse_revoked(make_jwt(), [&](clearance::principal const&) {
            ++asked;
            return true;
        });
    auto none = authenticator.authenticate(
        clearance::request{boost::beast::http::verb::get, "/", 11});
    CHECK(none.result == outcome::none);
    auto forged = authenticator.authenticate(with_bearer("a.b.c"));
    CHECK(forged.result == outcome::invalid);
    CHECK(said(forged.description) ==
          said(clearance::jwt_refusal::not_compact));
    CHECK(asked == 0);
}

TEST_CASE("a failing predicate refuses the token", "[revocation]") {
    auto authenticator =
        clearance::refuse_revoked(make_jwt(), [](clearance::principal const&) {
            throw std::runtime_error("the database is down");
            return false;
        });
    auto token = authenticator.inner().issue({"ann", "", {}, ""},
                                             std::chrono::seconds{60});
    auto result = authenticator.authenticate(with_bearer(token));
    CHECK(result.result == outcome::invalid);
    CHECK(said(result.description) ==
          "the token revocation could not be checked");
}

TEST_CASE("revocation composes with other authenticators", "[revocation]") {
    auto authenticator = clearance::any_of(
        clearance::refuse_revoked(make_jwt(),
                                  [](clearance::principal const& who) {
                                      return who.token_id == "gone";
                                  }),
        make_jwt());
    auto gone = authenticator.alternative<0>().inner().issue(
        {"ann", "", {}, "", "gone"}, std::chrono::seconds{60});
    // The second alternative accepts what the first refuses: revocation
    // must wrap every authenticator that accepts the token.
    CHECK(authenticator.authenticate(with_bearer(gone)).result ==
          outcome::authenticated);
    auto strict = clearance::refuse_revoked(
        clearance::any_of(make_jwt(), make_jwt()),
        [](clearance::principal const& who) { return who.token_id == "gone"; });
    CHECK(strict.authenticate(with_bearer(gone)).result == outcome::invalid);
}
