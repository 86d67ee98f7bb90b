// SPDX-License-Identifier: BSL-1.0
// Static files: the Range parser, media types, dates, catch-all
// templates, and a file directory served through a service, on a
// scratch directory. No networking.
#include <clearance/files.hpp>

#include <clearance/service.hpp>

#include "scratch.hpp"
#include "test_policy.hpp"
#include "wire.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace test_policy;
namespace http = boost::beast::http;
using kind = clearance::range_request::kind;

TEST_CASE("a Range header asks for one satisfiable range or the whole",
          "[files]") {
    using clearance::parse_byte_range;
    using clearance::range_request;
    auto single = [](std::uint64_t a, std::uint64_t b) {
        return range_request{kind::single, {a, b}};
    };
    range_request const whole{};
    range_request const unsatisfiable{kind::unsatisfiable, {}};

    CHECK(parse_byte_range("bytes=0-4", 10) == single(0, 4));
    CHECK(parse_byte_range("bytes=5-", 10) == single(5, 9));
    CHECK(parse_byte_range("bytes=-3", 10) == single(7, 9));
    CHECK(parse_byte_range("bytes=-30", 10) == single(0, 9));
    CHECK(parse_byte_range("bytes=2-2", 10) == single(2, 2));
    CHECK(parse_byte_range("bytes=8-100", 10) == single(8, 9));
    CHECK(parse_byte_range("BYTES=1-2", 10) == single(1, 2));
    CHECK(parse_byte_range("  bytes=1-2\t", 10) == single(1, 2));
    CHECK(parse_byte_range("bytes=1-2, ", 10) == single(1, 2));
    // Positions past 64 bits saturate instead of wrapping around.
    CHECK(parse_byte_range("bytes=0-99999999999999999999999", 10) ==
          single(0, 9));
    CHECK(parse_byte_range("bytes=18446744073709551616-", 10) == unsatisfiable);
    CHECK(parse_byte_range("bytes=-99999999999999999999999", 10) ==
          single(0, 9));

    CHECK(parse_byte_range("bytes=10-", 10) == unsatisfiable);
    CHECK(parse_byte_range("bytes=10-20", 10) == unsatisfiable);
    CHECK(parse_byte_range("bytes=5-2", 10) == unsatisfiable);
    CHECK(parse_byte_range("bytes=-0", 10) == unsatisfiable);

    // Several ranges, other units, bad syntax and empty files: the
    // whole representation.
    CHECK(parse_byte_range("bytes=0-1,3-4", 10) == whole);
    CHECK(parse_byte_range("bytes=0-1,20-30", 10) == whole);
    CHECK(parse_byte_range("items=0-1", 10) == whole);
    CHECK(parse_byte_range("bytes 0-1", 10) == whole);
    CHECK(parse_byte_range("bytes=", 10) == whole);
    CHECK(parse_byte_range("bytes=,", 10) == whole);
    CHECK(parse_byte_range("bytes=-", 10) == whole);
    CHECK(parse_byte_range("bytes=1", 10) == whole);
    CHECK(parse_byte_range("bytes=a-b", 10) == whole);
    CHECK(parse_byte_range("bytes=1 - 2", 10) == whole);
    CHECK(parse_byte_range("bytes=+1-2", 10) == whole);
    CHECK(parse_byte_range("bytes=1-2-3", 10) == whole);
    CHECK(parse_byte_range("bytes=--1", 10) == whole);
    CHECK(parse_byte_range("bytes=0-0", 0) == whole);
    CHECK(parse_byte_range("", 10) == whole);
    STATIC_REQUIRE(clearance::parse_byte_range("bytes=-3", 10) == single(7, 9));
}

TEST_CASE("media types come from the extension", "[files]") {
    using clearance::media_type_of;
    CHECK(media_type_of("index.html") == "text/html; charset=utf-8");
    CHECK(media_type_of("a/b/STYLE.CSS") == "text/css; charset=utf-8");
    CHECK(media_type_of("app.mjs") == "text/javascript; charset=utf-8");
    CHECK(media_type_of("photo.JPEG") == "image/jpeg");
    CHECK(media_type_of("report.pdf") == "application/pdf");
    CHECK(media_type_of("archive.tar.gz") == "application/gzip");
    CHECK(media_type_of("notes.txt") == "text/plain; charset=utf-8");
    CHECK(media_type_of("program.exe") == "application/octet-stream");
    CHECK(media_type_of("README") == "application/octet-stream");
    CHECK(media_type_of("dir.html/README") == "application/octet-stream");
    CHECK(media_type_of("trailing.") == "application/octet-stream");
}

