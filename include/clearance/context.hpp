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
};

} // namespace clearance
