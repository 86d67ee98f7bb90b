// SPDX-License-Identifier: BSL-1.0
#include <clearance/api_key.hpp>

#include <clearance/any_of.hpp>
#include <clearance/jwt.hpp>
#include <clearance/service.hpp>

#include "test_policy.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using namespace test_policy;
using outcome = clearance::authentication::outcome;
namespace why = clearance::api_key_refusal;

namespace {

// Descriptions are compared as std::string: clang++ builds Catch's main
// as C++14, without the std::string_view printer.
std::string said(std::string_view text) {
    return std::string(text);
}

std::string const billing_key = "billing-0123456789abcdef0123456789abcdef";
std::string const reports_key = "reports-fedcba9876543210fedcba9876543210";

// SHA-256 of reports_key, as `printf %s "$KEY" | sha256sum` prints it.
std::string hex(clearance::api_key_digest const& digest) {
    std::string out;
    for (unsigned char byte : digest) {
        out += "0123456789abcdef"[byte >> 4];
        out += "0123456789abcdef"[byte & 0xF];
    }
    return out;
}

clearance::api_key_options options() {
    clearance::api_key_options o;
    o.keys.add_key(billing_key, {"billing", {"writer"}, {"api.write"}, "acme"});
    o.keys.add_digest(hex(clearance::hash_api_key(reports_key)),
                      {"reports", {"auditor", "reader"}, {}, ""});
    return o;
}

clearance::api_key_authenticator<policy> make() {
    return clearance::api_key_authenticator<policy>{options()};
}

clearance::request with_header(std::string_view name,
                               std::vector<std::string> const& values) {
    clearance::request r{boost::beast::http::verb::get, "/", 11};
    for (auto const& value : values)
        r.insert(name, value);
    return r;
}

// An authenticator that always gives one answer, and counts its calls.
struct fixed {
    clearance::authentication answer;
    int* calls = nullptr;

    clearance::authentication authenticate(clearance::request const&) const {
        if (calls)
            ++*calls;
        return answer;
    }
};

clearance::principal named(std::string subject) {
    clearance::principal who;
    who.subject = std::move(subject);
    return who;
}

} // namespace

TEST_CASE("API keys are hashed with SHA-256", "[api_key]") {
    CHECK(hex(clearance::hash_api_key("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(clearance::parse_api_key_digest("BA7816BF8F01CFEA414140DE5DAE2223B003"
                                          "61A396177A9CB410FF61F20015AD") ==
          clearance::hash_api_key("abc"));
    for (auto bad : {
             std::string{},
             std::string(63, 'a'),
             std::string(65, 'a'),
             std::string(63, 'a') + "g",
             std::string(62, 'a') + " a",
         }) {
        INFO(bad);
        CHECK_THROWS_AS(clearance::parse_api_key_digest(bad),
                        std::invalid_argument);
    }
}

TEST_CASE("the table keeps digests only", "[api_key]") {
    auto o = options();
    auto const& entries = o.keys.entries();
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].digest == clearance::hash_api_key(billing_key));
    CHECK(entries[0].identity.subject == "billing");
    CHECK(entries[1].digest == clearance::hash_api_key(reports_key));

    clearance::api_key_table table;
    CHECK_THROWS_WITH(table.add_key("too short", {"x", {}, {}, ""}),
                      Catch::Contains("shorter than 32") &&
                          Catch::Contains("'x'"));
    CHECK_THROWS_WITH(
        table.add_key(std::string(32, 'a') + " b", {"x", {}, {}, ""}),
        Catch::Contains("printable ASCII"));
    CHECK_THROWS_AS(table.add_digest("not hex", {"x", {}, {}, ""}),
                    std::invalid_argument);
    CHECK(table.entries().empty());
}

