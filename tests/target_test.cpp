// SPDX-License-Identifier: BSL-1.0
#include <clearance/target.hpp>

#include <catch2/catch.hpp>

#include <string>

using clearance::canonicalize_target;

namespace {

std::string path_of(std::string_view target) {
    auto t = canonicalize_target(target);
    return t ? t->path : std::string("<refused>");
}

} // namespace

TEST_CASE("plain targets are kept as they are", "[target]") {
    CHECK(path_of("/") == "/");
    CHECK(path_of("/documents/1") == "/documents/1");
    CHECK(path_of("/Documents") == "/Documents");
    CHECK(path_of("/documents/") == "/documents/");
    CHECK(path_of("//documents") == "//documents");
    auto t = canonicalize_target("/documents?limit=5&x=%20");
    REQUIRE(t);
    CHECK(t->path == "/documents");
    CHECK(t->query == "limit=5&x=%20");
}

TEST_CASE("absolute-form targets route on their path", "[target]") {
    CHECK(path_of("http://example.com/documents/1") == "/documents/1");
    CHECK(path_of("HTTPS://example.com:8443/a%62c") == "/abc");
    CHECK(path_of("http://[::1]:8080/x") == "/x");
    CHECK(path_of("http://example.com") == "/");
    auto t = canonicalize_target("http://example.com/d?q=1");
    REQUIRE(t);
    CHECK(t->query == "q=1");
}

TEST_CASE("authorities are validated", "[target]") {
    using clearance::is_valid_authority;
    CHECK(is_valid_authority("example.com"));
    CHECK(is_valid_authority("example.com:8080"));
    CHECK(is_valid_authority("127.0.0.1"));
    CHECK(is_valid_authority("[::1]:80"));
    CHECK(is_valid_authority("[2001:db8::7]"));
    CHECK_FALSE(is_valid_authority(""));
    CHECK_FALSE(is_valid_authority(":80"));
    CHECK_FALSE(is_valid_authority("example.com:"));
    CHECK_FALSE(is_valid_authority("example.com:123456"));
    CHECK_FALSE(is_valid_authority("example.com:8o"));
    CHECK_FALSE(is_valid_authority("user@example.com"));
    CHECK_FALSE(is_valid_authority("exa mple.com"));
    CHECK_FALSE(is_valid_authority("example.com/x"));
    CHECK_FALSE(is_valid_authority("[::1"));
    CHECK_FALSE(is_valid_authority("[zz::1]"));
    CHECK_FALSE(is_valid_authority("a\r\nb"));
}

TEST_CASE("unreserved escapes are decoded exactly once", "[target]") {
    CHECK(path_of("/%61dmin") == "/admin");
    CHECK(path_of("/a%7Eb") == "/a~b");
    CHECK(path_of("/%2561") == "/%2561");
    CHECK(path_of("/a%20b") == "/a%20b");
    CHECK(path_of("/a%c3%a9") == "/a%C3%A9");
}

TEST_CASE("ambiguous targets are refused", "[target]") {
    for (auto bad : {
             "",
             "documents",
             "http://",
             "http:///documents",
             "http://user@example.com/documents",
             "http://exa mple.com/documents",
             "http://example.com:port/documents",
             "http://example.com/a/../b",
             "ftp://example.com/documents",
             "//example.com/documents/..",
             "*",
             "/a%2Fb",
             "/a%2fb",
             "/a%5Cb",
             "/a\\b",
             "/a;b",
             "/a%3Bb",
             "/a#b",
             "/a%23b",
             "/a%00b",
             "/a%u0041",
             "/a%4",
             "/a%zz",
             "/a b",
             "/a\tb",
             "/a\x7F",
             "/caf\xC3\xA9",
             "/a%C0%AF",
             "/a%ED%A0%80",
             "/a%FF",
             "/a%C3",
             "/.",
             "/..",
             "/a/../admin",
             "/a/./b",
             "/%2e%2e/admin",
             "/a/%2E",
             "/a?b#c",
             "/a?b c",
             "/a?b=%zz",
             "/a?b=%u0041",
             "/a?b=%00",
             "/a?b=%1F",
             "/a?b=%7f",
             "/a?b=%4",
         }) {
        INFO(bad);
        CHECK_FALSE(canonicalize_target(bad).has_value());
    }
}
