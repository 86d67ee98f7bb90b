// SPDX-License-Identifier: BSL-1.0
#pragma once

// Network requirements: a route can require the caller's address to be
// inside one of a few CIDR blocks written in its handler's signature,
//
//   clearance::from_network<clearance::cidr<"127.0.0.0/8">,
//                           clearance::cidr<"::1/128">>
//
// The caller is the socket's peer. `X-Forwarded-For` and `Forwarded` are
// believed only when that peer is one of the service's trusted proxies
// (service_options::trusted_proxies), and then read right to left: the
// first address that is not itself a trusted proxy is the caller. A
// client can therefore never claim an address by sending a header.

#include <clearance/detail/access.hpp>
#include <clearance/detail/ascii.hpp>
#include <clearance/detail/fixed_string.hpp>
#include <clearance/peer.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace clearance {

/// A block of addresses: a network address and a prefix length.
struct network {
    peer_address address;
    unsigned prefix = 0;

    /// Whether `a` is inside the block. IPv4 and IPv6 never match each
    /// other (IPv4-mapped IPv6 peers are reported as IPv4 by the server).
    constexpr bool contains(peer_address const& a) const noexcept {
        if (a.is_v4 != address.is_v4)
            return false;
        unsigned bits = prefix;
        for (std::size_t i = 0; bits > 0; ++i) {
            unsigned take = bits >= 8 ? 8 : bits;
            auto mask = static_cast<std::uint8_t>(0xFF << (8 - take));
            if ((a.bytes[i] & mask) != (address.bytes[i] & mask))
                return false;
            bits -= take;
        }
        return true;
    }
};

namespace detail {

constexpr std::optional<std::array<std::uint8_t, 4>>
parse_v4(std::string_view text) noexcept {
    std::array<std::uint8_t, 4> out{};
    std::size_t part = 0;
    while (true) {
        auto dot = text.find('.');
        auto piece = text.substr(0, dot);
        if (piece.size() > 1 && piece.front() == '0')
            return std::nullopt;
        auto value = number_value(piece, 10, 3);
        if (!value || *value > 255 || part == 4)
            return std::nullopt;
        out[part++] = static_cast<std::uint8_t>(*value);
        if (dot == std::string_view::npos)
            break;
        text.remove_prefix(dot + 1);
    }
    if (part != 4)
        return std::nullopt;
    return out;
}

constexpr std::optional<std::array<std::uint8_t, 16>>
parse_v6(std::string_view text) noexcept {
    std::array<std::uint16_t, 8> groups{};
    std::size_t count = 0, gap = 8;
    if (text.size() >= 2 && text.substr(0, 2) == "::") {
        gap = 0;
        text.remove_prefix(2);
    }
    while (!text.empty()) {
        if (count == 8)
            return std::nullopt;
        auto colon = text.find(':');
        auto piece = text.substr(0, colon);
        // An embedded IPv4 address ends an IPv6 address (::ffff:1.2.3.4).
        if (piece.find('.') != std::string_view::npos &&
            colon == std::string_view::npos) {
            auto v4 = parse_v4(piece);
            if (!v4 || count > 6)
                return std::nullopt;
            groups[count++] =
                static_cast<std::uint16_t>((*v4)[0] << 8 | (*v4)[1]);
            groups[count++] =
                static_cast<std::uint16_t>((*v4)[2] << 8 | (*v4)[3]);
            text = {};
            break;
        }
        auto value = number_value(piece, 16, 4);
        if (!value)
            return std::nullopt;
        groups[count++] = static_cast<std::uint16_t>(*value);
        if (colon == std::string_view::npos)
            break;
        text.remove_prefix(colon + 1);
        if (!text.empty() && text.front() == ':') {
            if (gap != 8)
                return std::nullopt;
            gap = count;
            text.remove_prefix(1);
        } else if (text.empty()) {
            return std::nullopt;
        }
    }
    if (gap == 8 && count != 8)
        return std::nullopt;
    if (gap != 8 && count == 8)
        return std::nullopt;
    std::array<std::uint16_t, 8> full{};
    std::size_t tail = count - (gap == 8 ? count : gap);
    for (std::size_t i = 0; i < (gap == 8 ? count : gap); ++i)
        full[i] = groups[i];
    for (std::size_t i = 0; i < tail; ++i)
        full[8 - tail + i] = groups[(gap == 8 ? count : gap) + i];
    std::array<std::uint8_t, 16> out{};
    for (std::size_t i = 0; i < 8; ++i) {
        out[2 * i] = static_cast<std::uint8_t>(full[i] >> 8);
        out[2 * i + 1] = static_cast<std::uint8_t>(full[i] & 0xFF);
    }
    return out;
}

} // namespace detail