TEST_CASE("HTTP dates are IMF-fixdate both ways", "[files]") {
    using clearance::detail::http_date;
    using clearance::detail::parse_http_date;
    CHECK(http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK(http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
    CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
    CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == std::nullopt);
    CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == std::nullopt);
    CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC") == std::nullopt);
    CHECK(parse_http_date("Sun, 06 Xyz 1994 08:49:37 GMT") == std::nullopt);
    CHECK(parse_http_date("Sun, 36 Nov 1994 08:49:37 GMT") == std::nullopt);
    CHECK(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT") == std::nullopt);
    CHECK(parse_http_date("Sun, 06 Nov 19x4 08:49:37 GMT") == std::nullopt);
}

TEST_CASE("a catch-all takes the rest of the path", "[files][route]") {
    using clearance::detail::match_template;
    constexpr auto const& segments =
        clearance::detail::template_segments<"/files/{path...}">;
    STATIC_REQUIRE(segments.size() == 2);
    STATIC_REQUIRE(segments[1].text == "path");
    STATIC_REQUIRE(segments[1].parameter);
    STATIC_REQUIRE(segments[1].rest);
    STATIC_REQUIRE(clearance::detail::has_catch_all<"/files/{path...}">);
    STATIC_REQUIRE_FALSE(clearance::detail::has_catch_all<"/files/{path}">);

    std::array<std::string_view, 1> raw;
    REQUIRE(match_template<"/files/{path...}">("/files/a/b%20c.txt", raw));
    CHECK(raw[0] == "a/b%20c.txt");
    REQUIRE(match_template<"/files/{path...}">("/files/x", raw));
    CHECK(raw[0] == "x");
    REQUIRE(match_template<"/files/{path...}">("/files//etc/passwd", raw));
    CHECK(raw[0] == "/etc/passwd");
    CHECK_FALSE(match_template<"/files/{path...}">("/files/", raw));
    CHECK_FALSE(match_template<"/files/{path...}">("/files", raw));
    CHECK_FALSE(match_template<"/files/{path...}">("/other/x", raw));

    std::array<std::string_view, 2> two;
    REQUIRE(match_template<"/t/{tenant}/{path...}">("/t/acme/a/b", two));
    CHECK(two[0] == "acme");
    CHECK(two[1] == "a/b");
    CHECK_FALSE(match_template<"/t/{tenant}/{path...}">("/t/acme", two));

    STATIC_REQUIRE(clearance::detail::is_well_formed_template("/f/{p...}"));
    STATIC_REQUIRE_FALSE(
        clearance::detail::is_well_formed_template("/f/{...}"));
    STATIC_REQUIRE_FALSE(
        clearance::detail::is_well_formed_template("/f/{p..}"));
    STATIC_REQUIRE_FALSE(
        clearance::detail::is_well_formed_template("/f/{p....}"));
    STATIC_REQUIRE(clearance::detail::catch_all_is_last("/f/{p...}"));
    STATIC_REQUIRE(clearance::detail::catch_all_is_last("/f/{p}"));
    STATIC_REQUIRE_FALSE(clearance::detail::catch_all_is_last("/f/{p...}/x"));
}

TEST_CASE("catch-alls overlap every template they could match",
          "[files][route]") {
    using clearance::detail::template_segments;
    using clearance::detail::templates_overlap;
    auto overlap = [](auto const& a, auto const& b) {
        return templates_overlap(a, b) && templates_overlap(b, a);
    };
    auto apart = [](auto const& a, auto const& b) {
        return !templates_overlap(a, b) && !templates_overlap(b, a);
    };
    auto const& files = template_segments<"/files/{path...}">;
    CHECK(overlap(files, template_segments<"/files/{id}">));
    CHECK(overlap(files, template_segments<"/files/a/b/c">));
    CHECK(overlap(files, template_segments<"/files/a/{path...}">));
    CHECK(overlap(files, template_segments<"/{x}/{rest...}">));
    CHECK(apart(files, template_segments<"/files">));
    CHECK(apart(files, template_segments<"/other/{path...}">));
    CHECK(apart(files, template_segments<"/other/x/y">));
    CHECK(apart(template_segments<"/files/a/{p...}">,
                template_segments<"/files/b/{p...}">));
}

namespace {

using test_scratch::scratch_directory;

// The directory every test below serves:
//   hello.txt, empty.txt, big.bin (1000 bytes), docs/page.html,
//   .env, docs/.hidden, locked.txt (mode 000), a FIFO, and symbolic
//   links to a file inside, to /etc/passwd and to /etc.
scratch_directory const& tree() {
    static scratch_directory const dir = [] {
        scratch_directory d("clearance-files");
        d.write("hello.txt", "hello, world\n");
        d.write("empty.txt", "");
        d.write("big.bin", std::string(1000, 'x'));
        ::mkdir(d.at("docs").c_str(), 0755);
        d.write("docs/page.html", "<p>page</p>");
        d.write("docs/.hidden", "hidden");
        d.write(".env", "SECRET=1");
        d.write("locked.txt", "locked");
        ::chmod(d.at("locked.txt").c_str(), 0);
        ::mkfifo(d.at("pipe").c_str(), 0644);
        REQUIRE(::symlink("hello.txt", d.at("inside").c_str()) == 0);
        REQUIRE(::symlink("/etc/passwd", d.at("passwd").c_str()) == 0);
        REQUIRE(::symlink("/etc", d.at("etc").c_str()) == 0);
        // A file with a fixed modification time, for dates and tags.
        d.write("fixed.txt", "0123456789");
        timespec times[2] = {{784111777, 0}, {784111777, 0}};
        ::utimensat(AT_FDCWD, d.at("fixed.txt").c_str(), times, 0);
        return d;
    }();
    return dir;
}

struct one_principal {
    clearance::principal who;
    clearance::authentication authenticate(clearance::request const& r) const {
        if (r[http::field::authorization] == "Bearer ok")
            return clearance::authentication::success(who);
        return clearance::authentication::none();
    }
};

// The file service's audit trail: each answer's decision and rule.
struct noted {
    clearance::decision outcome;
    std::string rule;
    unsigned status;
};

std::vector<noted>& file_audit() {
    static std::vector<noted> log;
    return log;
}

auto make_file_service() {
    using namespace clearance;
    service_options options{"files"};
    options.audit = [](audit_event const& e) {
        file_audit().push_back({e.outcome, std::string(e.rule), e.status});
    };
    one_principal auth;
    auth.who.subject = "ann";
    auth.who.tenant = "acme";
    auth.who.roles.set(*test_policy::policy::find_role("reader"));
    test_policy::policy::compute_permissions(auth.who);
    file_options small;
    small.max_size = 100;
    return make_service<test_policy::policy>(
        std::move(options), std::move(auth), loaders(),
        static_files<"/files/{path...}", granted<can_read>>(
            file_directory{tree().path.string()}),
        static_files<"/open/{path...}", public_route, reveal>(
            file_directory{tree().path.string()}),
        static_files<"/small/{path...}", authenticated>(
            file_directory{tree().path.string(), small}),
        static_files<"/manage/{path...}", granted<can_manage>>(
            file_directory{tree().path.string()}));
}

auto const& file_service() {
    static auto const s = make_file_service();
    return s;
}

clearance::response
fetch(std::string target,
      std::map<http::field, std::string> const& headers = {},
      http::verb method = http::verb::get) {
    clearance::request r{method, target, 11};
    r.set(http::field::host, "localhost");
    r.set(http::field::authorization, "Bearer ok");
    for (auto const& [name, value] : headers)
        r.set(name, value);
    return file_service()(r, {});
}

using test_wire::wire;

std::string const& genuine_miss() {
    static std::string const miss = wire(fetch("/nowhere"));
    return miss;
}

} // namespace

TEST_CASE("a static file route is an ordinary guarded GET route", "[files]") {
    using service_type = std::remove_cvref_t<decltype(file_service())>;
    STATIC_REQUIRE(service_type::route_count == 4);
    STATIC_REQUIRE(service_type::routes[0].verb == clearance::method::get);
    STATIC_REQUIRE(service_type::routes[0].path_template == "/files/{path...}");
    STATIC_REQUIRE(service_type::routes[0].path_parameters.size() == 1);
    STATIC_REQUIRE(service_type::routes[0].path_parameters[0].name == "path");
    STATIC_REQUIRE(
        service_type::is_public(clearance::method::get, "/open/{path...}"));
    STATIC_REQUIRE(service_type::can_reach<reader>(clearance::method::get,
                                                   "/files/{path...}"));
    STATIC_REQUIRE_FALSE(service_type::can_reach<reader>(clearance::method::get,
                                                         "/manage/{path...}"));
}

TEST_CASE("a file is served with its type, validators and length", "[files]") {
    auto r = fetch("/files/fixed.txt");
    CHECK(wire(r) == "200\r\n"
                     "ETag: \"a-ae1b981bc490a00-" +
                         clearance::detail::hex([] {
                             struct stat s {};
                             ::stat(tree().at("fixed.txt").c_str(), &s);
                             return static_cast<std::uint64_t>(s.st_ino);
                         }()) +
                         "\"\r\n"
                         "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                         "Cache-Control: private, no-cache\r\n"
                         "Accept-Ranges: bytes\r\n"
                         "X-Content-Type-Options: nosniff\r\n"
                         "Content-Type: text/plain; charset=utf-8\r\n"
                         "Vary: Authorization\r\n"
                         "Content-Length: 10\r\n"
                         "\r\n"
                         "0123456789");

    auto page = fetch("/files/docs/page.html");
    CHECK(page.result() == http::status::ok);
    CHECK(page[http::field::content_type] == "text/html; charset=utf-8");
    CHECK(page.body() == "<p>page</p>");

    // Percent-decoded once: "%2541" names the file "%41", never "A".
    tree().write("%41.txt", "percent");
    tree().write("A.txt", "letter");
    CHECK(fetch("/files/%2541.txt").body() == "percent");
    CHECK(fetch("/files/%41.txt").body() == "letter");
    tree().write("with space.txt", "spaced");
    CHECK(fetch("/files/with%20space.txt").body() == "spaced");

    auto empty = fetch("/files/empty.txt");
    CHECK(empty.result() == http::status::ok);
    CHECK(empty.body().empty());
    CHECK(empty[http::field::content_length] == "0");
}

TEST_CASE("HEAD sends the headers of GET without the body", "[files]") {
    auto get = fetch("/files/fixed.txt");
    auto head = fetch("/files/fixed.txt", {}, http::verb::head);
    CHECK(head.result() == http::status::ok);
    CHECK(head.body().empty());
    CHECK(head[http::field::content_length] == "10");
    CHECK(head[http::field::etag] == get[http::field::etag]);
    CHECK(head[http::field::content_type] == "text/plain; charset=utf-8");
}

TEST_CASE("nothing outside the directory or unusual in it is served",
          "[files]") {
    // Each is a genuine miss, byte for byte.
    for (auto target :
         {"/files/missing.txt", "/files/docs", "/files/docs/", "/files/pipe",
          "/files/inside", "/files/passwd", "/files/etc/passwd",
          "/files//etc/passwd", "/files/.env", "/files/docs/.hidden",
          "/files/docs//page.html", "/files/hello.txt/", "/files/hello.txt/x",
          "/files/%2Eenv"}) {
        INFO(target);
        CHECK(wire(fetch(target)) == genuine_miss());
    }
    auto long_name = "/files/" + std::string(300, 'a');
    CHECK(wire(fetch(long_name)) == genuine_miss());
    auto deep = std::string("/files");
    for (int i = 0; i < 3000; ++i)
        deep += "/d";
    CHECK(wire(fetch(deep)) == genuine_miss());

    // The canonical path refuses climbing and encoded separators before
    // routing: 400, whatever the route.
    for (auto target : {"/files/../etc/passwd", "/files/%2e%2e/etc/passwd",
                        "/files/..%2fetc%2fpasswd", "/files/a%5cb",
                        "/files/a%00b", "/files/a\\b", "/files/./hello.txt"}) {
        INFO(target);
        CHECK(fetch(target).result() == http::status::bad_request);
    }
}

TEST_CASE("the route's requirements guard its files", "[files]") {
    clearance::request anonymous{http::verb::get, "/files/hello.txt", 11};
    anonymous.set(http::field::host, "localhost");
    CHECK(file_service()(anonymous, {}).result() == http::status::unauthorized);
    CHECK(fetch("/manage/hello.txt").result() == http::status::forbidden);
    CHECK(fetch("/files/hello.txt").body() == "hello, world\n");

    clearance::request open{http::verb::get, "/open/hello.txt", 11};
    open.set(http::field::host, "localhost");
    auto r = file_service()(open, {});
    CHECK(r.result() == http::status::ok);
    CHECK(r.body() == "hello, world\n");
    CHECK(r[http::field::vary] == "");
}

TEST_CASE("an unreadable file is concealed or revealed as declared",
          "[files]") {
    // Root reads any file; a thread's file-system user id decides what
    // it may open, so take an unprivileged one while asking.
    bool as_root = ::geteuid() == 0;
    if (as_root)
        ::setfsuid(65534);
    file_audit().clear();
    auto concealed = fetch("/files/locked.txt");
    auto revealed = fetch("/open/locked.txt");
    auto served = fetch("/files/hello.txt");
    auto missing = fetch("/files/nothere.txt");
    if (as_root) {
        ::setfsuid(0);
        REQUIRE(::setfsuid(static_cast<uid_t>(-1)) == 0);
    }
    auto const trail = file_audit();
    CHECK(wire(concealed) == genuine_miss());
    CHECK(wire(missing) == genuine_miss());
    CHECK(revealed.result() == http::status::forbidden);
    CHECK(wire(revealed) ==
          wire(clearance::error_response(http::status::forbidden)));
    // Still readable by anyone: served as before.
    CHECK(served.body() == "hello, world\n");

    // The same bytes, but the audit trail tells the refusal from the
    // miss, and names the rule.
    using d = clearance::decision;
    REQUIRE(trail.size() == 4);
    CHECK(trail[0].outcome == d::concealed);
    CHECK(trail[0].rule == "file unreadable");
    CHECK(trail[0].status == 404);
    CHECK(trail[1].outcome == d::forbidden);
    CHECK(trail[1].rule == "file unreadable");
    CHECK(trail[2].outcome == d::allowed);
    CHECK(trail[2].rule.empty());
    CHECK(trail[3].outcome == d::not_found);
    CHECK(trail[3].rule == "no such file");
}

TEST_CASE("validators answer 304", "[files]") {
    // The tag is copied out while the response that holds it is alive.
    std::string const etag(fetch("/files/fixed.txt")[http::field::etag]);
    REQUIRE(!etag.empty());
    auto same = fetch("/files/fixed.txt", {{http::field::if_none_match, etag}});
    CHECK(same.result() == http::status::not_modified);
    CHECK(same.body().empty());
    CHECK(same[http::field::etag] == etag);
    CHECK(same[http::field::last_modified] == "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK(same[http::field::content_type] == "");

    CHECK(fetch("/files/fixed.txt",
                {{http::field::if_none_match, "\"other\", W/" + etag}})
              .result() == http::status::not_modified);
    CHECK(fetch("/files/fixed.txt", {{http::field::if_none_match, "*"}})
              .result() == http::status::not_modified);
    CHECK(fetch("/files/fixed.txt", {{http::field::if_none_match, "\"other\""}})
              .result() == http::status::ok);

    auto at = "Sun, 06 Nov 1994 08:49:37 GMT";
    CHECK(fetch("/files/fixed.txt", {{http::field::if_modified_since, at}})
              .result() == http::status::not_modified);
    CHECK(fetch("/files/fixed.txt", {{http::field::if_modified_since,
                                      "Sun, 06 Nov 1994 08:49:36 GMT"}})
              .result() == http::status::ok);
    CHECK(fetch("/files/fixed.txt",
                {{http::field::if_modified_since, "yesterday"}})
              .result() == http::status::ok);
    // If-None-Match decides when both are sent.
    CHECK(fetch("/files/fixed.txt", {{http::field::if_none_match, "\"other\""},
                                     {http::field::if_modified_since, at}})
              .result() == http::status::ok);
}

TEST_CASE("byte ranges are served as browsers expect", "[files]") {
    auto part = fetch("/files/fixed.txt", {{http::field::range, "bytes=2-5"}});
    CHECK(part.result() == http::status::partial_content);
    CHECK(part[http::field::content_range] == "bytes 2-5/10");
    CHECK(part[http::field::content_length] == "4");
    CHECK(part.body() == "2345");

    auto suffix = fetch("/files/fixed.txt", {{http::field::range, "bytes=-3"}});
    CHECK(suffix[http::field::content_range] == "bytes 7-9/10");
    CHECK(suffix.body() == "789");

    auto open = fetch("/files/fixed.txt", {{http::field::range, "bytes=8-"}});
    CHECK(open[http::field::content_range] == "bytes 8-9/10");
    CHECK(open.body() == "89");

    for (auto spec : {"bytes=10-", "bytes=5-2", "bytes=-0"}) {
        INFO(spec);
        auto refused = fetch("/files/fixed.txt", {{http::field::range, spec}});
        CHECK(refused.result() == http::status::range_not_satisfiable);
        CHECK(refused[http::field::content_range] == "bytes */10");
        CHECK(refused.body().empty());
    }

    auto several =
        fetch("/files/fixed.txt", {{http::field::range, "bytes=0-1,4-5"}});
    CHECK(several.result() == http::status::ok);
    CHECK(several.body() == "0123456789");

    std::string etag(fetch("/files/fixed.txt")[http::field::etag]);
    auto current = fetch("/files/fixed.txt", {{http::field::range, "bytes=0-0"},
                                              {http::field::if_range, etag}});
    CHECK(current.result() == http::status::partial_content);
    CHECK(current.body() == "0");
    auto dated =
        fetch("/files/fixed.txt",
              {{http::field::range, "bytes=0-0"},
               {http::field::if_range, "Sun, 06 Nov 1994 08:49:37 GMT"}});
    CHECK(dated.body() == "0");
    for (auto stale : {std::string("\"stale\""), "W/" + etag,
                       std::string("Sun, 06 Nov 1994 08:49:38 GMT")}) {
        INFO(stale);
        auto r = fetch("/files/fixed.txt", {{http::field::range, "bytes=0-0"},
                                            {http::field::if_range, stale}});
        CHECK(r.result() == http::status::ok);
        CHECK(r.body() == "0123456789");
    }

    auto head = fetch("/files/fixed.txt", {{http::field::range, "bytes=1-2"}},
                      http::verb::head);
    CHECK(head.result() == http::status::partial_content);
    CHECK(head[http::field::content_length] == "2");
    CHECK(head.body().empty());
}

TEST_CASE("files above the size limit are served by ranges only", "[files]") {
    auto whole = fetch("/small/big.bin");
    CHECK(wire(whole) ==
          wire(clearance::error_response(http::status::internal_server_error)));
    auto first = fetch("/small/big.bin", {{http::field::range, "bytes=0-"}});
    CHECK(first.result() == http::status::partial_content);
    CHECK(first[http::field::content_range] == "bytes 0-99/1000");
    CHECK(first.body() == std::string(100, 'x'));
    auto last = fetch("/small/big.bin", {{http::field::range, "bytes=-10"}});
    CHECK(last[http::field::content_range] == "bytes 990-999/1000");
    CHECK(fetch("/small/hello.txt").body() == "hello, world\n");
}

TEST_CASE("a file directory must exist when it is made", "[files]") {
    clearance::request r{http::verb::get, "/hello.txt", 11};
    CHECK(wire(clearance::file_directory{}.serve("hello.txt", r)) ==
          wire(clearance::error_response(http::status::not_found)));
    CHECK_THROWS_AS(clearance::file_directory{"/nonexistent/clearance"},
                    std::system_error);
    CHECK_THROWS_AS(clearance::file_directory{tree().at("hello.txt")},
                    std::system_error);
}
