// SPDX-License-Identifier: BSL-1.0
#pragma once

// Static files behind the same guard as any route. A directory is
// opened once, at start-up; each request names a file below it with
// the rest of the path, and is answered only after the route's
// requirements have passed:
//
//   clearance::file_directory public_files{"/srv/app/files"};
//   clearance::static_files<"/files/{path...}",
//                           clearance::granted<docs_read>>(public_files)
//
// A request can never reach outside the directory. The canonical path
// has already refused "..", ".", encoded "/" or "\", NUL and control
// characters; the rest of the path is percent-decoded once, then walked
// one name at a time from the directory's descriptor with `openat` and
// `O_NOFOLLOW`, so that no symbolic link is ever followed, not even one
// that points inside the directory, and no name can climb out of it.
// Only regular files are served: a directory, a device or a FIFO is a
// miss, and a file is opened with `O_NONBLOCK` and checked again by
// descriptor, so that a swap between the check and the open is a miss
// as well. Hidden names (starting with ".") are refused unless
// `file_options::serve_hidden` is set.
//
// Answers follow RFC 9110: a content type from the extension with
// `X-Content-Type-Options: nosniff`, a strong `ETag` and
// `Last-Modified`, 304 for `If-None-Match` and `If-Modified-Since`, and
// single byte ranges (206, or 416 with `Content-Range: bytes */size`),
// honouring `If-Range`. A request for several ranges is answered with
// the whole file (RFC 9110 14.2 lets a server ignore `Range`).
//
// The body is held in memory, in the string body every response has:
// files larger than `file_options::max_size` are served by ranges only,
// each range cut to that size, and a request for the whole of one is
// answered 500.
//
// Nothing here includes networking code.

#include <clearance/context.hpp>
#include <clearance/detail/fixed_string.hpp>
#include <clearance/detail/type_list.hpp>
#include <clearance/requirements.hpp>
#include <clearance/response.hpp>
#include <clearance/route.hpp>
#include <clearance/target.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace clearance {

/// How a `file_directory` serves its files.
struct file_options {
    /// The largest body one response carries, in bytes. A range is cut
    /// to it; a request for the whole of a larger file is answered 500.
    std::uint64_t max_size = 16 * 1024 * 1024;

    /// Whether names starting with "." (".env", ".git/config") may be
    /// served. Off by default: such files are answered as missing.
    bool serve_hidden = false;

    /// The `Cache-Control` of served files. The default lets a browser
    /// keep a copy but revalidate it on every use, so each use goes
    /// through the route's guard again and a revoked permission takes
    /// effect at once; 304 makes the revalidation cheap.
    std::string cache_control = "private, no-cache";
};

/// One byte range of a representation, both ends included.
struct byte_range {
    std::uint64_t first = 0;
    std::uint64_t last = 0;

    friend constexpr bool operator==(byte_range, byte_range) = default;
};

/// What a `Range` header asks of a representation of a given size.
struct range_request {
    enum class kind {
        /// No usable range: answer with the whole representation. Also
        /// the answer to a header that does not parse, to another unit
        /// than bytes, to several ranges and to an empty representation.
        whole,
        /// One satisfiable range, in `range`, its end cut to the size.
        single,
        /// A range that starts at or past the end, "bytes=-0", or one
        /// whose end is before its start: answer 416.
        unsatisfiable,
    };
    kind outcome = kind::whole;
    byte_range range;

    friend constexpr bool operator==(range_request const&,
                                     range_request const&) = default;
};