TEST_CASE("a key becomes its principal", "[api_key]") {
    auto authenticator = make();
    auto billing =
        authenticator.authenticate(with_header("X-API-Key", {billing_key}));
    REQUIRE(billing.result == outcome::authenticated);
    CHECK(billing.who.subject == "billing");
    CHECK(billing.who.tenant == "acme");
    CHECK(billing.who.roles.words[0] == 0b0010);
    CHECK(billing.who.permissions == policy::role_mask<writer>);
    CHECK(billing.who.scopes.words[0] == 0b10);

    // From a digest; the header name is matched case-insensitively.
    auto reports =
        authenticator.authenticate(with_header("x-api-key", {reports_key}));
    REQUIRE(reports.result == outcome::authenticated);
    CHECK(reports.who.subject == "reports");
    CHECK(reports.who.tenant.empty());
    CHECK(reports.who.roles.words[0] == 0b1001);
    auto auditor_and_reader = policy::role_mask<auditor>;
    auditor_and_reader |= policy::role_mask<reader>;
    CHECK(reports.who.permissions == auditor_and_reader);
    CHECK(reports.who.scopes.words[0] == 0);
}

TEST_CASE("the key header is read strictly", "[api_key]") {
    auto authenticator = make();
    auto with = [&](std::vector<std::string> const& values) {
        return authenticator.authenticate(with_header("X-API-Key", values));
    };
    CHECK(with({}).result == outcome::none);
    CHECK(with({}).description.empty());
    CHECK(authenticator
              .authenticate(
                  with_header("Authorization", {"Bearer " + billing_key}))
              .result == outcome::none);
    CHECK(authenticator.authenticate(with_header("X-API-Key-2", {billing_key}))
              .result == outcome::none);

    auto twice = with({billing_key, billing_key});
    CHECK(twice.result == outcome::malformed);
    CHECK(said(twice.description) == said(why::repeated_header));
    CHECK(with({billing_key, "other"}).result == outcome::malformed);
    for (auto bad : {
             std::string{},
             "ApiKey " + billing_key,
             billing_key.substr(0, 8) + "\t" + billing_key.substr(8),
             billing_key + "\x80",
             billing_key + "\x7f",
         }) {
        INFO(bad);
        auto result = with({bad});
        CHECK(result.result == outcome::malformed);
        CHECK(said(result.description) == said(why::malformed_key));
    }

    for (auto unknown : {
             std::string{"x"},
             billing_key.substr(1),
             billing_key + "0",
             billing_key.substr(0, billing_key.size() - 1) + "0",
             hex(clearance::hash_api_key(reports_key)),
         }) {
        INFO(unknown);
        auto result = with({unknown});
        CHECK(result.result == outcome::invalid);
        CHECK(said(result.description) == said(why::unknown_key));
    }
}

TEST_CASE("the header is configurable", "[api_key]") {
    auto o = options();
    o.header = "X-Service-Key";
    clearance::api_key_authenticator<policy> authenticator{o};
    CHECK(authenticator.header() == "X-Service-Key");
    CHECK(
        authenticator.authenticate(with_header("X-Service-Key", {billing_key}))
            .result == outcome::authenticated);
    CHECK(authenticator.authenticate(with_header("X-API-Key", {billing_key}))
              .result == outcome::none);
}

TEST_CASE("a digest is found by comparing every entry", "[api_key]") {
    struct entry {
        clearance::api_key_digest digest;
    };
    std::vector<entry> entries;
    for (char c = 'a'; c <= 'e'; ++c)
        entries.push_back({clearance::hash_api_key(std::string(32, c))});
    using clearance::detail::find_api_key_digest;
    for (std::size_t i = 0; i < entries.size(); ++i)
        CHECK(find_api_key_digest(entries, entries[i].digest) == i);
    auto last_differs = entries[4].digest;
    last_differs.back() ^= 1;
    CHECK(find_api_key_digest(entries, last_differs) == entries.size());
    auto first_differs = entries[0].digest;
    first_differs.front() ^= 0x80;
    CHECK(find_api_key_digest(entries, first_differs) == entries.size());
    entries.push_back(entries[2]);
    CHECK(find_api_key_digest(entries, entries[2].digest) == 2);
    CHECK(find_api_key_digest(std::vector<entry>{}, entries[0].digest) == 0);
}

