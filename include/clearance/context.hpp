// SPDX-License-Identifier: BSL-1.0
#pragma once

// What a handler or a resource loader may know about the request beyond
// its typed parameters: the request itself (headers, body), the one
// canonical path every step of the pipeline used, the peer address and,
// on guarded routes, the principal.

#include <clearance/peer.hpp>
#include <clearance/principal.hpp>
#include <clearance/response.hpp>

#include <string_view>

namespace clearance {

namespace detail {

// What a handler said about its own refusal, for the audit trail.
struct handler_note {
    std::string_view rule;
    bool concealed = false;
};

} // namespace detail

/// The request as the guard pipeline saw it. A handler takes it as a
/// parameter of type `request_context const&`.
struct request_context {
    /// The parsed HTTP request, body included.
    clearance::request const& request;

    /// The canonical path: routing, the guard and path parameters all
    /// used this string.
    std::string_view path;

    /// The query string, without the `?`; empty when there is none.
    std::string_view query;

    /// The direct peer of the connection.
    peer_address const& peer;

    /// The caller: the direct peer, or the address a trusted proxy
    /// forwarded for (see `service_options::trusted_proxies`).
    peer_address const& client;

    /// The authenticated principal; null on public routes.
    clearance::principal const* principal = nullptr;

    /// Where `note_refusal` writes; set by the service when it has an
    /// audit sink, null otherwise. Not for handlers to read.
    detail::handler_note* audit_note = nullptr;

    /// Names, for the audit trail, the rule by which the handler itself
    /// refused the request, such as "file unreadable"; with `concealed`,
    /// the handler's 404 hides something that exists, and the event's
    /// decision is `concealed` rather than `not_found`. `rule` must
    /// outlive the request: a string literal. The response is not
    /// changed; without an audit sink this does nothing.
    void note_refusal(std::string_view rule,
                      bool concealed = false) const noexcept {
        if (audit_note)
            *audit_note = {rule, concealed};
    }
};

} // namespace clearance
