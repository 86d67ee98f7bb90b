// SPDX-License-Identifier: BSL-1.0
#pragma once

// The one maker of proofs. Proof types have private constructors and
// befriend `access`; only the guard may call `access::make`, so a proof
// cannot be made by accident anywhere else.

#include <utility>

namespace clearance::detail {

struct guard;

class access {
    friend struct guard;

    template <class Proof, class... Args>
    static Proof make(Args&&... args) {
        return Proof(std::forward<Args>(args)...);
    }
};

} // namespace clearance::detail
