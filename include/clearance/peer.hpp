// SPDX-License-Identifier: BSL-1.0
#pragma once

// The network address a request came from, as the server adapter saw it
// on the socket. It is a plain value so that the guard pipeline can use
// it without including any networking header.

#include <array>
#include <cstdint>

namespace clearance {

/// The address of the direct peer of a connection.
struct peer_address {
    /// IPv4 addresses use the first four bytes.
    std::array<std::uint8_t, 16> bytes{};
    bool is_v4 = true;
    std::uint16_t port = 0;
};

} // namespace clearance