TEST_CASE("bad API key tables stop start-up", "[api_key]") {
    auto fails = [](clearance::api_key_options o, std::string const& part) {
        INFO(part);
        CHECK_THROWS_WITH(clearance::api_key_authenticator<policy>{o},
                          Catch::Contains(part));
        CHECK_THROWS_AS(clearance::api_key_authenticator<policy>{o},
                        std::invalid_argument);
    };
    auto o = options();
    o.keys.add_key(std::string(32, 'z'), {"ghostly", {"ghost"}, {}, ""});
    fails(o, "'ghostly' names the role 'ghost', which the policy does not");
    o = options();
    o.keys.add_key(std::string(32, 'z'), {"scoped", {}, {"api.delete"}, ""});
    fails(o, "'scoped' names the scope 'api.delete'");
    o = options();
    o.keys.add_key(std::string(32, 'z'), {"", {"reader"}, {}, ""});
    fails(o, "empty subject");
    o = options();
    o.keys.add_key(billing_key, {"again", {}, {}, ""});
    fails(o, "'again' is the same as an earlier one");
    o = options();
    o.keys.add_digest(hex(clearance::hash_api_key(billing_key)),
                      {"again", {}, {}, ""});
    fails(o, "'again' is the same as an earlier one");
    fails(clearance::api_key_options{}, "at least one key");
    o = options();
    o.header = "X API Key";
    fails(o, "not a valid header name");
    o.header = "";
    fails(o, "not a valid header name");
    o.header = "authorization";
    fails(o, "Authorization");
}

TEST_CASE("any_of: the first success wins, every alternative is asked",
          "[any_of]") {
    using clearance::authentication;
    int second_calls = 0;
    auto both = clearance::any_of(
        fixed{authentication::success(named("first"))},
        fixed{authentication::success(named("second")), &second_calls});
    clearance::request r;
    auto result = both.authenticate(r);
    REQUIRE(result.result == outcome::authenticated);
    CHECK(result.who.subject == "first");
    CHECK(second_calls == 1);

    for (auto refusal :
         {authentication::none(), authentication::invalid("x")}) {
        auto later = clearance::any_of(
            fixed{refusal}, fixed{authentication::success(named("second"))});
        auto answer = later.authenticate(r);
        CHECK(answer.result == outcome::authenticated);
        CHECK(answer.who.subject == "second");
        CHECK(answer.description.empty());
    }
}

TEST_CASE("any_of: a malformed request is malformed beside a success",
          "[any_of]") {
    using clearance::authentication;
    clearance::request r;
    auto ok = authentication::success(named("someone"));
    auto garbled = authentication::malformed("garbled");
    for (auto answer :
         {clearance::any_of(fixed{ok}, fixed{garbled}).authenticate(r),
          clearance::any_of(fixed{garbled}, fixed{ok}).authenticate(r)}) {
        CHECK(answer.result == outcome::malformed);
        CHECK(answer.who.subject.empty());
        CHECK(said(answer.description) == said("garbled"));
    }
}

TEST_CASE("any_of: refusals, most telling first", "[any_of]") {
    using clearance::authentication;
    clearance::request r;
    auto none = authentication::none();
    auto invalid_a = authentication::invalid("invalid a");
    auto invalid_b = authentication::invalid("invalid b");
    auto malformed_a = authentication::malformed("malformed a");
    auto malformed_b = authentication::malformed("malformed b");
    struct row {
        std::vector<authentication> answers;
        outcome expected;
        std::string_view description;
    };
    std::vector<row> const rows = {
        {{none}, outcome::none, ""},
        {{none, none}, outcome::none, ""},
        {{none, none, none}, outcome::none, ""},
        {{invalid_a, none}, outcome::invalid, "invalid a"},
        {{none, invalid_a}, outcome::invalid, "invalid a"},
        {{invalid_a, invalid_b}, outcome::invalid, "invalid a"},
        {{invalid_b, invalid_a}, outcome::invalid, "invalid b"},
        {{malformed_a, none}, outcome::malformed, "malformed a"},
        {{none, malformed_a}, outcome::malformed, "malformed a"},
        {{invalid_a, malformed_b}, outcome::malformed, "malformed b"},
        {{malformed_b, invalid_a}, outcome::malformed, "malformed b"},
        {{malformed_a, malformed_b}, outcome::malformed, "malformed a"},
        {{none, invalid_b, malformed_a}, outcome::malformed, "malformed a"},
    };
    for (auto const& [answers, expected, description] : rows) {
        authentication result;
        if (answers.size() == 1)
            result = clearance::any_of(fixed{answers[0]}).authenticate(r);
        else if (answers.size() == 2)
            result = clearance::any_of(fixed{answers[0]}, fixed{answers[1]})
                         .authenticate(r);
        else
            result = clearance::any_of(fixed{answers[0]}, fixed{answers[1]},
                                       fixed{answers[2]})
                         .authenticate(r);
        CHECK(result.result == expected);
        CHECK(said(result.description) == said(description));
    }
}

