// SPDX-License-Identifier: BSL-1.0
#pragma once

// An audit trail of every decision. The service reports each answer it
// gives (allowed, 400, 401, 403, concealed 404, 404, 405, 500) to a sink
// the application supplies in service_options::audit: when, which route
// and method, who (if anyone), what was decided and which rule decided
// it. The library itself never writes anything; with no sink the report
// is not even built.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

namespace clearance {

/// What the guard decided about one request.
enum class decision {
    /// The handler ran.
    allowed,
    /// 400: a malformed target, Host, header or path parameter.
    bad_request,
    /// 401: no credentials, or credentials refused.
    unauthorized,
    /// 403: a permission, scope, network or (revealed) ownership rule.
    forbidden,
    /// 404 given for a record the principal may not see (or a hidden
    /// route): on the wire it is the same as `not_found`.
    concealed,
    /// 404: no such route or record.
    not_found,
    /// 405: the path is known, the method is not.
    method_not_allowed,
    /// 204: a CORS preflight was answered.
    preflight,
    /// 500: a loader or handler failed.
    internal_error,
};

/// The name of a decision as it appears in logs: "allowed", "concealed"...
constexpr std::string_view decision_name(decision d) noexcept {
    switch (d) {
    case decision::allowed:
        return "allowed";
    case decision::bad_request:
        return "bad_request";
    case decision::unauthorized:
        return "unauthorized";
    case decision::forbidden:
        return "forbidden";
    case decision::concealed:
        return "concealed";
    case decision::not_found:
        return "not_found";
    case decision::method_not_allowed:
        return "method_not_allowed";
    case decision::preflight:
        return "preflight";
    case decision::internal_error:
        return "internal_error";
    }
    return "unknown";
}

/// One decision, as reported to the audit sink. The views are valid
/// only during the call to the sink: copy what you keep.
struct audit_event {
    std::chrono::system_clock::time_point time;
    /// The request's method, such as "GET".
    std::string_view method;
    /// The route's path template, or empty when no route matched.
    std::string_view route;
    /// The canonical path, or the raw target's path when the target was
    /// refused; never the query, which may carry credentials.
    std::string_view path;
    /// The principal's subject and tenant, empty when none.
    std::string_view subject;
    std::string_view tenant;
    decision outcome = decision::allowed;
    /// The status sent.
    unsigned status = 0;
    /// The rule that decided, such as "permission docs:read", "ownership
    /// docs_service::is_owner" or "target"; empty when allowed.
    std::string_view rule;
    /// The request's X-Request-Id when it is a plain token of at most 64
    /// characters, else an id the service made: "clearance-", eight
    /// hexadecimal digits drawn at random when the service is made, "-"
    /// and the request's number, such as "clearance-5f3a09c2-17".
    std::string_view request_id;
};

/// Where audit events go: any callable taking `audit_event const&`. It
/// is called from the server's threads, so it must be thread-safe, and
/// it should not throw (an exception is swallowed).
using audit_sink = std::function<void(audit_event const&)>;

} // namespace clearance