/// Parses an IPv4 address ("192.0.2.1") or an IPv6 address
/// ("2001:db8::1", with or without brackets). Nothing if it is neither.
constexpr std::optional<peer_address>
parse_address(std::string_view text) noexcept {
    peer_address a;
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    if (text.find(':') == std::string_view::npos) {
        auto v4 = detail::parse_v4(text);
        if (!v4)
            return std::nullopt;
        for (std::size_t i = 0; i < 4; ++i)
            a.bytes[i] = (*v4)[i];
        a.is_v4 = true;
        return a;
    }
    auto v6 = detail::parse_v6(text);
    if (!v6)
        return std::nullopt;
    a.bytes = *v6;
    a.is_v4 = false;
    return a;
}

/// Parses "address/prefix" (a bare address is a block of one). Nothing
/// if the text is malformed or the prefix too long for the family.
constexpr std::optional<network> parse_network(std::string_view text) noexcept {
    auto slash = text.find('/');
    auto address = parse_address(text.substr(0, slash));
    if (!address)
        return std::nullopt;
    unsigned limit = address->is_v4 ? 32 : 128;
    unsigned prefix = limit;
    if (slash != std::string_view::npos) {
        auto digits = detail::number_value(text.substr(slash + 1), 10, 3);
        if (!digits || *digits > limit)
            return std::nullopt;
        prefix = *digits;
    }
    return network{*address, prefix};
}

/// A block of addresses written in a type, checked at compile time.
template <detail::fixed_string Text>
struct cidr {
    static_assert(parse_network(Text.view()).has_value(),
                  "clearance: a cidr<\"...\"> must be an IPv4 or IPv6 "
                  "address with an optional prefix length, such as "
                  "\"10.0.0.0/8\" or \"::1/128\"");
    static constexpr network value = *parse_network(Text.view());
    static constexpr auto fixed_name = Text;
};

namespace detail {

template <class T>
struct is_cidr : std::false_type {};
template <fixed_string Text>
struct is_cidr<cidr<Text>> : std::true_type {};

// Whether `s` is a port: 1 to 5 digits, at most 65535.
constexpr bool is_port(std::string_view s) noexcept {
    auto value = number_value(s, 10, 5);
    return value && *value <= 65535;
}

// Parses one X-Forwarded-For element, or with `forwarded` the value of a
// Forwarded "for=" parameter, which may also be a quoted string: an IPv4
// address with an optional ":port", or an IPv6 address, bare or in
// brackets with an optional ":port". Nothing for anything else, such as
// "unknown", an obfuscated node or a port out of range.
constexpr std::optional<peer_address>
parse_forwarded_node(std::string_view s, bool forwarded) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    if (forwarded && s.size() >= 2 && s.front() == '"' && s.back() == '"')
        s = s.substr(1, s.size() - 2);
    std::optional<peer_address> address;
    if (!s.empty() && s.front() == '[') {
        // "[2001:db8::1]" or "[2001:db8::1]:8080"
        auto close = s.find(']');
        if (close == std::string_view::npos)
            return std::nullopt;
        auto rest = s.substr(close + 1);
        if (!rest.empty() && (rest.front() != ':' || !is_port(rest.substr(1))))
            return std::nullopt;
        address = parse_address(s.substr(1, close - 1));
        return address && !address->is_v4 ? address : std::nullopt;
    }
    auto colon = s.find(':');
    if (colon != std::string_view::npos &&
        s.find(':', colon + 1) == std::string_view::npos) {
        // "192.0.2.1:8080": a single colon separates a port.
        if (!is_port(s.substr(colon + 1)))
            return std::nullopt;
        address = parse_address(s.substr(0, colon));
        return address && address->is_v4 ? address : std::nullopt;
    }
    return parse_address(s);
}

} // namespace detail

/// Requires the caller to come from one of the `Networks` (each a
/// `cidr<"...">`); anyone else gets 403. A route may require only this,
/// for example a metrics endpoint open to the loopback interface.
template <class... Networks>
class from_network {
    static_assert(sizeof...(Networks) > 0 &&
                      (detail::is_cidr<Networks>::value && ...),
                  "clearance: from_network<...> takes one or more "
                  "clearance::cidr<\"...\"> blocks");

public:
    /// The blocks, as written.
    static constexpr std::array<network, sizeof...(Networks)> networks{
        Networks::value...};

    /// How the audit trail names this requirement when it refuses a
    /// caller: "network" and the blocks as written.
    static constexpr auto rule_name =
        detail::concat<"network",
                       detail::concat<" ", Networks::fixed_name>()...>();

    /// Whether `a` is inside one of the blocks.
    static constexpr bool admits(peer_address const& a) noexcept {
        for (auto const& n : networks)
            if (n.contains(a))
                return true;
        return false;
    }

    /// The caller's address, as the guard established it.
    peer_address const& client() const noexcept { return *client_; }

private:
    friend class detail::access;
    explicit from_network(peer_address const& client) noexcept
        : client_(&client) {}
    peer_address const* client_;
};

} // namespace clearance
