// SPDX-License-Identifier: BSL-1.0
#pragma once

// The responses clearance itself writes: the refusals of the guard
// pipeline (400, 401, 403, 404, 405) and the limits of the server
// (413, 431, 500). Every one carries the same small JSON body,
// {"error": code, "message": text}, and the same caching headers, so
// that two refusals with the same status are byte-identical whatever
// caused them. That property is what makes a concealed refusal
// indistinguishable from a genuine miss.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>

namespace clearance {

/// The request type the guard pipeline reads.
using request = boost::beast::http::request<boost::beast::http::string_body>;

/// The response type handlers return and the pipeline writes.
using response = boost::beast::http::response<boost::beast::http::string_body>;

/// The `error` code of a refusal body for status `s`, such as
/// "not_found" for 404.
constexpr std::string_view error_code(boost::beast::http::status s) noexcept {
    using boost::beast::http::status;
    switch (s) {
    case status::bad_request:
        return "bad_request";
    case status::unauthorized:
        return "unauthorized";
    case status::forbidden:
        return "forbidden";
    case status::not_found:
        return "not_found";
    case status::method_not_allowed:
        return "method_not_allowed";
    case status::payload_too_large:
        return "payload_too_large";
    case status::uri_too_long:
        return "uri_too_long";
    case status::request_header_fields_too_large:
        return "header_too_large";
    default:
        return "internal_error";
    }
}

/// The fixed, human-readable `message` of a refusal body for status `s`.
/// It never depends on the request, so it cannot leak what was asked.
constexpr std::string_view
error_message(boost::beast::http::status s) noexcept {
    using boost::beast::http::status;
    switch (s) {
    case status::bad_request:
        return "the request is malformed";
    case status::unauthorized:
        return "valid credentials are required";
    case status::forbidden:
        return "the credentials do not grant access to this resource";
    case status::not_found:
        return "no such resource";
    case status::method_not_allowed:
        return "the resource does not support this method";
    case status::payload_too_large:
        return "the request body is too large";
    case status::uri_too_long:
        return "the request target is too long";
    case status::request_header_fields_too_large:
        return "the request headers are too large";
    default:
        return "the server could not complete the request";
    }
}

/// A complete refusal for status `s`, answering a request of HTTP
/// version `version` (11 for HTTP/1.1). The body is JSON; the response
/// is marked private and not storable because refusals depend on who
/// asked. The caller decides keep-alive.
inline response error_response(boost::beast::http::status s,
                               unsigned version = 11) {
    namespace http = boost::beast::http;
    response r{s, version};
    r.set(http::field::content_type, "application/json");
    r.set(http::field::cache_control, "private, no-store");
    r.set(http::field::vary, "Authorization");
    std::string body;
    body.reserve(96);
    body += R"({"error":")";
    body += error_code(s);
    body += R"(","message":")";
    body += error_message(s);
    body += R"("})";
    r.body() = std::move(body);
    r.prepare_payload();
    return r;
}

} // namespace clearance