namespace detail {

constexpr bool is_optional_whitespace(char c) noexcept {
    return c == ' ' || c == '\t';
}

constexpr std::string_view trim_whitespace(std::string_view s) noexcept {
    while (!s.empty() && is_optional_whitespace(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_optional_whitespace(s.back()))
        s.remove_suffix(1);
    return s;
}

// Decimal digits, saturating at the largest value instead of wrapping:
// a position past any real file means the same as the largest one.
constexpr std::optional<std::uint64_t>
saturating_number(std::string_view digits) noexcept {
    if (digits.empty())
        return std::nullopt;
    constexpr auto most = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t value = 0;
    for (char c : digits) {
        if (!is_digit(c))
            return std::nullopt;
        auto digit = static_cast<std::uint64_t>(c - '0');
        value = value > (most - digit) / 10 ? most : value * 10 + digit;
    }
    return value;
}

} // namespace detail

/// Reads a `Range` header value (RFC 9110 14.1.2) against a
/// representation of `size` bytes. Only the `bytes` unit and a single
/// range are honoured; everything else asks for the whole
/// representation, which RFC 9110 14.2 allows. Numbers too large for 64
/// bits saturate, so they never wrap around into a valid position.
constexpr range_request parse_byte_range(std::string_view value,
                                         std::uint64_t size) noexcept {
    using kind = range_request::kind;
    value = detail::trim_whitespace(value);
    constexpr std::string_view unit = "bytes=";
    if (value.size() < unit.size() ||
        !detail::iequals(value.substr(0, unit.size()), unit))
        return {};
    value.remove_prefix(unit.size());
    std::string_view spec;
    std::size_t specs = 0;
    while (true) {
        auto comma = value.find(',');
        auto element = detail::trim_whitespace(value.substr(0, comma));
        // RFC 9110 5.6.1: empty list elements are ignored.
        if (!element.empty()) {
            spec = element;
            ++specs;
        }
        if (comma == std::string_view::npos)
            break;
        value.remove_prefix(comma + 1);
    }
    if (specs != 1 || size == 0)
        return {};
    auto dash = spec.find('-');
    if (dash == std::string_view::npos)
        return {};
    if (dash == 0) {
        auto suffix = detail::saturating_number(spec.substr(1));
        if (!suffix)
            return {};
        if (*suffix == 0)
            return {kind::unsatisfiable, {}};
        auto length = *suffix < size ? *suffix : size;
        return {kind::single, {size - length, size - 1}};
    }
    auto first = detail::saturating_number(spec.substr(0, dash));
    if (!first)
        return {};
    auto last = size - 1;
    if (dash + 1 < spec.size()) {
        auto given = detail::saturating_number(spec.substr(dash + 1));
        if (!given)
            return {};
        if (*given < *first)
            return {kind::unsatisfiable, {}};
        last = *given < last ? *given : last;
    }
    if (*first >= size)
        return {kind::unsatisfiable, {}};
    return {kind::single, {*first, last}};
}

/// The media type of a file, from its extension, compared without case:
/// the common types of the web, "application/octet-stream" otherwise.
/// Text types name UTF-8 as their charset.
constexpr std::string_view media_type_of(std::string_view name) noexcept {
    auto dot = name.rfind('.');
    auto slash = name.rfind('/');
    if (dot == std::string_view::npos ||
        (slash != std::string_view::npos && dot < slash))
        return "application/octet-stream";
    auto extension = name.substr(dot + 1);
    constexpr std::pair<std::string_view, std::string_view> table[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"txt", "text/plain; charset=utf-8"},
        {"md", "text/markdown; charset=utf-8"},
        {"csv", "text/csv; charset=utf-8"},
        {"xml", "application/xml"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"avif", "image/avif"},
        {"ico", "image/vnd.microsoft.icon"},
        {"pdf", "application/pdf"},
        {"wasm", "application/wasm"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"ttf", "font/ttf"},
        {"otf", "font/otf"},
        {"mp4", "video/mp4"},
        {"webm", "video/webm"},
        {"mp3", "audio/mpeg"},
        {"ogg", "audio/ogg"},
        {"wav", "audio/wav"},
        {"zip", "application/zip"},
        {"gz", "application/gzip"},
    };
    for (auto const& [known, type] : table)
        if (detail::iequals(extension, known))
            return type;
    return "application/octet-stream";
}

namespace detail {

inline constexpr std::string_view week_days[] = {"Sun", "Mon", "Tue", "Wed",
                                                 "Thu", "Fri", "Sat"};
inline constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr",
                                              "May", "Jun", "Jul", "Aug",
                                              "Sep", "Oct", "Nov", "Dec"};

