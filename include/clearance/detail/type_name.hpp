// SPDX-License-Identifier: BSL-1.0
#pragma once

// The name of a type as the compiler spells it, at compile time, for
// documents and diagnostics that name ownership rules and resources.

#include <string_view>

namespace clearance::detail {

template <class T>
constexpr std::string_view type_name() noexcept {
    std::string_view f = __PRETTY_FUNCTION__;
    auto start = f.find("T = ") + 4;
#if defined(__clang__)
    auto end = f.rfind(']');
#else
    auto end = f.find_first_of(";]", start);
#endif
    return f.substr(start, end - start);
}

} // namespace clearance::detail
