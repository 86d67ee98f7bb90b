// SPDX-License-Identifier: BSL-1.0
#pragma once

// A fixed-size set of bits held in 64-bit words. Role, permission and
// scope sets are bitmasks, so an access decision is a few AND and
// compare instructions on words whose required value is known at
// compile time.

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace clearance::detail {

template <std::size_t Bits>
struct bitmask {
    static constexpr std::size_t bit_count = Bits;
    static constexpr std::size_t word_count = (Bits + 63) / 64;

    // Public so that a bitmask is a structural type and can be a
    // template argument: the guard takes its requirement that way.
    std::array<std::uint64_t, word_count> words{};

    constexpr void set(std::size_t bit) noexcept {
        words[bit / 64] |= std::uint64_t{1} << (bit % 64);
    }

    constexpr bool test(std::size_t bit) const noexcept {
        return (words[bit / 64] >> (bit % 64)) & 1U;
    }

    constexpr bool none() const noexcept {
        for (auto word : words)
            if (word != 0)
                return false;
        return true;
    }

    constexpr bitmask& operator|=(bitmask const& other) noexcept {
        for (std::size_t i = 0; i < word_count; ++i)
            words[i] |= other.words[i];
        return *this;
    }

    /// True when every bit of `required` is set here.
    constexpr bool contains(bitmask const& required) const noexcept {
        for (std::size_t i = 0; i < word_count; ++i)
            if ((words[i] & required.words[i]) != required.words[i])
                return false;
        return true;
    }

    /// True when at least one bit is set in both.
    constexpr bool intersects(bitmask const& other) const noexcept {
        for (std::size_t i = 0; i < word_count; ++i)
            if ((words[i] & other.words[i]) != 0)
                return true;
        return false;
    }

    friend constexpr bool operator==(bitmask const&, bitmask const&) = default;
};

/// `held.contains(Required)` for a requirement known at compile time:
/// words the requirement leaves empty are not even loaded, so a check
/// of permissions that share one word costs one AND and one compare.
template <auto Required>
constexpr bool contains_all(decltype(Required) const& held) noexcept {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return ((Required.words[I] == 0 ||
                 (held.words[I] & Required.words[I]) == Required.words[I]) &&
                ...);
    }
    (std::make_index_sequence<decltype(Required)::word_count>{});
}

/// `held.intersects(Wanted)` for a set known at compile time.
template <auto Wanted>
constexpr bool contains_any(decltype(Wanted) const& held) noexcept {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return (
            (Wanted.words[I] != 0 && (held.words[I] & Wanted.words[I]) != 0) ||
            ...);
    }
    (std::make_index_sequence<decltype(Wanted)::word_count>{});
}

} // namespace clearance::detail