// RFC 9110 5.6.7 IMF-fixdate, such as "Sun, 06 Nov 1994 08:49:37 GMT".
// Written by hand because strftime follows the process's locale.
inline std::string http_date(std::time_t when) {
    std::tm t{};
    gmtime_r(&when, &t);
    auto two = [](std::string& out, int n) {
        out += static_cast<char>('0' + n / 10 % 10);
        out += static_cast<char>('0' + n % 10);
    };
    std::string out;
    out.reserve(29);
    out += week_days[t.tm_wday];
    out += ", ";
    two(out, t.tm_mday);
    out += ' ';
    out += months[t.tm_mon];
    out += ' ';
    out += std::to_string(t.tm_year + 1900);
    out += ' ';
    two(out, t.tm_hour);
    out += ':';
    two(out, t.tm_min);
    out += ':';
    two(out, t.tm_sec);
    out += " GMT";
    return out;
}

// Reads an IMF-fixdate. The two obsolete formats RFC 9110 still lets
// clients send are not read: a validator in them is ignored, which
// costs a full answer, never a wrong one.
inline std::optional<std::time_t> parse_http_date(std::string_view s) {
    if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' ||
        s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
        s.substr(25) != " GMT")
        return std::nullopt;
    auto number = [&](std::size_t at, std::size_t n) -> int {
        int value = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (!is_digit(s[i]))
                return -1;
            value = value * 10 + (s[i] - '0');
        }
        return value;
    };
    std::tm t{};
    t.tm_mday = number(5, 2);
    t.tm_year = number(12, 4) - 1900;
    t.tm_hour = number(17, 2);
    t.tm_min = number(20, 2);
    t.tm_sec = number(23, 2);
    t.tm_mon = -1;
    for (int m = 0; m < 12; ++m)
        if (s.substr(8, 3) == months[m])
            t.tm_mon = m;
    if (t.tm_mday < 1 || t.tm_mday > 31 || t.tm_year < 0 || t.tm_mon < 0 ||
        t.tm_hour < 0 || t.tm_hour > 23 || t.tm_min < 0 || t.tm_min > 59 ||
        t.tm_sec < 0 || t.tm_sec > 60)
        return std::nullopt;
    return timegm(&t);
}

// An open file descriptor, closed once.
class file_descriptor {
public:
    file_descriptor() = default;
    explicit file_descriptor(int fd) noexcept
        : fd_(fd) {}
    file_descriptor(file_descriptor&& other) noexcept
        : fd_(std::exchange(other.fd_, -1)) {}
    file_descriptor& operator=(file_descriptor&& other) noexcept {
        std::swap(fd_, other.fd_);
        return *this;
    }
    ~file_descriptor() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    int get() const noexcept { return fd_; }

private:
    int fd_ = -1;
};

// What looking a name up below the directory found.
enum class lookup_outcome {
    found,
    /// Not there, not a regular file, a symbolic link, a hidden or
    /// malformed name: the same as a miss.
    missing,
    /// There, but the process may not open it.
    unreadable,
    /// The system failed otherwise (out of descriptors, I/O error).
    failed,
};

struct opened_file {
    lookup_outcome outcome = lookup_outcome::missing;
    file_descriptor fd;
    struct stat info {};
};

inline lookup_outcome outcome_of_errno(int error) noexcept {
    switch (error) {
    case EACCES:
    case EPERM:
        return lookup_outcome::unreadable;
    case ENOENT:
    case ENOTDIR:
    case ELOOP:
    case ENAMETOOLONG:
    case EISDIR:
    case ENXIO:
    case ENODEV:
        return lookup_outcome::missing;
    default:
        return lookup_outcome::failed;
    }
}

// Whether one name of a relative path may be looked up at all.
constexpr bool is_servable_name(std::string_view name,
                                bool serve_hidden) noexcept {
    if (name.empty() || name.size() > 255 || name == "." || name == "..")
        return false;
    if (!serve_hidden && name.front() == '.')
        return false;
    for (char c : name)
        if (c == '\0' || c == '\\' || c == '/')
            return false;
    return true;
}

