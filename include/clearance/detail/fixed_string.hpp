// SPDX-License-Identifier: BSL-1.0
#pragma once

// A string literal usable as a template argument, so that permissions,
// roles, scopes, path templates and path parameters can be named in the
// user's own words inside types: permission<"docs:read">.

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace clearance::detail {

template <std::size_t N>
struct fixed_string {
    char value[N]{};

    constexpr fixed_string(char const (&text)[N]) noexcept {
        std::copy_n(text, N, value);
    }

    constexpr fixed_string() noexcept = default;

    constexpr std::string_view view() const noexcept { return {value, N - 1}; }

    static constexpr std::size_t size() noexcept { return N - 1; }

    template <std::size_t M>
    constexpr bool operator==(fixed_string<M> const& other) const noexcept {
        return view() == other.view();
    }
};

/// The concatenation of several fixed strings, as a fixed string.
template <fixed_string... Parts>
constexpr auto concat() noexcept {
    constexpr std::size_t length = (Parts.size() + ... + 0);
    fixed_string<length + 1> result;
    std::size_t at = 0;
    (
        [&] {
            for (char c : Parts.view())
                result.value[at++] = c;
        }(),
        ...);
    result.value[length] = '\0';
    return result;
}

} // namespace clearance::detail
