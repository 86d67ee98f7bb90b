// SPDX-License-Identifier: BSL-1.0
#pragma once

// ASCII character helpers shared by the parsers of targets, addresses,
// credentials and headers. They ignore the locale on purpose: HTTP's
// case-insensitive tokens and hexadecimal digits are ASCII.

#include <cstddef>
#include <optional>
#include <string_view>

namespace clearance::detail {

/// `c` in lower case if it is an ASCII capital letter, else `c`.
constexpr char to_lower_ascii(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Whether `a` and `b` are equal ignoring ASCII case.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (to_lower_ascii(a[i]) != to_lower_ascii(b[i]))
            return false;
    return true;
}

/// The value of `c` as a digit in `base` (2 to 16), or -1.
constexpr int digit_value(char c, unsigned base) noexcept {
    int v = -1;
    if (c >= '0' && c <= '9')
        v = c - '0';
    else if (c >= 'a' && c <= 'f')
        v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
        v = c - 'A' + 10;
    return v >= 0 && static_cast<unsigned>(v) < base ? v : -1;
}

/// The value of `c` as a hexadecimal digit, or -1.
constexpr int hex_value(char c) noexcept {
    return digit_value(c, 16);
}

/// The value of `digits`, one to `max_digits` digits in `base` (2 to
/// 16; at most eight digits), or nothing if it is empty, longer, or
/// holds anything else.
constexpr std::optional<unsigned>
number_value(std::string_view digits, unsigned base,
             std::size_t max_digits) noexcept {
    if (digits.empty() || digits.size() > max_digits)
        return std::nullopt;
    unsigned value = 0;
    for (char c : digits) {
        int d = digit_value(c, base);
        if (d < 0)
            return std::nullopt;
        value = value * base + static_cast<unsigned>(d);
    }
    return value;
}

/// The byte that a percent escape ("%" and two hexadecimal digits)
/// starting at `text[at]` stands for, or -1 if none starts there.
constexpr int escaped_byte(std::string_view text, std::size_t at) noexcept {
    if (at + 2 >= text.size() || text[at] != '%')
        return -1;
    int high = hex_value(text[at + 1]);
    int low = hex_value(text[at + 2]);
    return high < 0 || low < 0 ? -1 : high * 16 + low;
}

} // namespace clearance::detail
