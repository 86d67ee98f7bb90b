// SPDX-License-Identifier: BSL-1.0
#pragma once

// A response as a client would receive it, for tests that compare two
// answers byte for byte without a socket.

#include <clearance/response.hpp>

#include <string>

namespace test_wire {

/// The status, every header in order, and the body.
inline std::string wire(clearance::response const& r) {
    std::string out = std::to_string(r.result_int()) + "\r\n";
    for (auto const& field : r) {
        out += field.name_string();
        out += ": ";
        out += field.value();
        out += "\r\n";
    }
    return out + "\r\n" + r.body();
}

} // namespace test_wire