// Opens `relative` below the directory `root`, one name at a time and
// never following a symbolic link.
inline opened_file open_below(int root, std::string_view relative,
                              bool serve_hidden) {
    opened_file out;
    if (relative.empty() || relative.size() > 4096)
        return out;
    int directory = root;
    file_descriptor held;
    while (true) {
        auto slash = relative.find('/');
        auto name = relative.substr(0, slash);
        if (!is_servable_name(name, serve_hidden))
            return out;
        std::string c_name(name);
        if (slash != std::string_view::npos) {
            int fd = ::openat(directory, c_name.c_str(),
                              O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) {
                out.outcome = outcome_of_errno(errno);
                return out;
            }
            held = file_descriptor(fd);
            directory = fd;
            relative.remove_prefix(slash + 1);
            continue;
        }
        // Looked at first, so that a device or a FIFO is never opened;
        // checked again by descriptor, so that a swap in between is
        // refused.
        struct stat before {};
        if (::fstatat(directory, c_name.c_str(), &before,
                      AT_SYMLINK_NOFOLLOW) != 0) {
            out.outcome = outcome_of_errno(errno);
            return out;
        }
        if (!S_ISREG(before.st_mode))
            return out;
        int fd =
            ::openat(directory, c_name.c_str(),
                     O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
            out.outcome = outcome_of_errno(errno);
            return out;
        }
        out.fd = file_descriptor(fd);
        if (::fstat(fd, &out.info) != 0) {
            out.outcome = lookup_outcome::failed;
            return out;
        }
        if (!S_ISREG(out.info.st_mode) || out.info.st_dev != before.st_dev ||
            out.info.st_ino != before.st_ino)
            return out;
        out.outcome = lookup_outcome::found;
        return out;
    }
}