TEST_CASE("any_of: bearer tokens and API keys together", "[any_of]") {
    clearance::jwt_options jwt;
    jwt.secret = std::string(32, 'k');
    auto both =
        clearance::any_of(clearance::jwt_authenticator<policy>{jwt}, make());
    static_assert(clearance::Authenticator<decltype(both)>);
    auto token = both.alternative<0>().issue({"ann", "acme", {"reader"}, ""},
                                             std::chrono::seconds{60});
    auto with = [&](std::vector<std::pair<std::string, std::string>> fields) {
        clearance::request r{boost::beast::http::verb::get, "/", 11};
        for (auto const& [name, value] : fields)
            r.insert(name, value);
        return both.authenticate(r);
    };
    CHECK(with({}).result == outcome::none);
    CHECK(with({{"Authorization", "Bearer " + token}}).who.subject == "ann");
    CHECK(with({{"X-API-Key", billing_key}}).who.subject == "billing");
    // The token is asked first, and wins.
    CHECK(
        with({{"Authorization", "Bearer " + token}, {"X-API-Key", billing_key}})
            .who.subject == "ann");
    // A refused token beside a valid key: the key authenticates.
    CHECK(
        with({{"Authorization", "Bearer garbage"}, {"X-API-Key", billing_key}})
            .who.subject == "billing");
    // A malformed token beside a valid key: the request is malformed.
    auto garbled =
        with({{"Authorization", "Bearer a$b"}, {"X-API-Key", billing_key}});
    CHECK(garbled.result == outcome::malformed);
    CHECK(garbled.who.subject.empty());
    CHECK(with({{"Authorization", "Bearer " + token},
                {"X-API-Key", billing_key},
                {"X-API-Key", billing_key}})
              .result == outcome::malformed);

    auto refused = with({{"Authorization", "Bearer garbage"}});
    CHECK(refused.result == outcome::invalid);
    CHECK(said(refused.description) ==
          said(clearance::jwt_refusal::not_compact));
    auto unknown = with({{"X-API-Key", reports_key + "x"}});
    CHECK(unknown.result == outcome::invalid);
    CHECK(said(unknown.description) == said(why::unknown_key));
    auto ambiguous = with({{"Authorization", "Bearer garbage"},
                           {"X-API-Key", "a"},
                           {"X-API-Key", "b"}});
    CHECK(ambiguous.result == outcome::malformed);
    CHECK(said(ambiguous.description) == said(why::repeated_header));
}

TEST_CASE("any_of: a route's accepted kinds choose who is asked", "[any_of]") {
    clearance::jwt_options jwt;
    jwt.secret = std::string(32, 'k');
    auto both =
        clearance::any_of(clearance::jwt_authenticator<policy>{jwt}, make());
    static_assert(
        std::is_same_v<decltype(both)::credential_kinds,
                       clearance::detail::type_list<clearance::bearer_tokens,
                                                    clearance::api_keys>>);
    auto token = both.alternative<0>().issue({"ann", "acme", {"reader"}, ""},
                                             std::chrono::seconds{60});
    clearance::request r{boost::beast::http::verb::get, "/", 11};
    r.set("Authorization", "Bearer " + token);
    r.set("X-API-Key", billing_key);
    using clearance::api_keys;
    using clearance::bearer_tokens;
    CHECK(both.authenticate_only<api_keys>(r).who.subject == "billing");
    CHECK(both.authenticate_only<bearer_tokens>(r).who.subject == "ann");
    CHECK(both.authenticate_only<api_keys, bearer_tokens>(r).who.subject ==
          "ann");

    clearance::request key_only{boost::beast::http::verb::get, "/", 11};
    key_only.set("X-API-Key", billing_key);
    CHECK(both.authenticate_only<bearer_tokens>(key_only).result ==
          outcome::none);
    // A refusal by an alternative that is not asked does not count.
    key_only.set("Authorization", "Bearer garbage");
    CHECK(both.authenticate_only<api_keys>(key_only).who.subject == "billing");
    auto refused = both.authenticate_only<bearer_tokens>(key_only);
    CHECK(refused.result == outcome::invalid);
    CHECK(said(refused.description) ==
          said(clearance::jwt_refusal::not_compact));
}