// Reads `length` bytes at `offset`; false if the file ended early or
// could not be read.
inline bool read_exactly(int fd, std::uint64_t offset, std::uint64_t length,
                         std::string& out) {
    out.resize(static_cast<std::size_t>(length));
    std::size_t done = 0;
    while (done < out.size()) {
        auto n = ::pread(fd, out.data() + done, out.size() - done,
                         static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

inline std::string hex(std::uint64_t n) {
    constexpr char digits[] = "0123456789abcdef";
    std::string out;
    do {
        out.insert(out.begin(), digits[n & 0xF]);
        n >>= 4;
    } while (n != 0);
    return out;
}

// A strong validator: size, modification time to the nanosecond and
// inode, so that a rewrite or an atomic replacement changes it.
inline std::string entity_tag(struct stat const& info) {
    auto nanoseconds =
        static_cast<std::uint64_t>(info.st_mtim.tv_sec) * 1'000'000'000U +
        static_cast<std::uint64_t>(info.st_mtim.tv_nsec);
    return '"' + hex(static_cast<std::uint64_t>(info.st_size)) + '-' +
           hex(nanoseconds) + '-' +
           hex(static_cast<std::uint64_t>(info.st_ino)) + '"';
}

// RFC 9110 13.1.2: whether an If-None-Match list names `tag`, compared
// weakly ("W/" ignored), or is "*".
inline bool none_match_names(std::string_view list, std::string_view tag) {
    while (true) {
        auto comma = list.find(',');
        auto element = trim_whitespace(list.substr(0, comma));
        if (element == "*")
            return true;
        if (element.starts_with("W/"))
            element.remove_prefix(2);
        if (element == tag)
            return true;
        if (comma == std::string_view::npos)
            return false;
        list.remove_prefix(comma + 1);
    }
}

} // namespace detail

/// A directory whose regular files routes may serve. It is opened once,
/// when it is made, and every lookup starts from that descriptor, so
/// renaming or replacing the directory's path later changes nothing.
/// Copies share the descriptor; it is safe to use from several threads.
class file_directory {
public:
    /// No directory: every file is missing. For programs that serve
    /// files only in some configurations.
    file_directory() = default;

    /// Opens `root`. Throws `std::system_error` if it cannot be opened
    /// as a directory: a configuration error is reported at start-up,
    /// never per request.
    explicit file_directory(std::string const& root, file_options options = {})
        : root_(open_root(root))
        , options_(std::move(options)) {}

    /// How files are served.
    file_options const& options() const noexcept { return options_; }

    /// Answers a GET or HEAD `req` for the file `relative` below the
    /// directory, a percent-decoded path such as "reports/q1.pdf". A
    /// missing file, a directory, a symbolic link, anything but a
    /// regular file and a hidden name are answered with the service's
    /// 404. A file the process may not open is answered 404 as well,
    /// byte-identical, when `Disclosure` is `conceal`, and 403 when it
    /// is `reveal`.
    template <class Disclosure = conceal>
    response serve(std::string_view relative, request const& req) const {
        return serve_noting<Disclosure>(relative, req, nullptr);
    }

    /// As above, for a handler: its refusals are also named for the
    /// audit trail (`request_context::note_refusal`): "no such file",
    /// "file unreadable" (concealed when `Disclosure` is `conceal`) or
    /// "file failed".
    template <class Disclosure = conceal>
    response serve(std::string_view relative,
                   request_context const& context) const {
        return serve_noting<Disclosure>(relative, context.request, &context);
    }

private:
    template <class Disclosure>
    response serve_noting(std::string_view relative, request const& req,
                          request_context const* context) const {
        static_assert(std::is_same_v<Disclosure, conceal> ||
                          std::is_same_v<Disclosure, reveal>,
                      "clearance: file_directory::serve<D> takes "
                      "clearance::conceal or clearance::reveal");
        using status = boost::beast::http::status;
        constexpr bool conceals = std::is_same_v<Disclosure, conceal>;
        auto refuse = [&](status s, std::string_view rule, bool concealed) {
            if (context)
                context->note_refusal(rule, concealed);
            return error_response(s);
        };
        if (!root_)
            return refuse(status::not_found, "no such file", false);
        auto file =
            detail::open_below(root_->get(), relative, options_.serve_hidden);
        switch (file.outcome) {
        case detail::lookup_outcome::found:
            return answer(file, relative, req);
        case detail::lookup_outcome::unreadable:
            return refuse(conceals ? status::not_found : status::forbidden,
                          "file unreadable", conceals);
        case detail::lookup_outcome::failed:
            return refuse(status::internal_server_error, "file failed", false);
        default:
            return refuse(status::not_found, "no such file", false);
        }
    }

    static std::shared_ptr<detail::file_descriptor const>
    open_root(std::string const& root) {
        int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            throw std::system_error(errno, std::generic_category(),
                                    "clearance: cannot open the file "
                                    "directory \"" +
                                        root + "\"");
        return std::make_shared<detail::file_descriptor const>(fd);
    }

    response answer(detail::opened_file const& file, std::string_view name,
                    request const& req) const {
        namespace http = boost::beast::http;
        using field = http::field;
        auto size = static_cast<std::uint64_t>(file.info.st_size);
        auto tag = detail::entity_tag(file.info);
        auto modified = detail::http_date(file.info.st_mtim.tv_sec);

        auto validators = [&](response& r) {
            r.set(field::etag, tag);
            r.set(field::last_modified, modified);
            r.set(field::cache_control, options_.cache_control);
        };

        if (not_modified(req, tag, file.info.st_mtim.tv_sec)) {
            response r{http::status::not_modified, 11};
            validators(r);
            return r;
        }

        range_request wanted;
        if (ranges_apply(req, tag, modified))
            wanted = parse_byte_range(req[field::range], size);

        response r{http::status::ok, 11};
        validators(r);
        r.set(field::accept_ranges, "bytes");
        r.set("X-Content-Type-Options", "nosniff");
        if (wanted.outcome == range_request::kind::unsatisfiable) {
            r.result(http::status::range_not_satisfiable);
            r.set(field::content_range, "bytes */" + std::to_string(size));
            return r;
        }
        r.set(field::content_type, media_type_of(name));
        byte_range part{0, size == 0 ? 0 : size - 1};
        if (wanted.outcome == range_request::kind::single) {
            part = wanted.range;
            if (part.last - part.first >= options_.max_size)
                part.last = part.first + options_.max_size - 1;
            r.result(http::status::partial_content);
            r.set(field::content_range, "bytes " + std::to_string(part.first) +
                                            '-' + std::to_string(part.last) +
                                            '/' + std::to_string(size));
        } else if (size > options_.max_size) {
            return error_response(http::status::internal_server_error);
        }
        auto length = size == 0 ? 0 : part.last - part.first + 1;
        if (!detail::read_exactly(file.fd.get(), part.first, length, r.body()))
            return error_response(http::status::internal_server_error);
        return r;
    }

    // RFC 9110 13.2.2: If-None-Match decides when present; otherwise
    // If-Modified-Since, compared in whole seconds.
    static bool not_modified(request const& req, std::string_view tag,
                             std::time_t modified) {
        using field = boost::beast::http::field;
        auto [first, last] = req.equal_range(field::if_none_match);
        if (first != last) {
            for (auto it = first; it != last; ++it)
                if (detail::none_match_names(it->value(), tag))
                    return true;
            return false;
        }
        auto since = req.find(field::if_modified_since);
        if (since == req.end())
            return false;
        auto date = detail::parse_http_date(since->value());
        return date && modified <= *date;
    }

    // Whether a Range header is to be read: exactly one, and an
    // If-Range, if any, that names the current file exactly (RFC 9110
    // 13.1.5: a strong entity-tag or the very Last-Modified date).
    static bool ranges_apply(request const& req, std::string_view tag,
                             std::string_view modified) {
        using field = boost::beast::http::field;
        auto [first, last] = req.equal_range(field::range);
        if (first == last || std::next(first) != last)
            return false;
        auto [if_first, if_last] = req.equal_range(field::if_range);
        if (if_first == if_last)
            return true;
        if (std::next(if_first) != if_last)
            return false;
        auto validator = detail::trim_whitespace(if_first->value());
        return validator == tag || validator == modified;
    }

    std::shared_ptr<detail::file_descriptor const> root_;
    file_options options_;
};

namespace detail {

template <class T>
inline constexpr bool is_disclosure =
    std::is_same_v<T, conceal> || std::is_same_v<T, reveal>;

// The name of a template's catch-all, as a fixed string for path<>.
template <fixed_string Template>
constexpr auto catch_all_name() {
    if constexpr (has_catch_all<Template>) {
        constexpr auto name = template_segments<Template>.back().text;
        fixed_string<name.size() + 1> out;
        for (std::size_t i = 0; i < name.size(); ++i)
            out.value[i] = name[i];
        return out;
    } else {
        return fixed_string{"path"};
    }
}

// The handler of a static_files route: the route's requirements, the
// catch-all and the request, as any handler takes them, so that the
// guard treats it like any other route.
template <fixed_string Name, class Disclosure, class Requirements>
struct file_handler;

template <fixed_string Name, class Disclosure, class... Requirements>
struct file_handler<Name, Disclosure, type_list<Requirements...>> {
    file_directory directory;

    response operator()(Requirements..., path<Name> file,
                        request_context const& context) const {
        return directory.serve<Disclosure>(*file, context);
    }
};

template <class List, class... Ts>
struct without_disclosure {
    using type = List;
};

template <class... Kept, class T, class... Ts>
struct without_disclosure<type_list<Kept...>, T, Ts...>
    : without_disclosure<
          std::conditional_t<is_disclosure<T>, type_list<Kept...>,
                             type_list<Kept..., T>>,
          Ts...> {};

} // namespace detail

/// A GET route (and HEAD) serving the files of `directory` under
/// `Template`, which must end in a catch-all such as
/// "/files/{path...}". `Requirements` are the route's requirements,
/// written as a handler's parameter types (`public_route`,
/// `authenticated`, `granted<...>`, `scoped<...>`, `from_network<...>`,
/// `hidden`), checked by the same guard as any route; they may also
/// hold `conceal` (the default) or `reveal`, which decides whether a
/// file the process may not read is answered 404, byte-identical to a
/// miss, or 403.
template <detail::fixed_string Template, class... Requirements>
auto static_files(file_directory directory) {
    static_assert(detail::has_catch_all<Template>,
                  "clearance: static_files<Template> serves the rest of "
                  "the path: its template must end in a catch-all "
                  "parameter, as in \"/files/{path...}\"");
    constexpr std::size_t disclosures =
        (detail::is_disclosure<Requirements> + ... + 0);
    static_assert(disclosures <= 1,
                  "clearance: static_files<...> takes clearance::conceal "
                  "or clearance::reveal, not both, and each only once");
    using disclosure =
        std::conditional_t<(std::is_same_v<Requirements, reveal> || ...),
                           reveal, conceal>;
    using handler =
        detail::file_handler<detail::catch_all_name<Template>(), disclosure,
                             typename detail::without_disclosure<
                                 detail::type_list<>, Requirements...>::type>;
    return get<Template>(handler{std::move(directory)});
}

} // namespace clearance