namespace {

clearance::response subject_of(clearance::principal const& who) {
    clearance::response r{boost::beast::http::status::ok, 11};
    r.body() = who.subject;
    return r;
}

auto make_mixed_service() {
    using namespace clearance;
    jwt_options jwt;
    jwt.secret = std::string(32, 'k');
    return make_service<test_policy::policy>(
        service_options{"mixed"},
        any_of(jwt_authenticator<test_policy::policy>{jwt}, make()), loaders(),
        get<"/anyone">(
            [](authenticated who) { return subject_of(who.principal()); }),
        get<"/people">([](accepts<bearer_tokens>, authenticated who) {
            return subject_of(who.principal());
        }),
        get<"/jobs">([](accepts<api_keys>, granted<can_write> who) {
            return subject_of(who.principal());
        }),
        get<"/secret">([](accepts<bearer_tokens>, hidden, authenticated who) {
            return subject_of(who.principal());
        }));
}

} // namespace

TEST_CASE("routes accept the kinds of credentials they name", "[any_of]") {
    auto const service = make_mixed_service();
    auto token = service.authenticator().alternative<0>().issue(
        {"ann", "acme", {"writer"}, ""}, std::chrono::seconds{60});
    auto call = [&](std::string target, bool with_token, bool with_key) {
        clearance::request r{boost::beast::http::verb::get, target, 11};
        r.set("Host", "localhost");
        if (with_token)
            r.set("Authorization", "Bearer " + token);
        if (with_key)
            r.set("X-API-Key", billing_key);
        return service(r, clearance::peer_address{});
    };
    auto challenge = std::string("Bearer realm=\"mixed\"");

    CHECK(call("/anyone", true, false).body() == "ann");
    CHECK(call("/anyone", false, true).body() == "billing");
    CHECK(call("/people", true, true).body() == "ann");
    CHECK(call("/jobs", true, true).body() == "billing");

    // Credentials of another kind are no credentials for the route.
    auto key_to_people = call("/people", false, true);
    CHECK(key_to_people.result_int() == 401);
    CHECK(key_to_people["WWW-Authenticate"] == challenge);
    auto token_to_jobs = call("/jobs", true, false);
    CHECK(token_to_jobs.result_int() == 401);
    CHECK(token_to_jobs["WWW-Authenticate"] == challenge);

    // A hidden route stays hidden from credentials it does not accept.
    CHECK(call("/secret", true, false).body() == "ann");
    CHECK(call("/secret", false, true).result_int() == 404);
}

TEST_CASE("a screened request is authenticated once", "[any_of]") {
    int calls = 0;
    auto const service = clearance::make_service<test_policy::policy>(
        clearance::service_options{"memo"},
        fixed{clearance::authentication::success(named("ann")), &calls},
        clearance::loaders(),
        clearance::get<"/me">([](clearance::authenticated who) {
            return subject_of(who.principal());
        }));
    clearance::request r{boost::beast::http::verb::get, "/me", 11};
    r.set("Host", "localhost");
    clearance::screening_memo memo;
    CHECK_FALSE(service.screen(r, {}, memo).has_value());
    CHECK(service(r, {}, memo).body() == "ann");
    CHECK(calls == 1);
    // Without a memo, screening and the answer each authenticate.
    CHECK_FALSE(service.screen(r, {}).has_value());
    CHECK(service(r, {}).body() == "ann");
    CHECK(calls == 3);
}
