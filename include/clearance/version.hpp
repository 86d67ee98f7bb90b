// SPDX-License-Identifier: BSL-1.0
#pragma once

// The version of clearance. The root CMakeLists.txt refuses to configure
// when these numbers differ from its project(VERSION), so the two cannot
// drift apart.

/// The major version: a change breaks source compatibility.
#define CLEARANCE_VERSION_MAJOR 0
/// The minor version: features added compatibly.
#define CLEARANCE_VERSION_MINOR 1
/// The patch version: fixes only.
#define CLEARANCE_VERSION_PATCH 0

#include <compare>

namespace clearance {

/// A library version, comparable and usable in constant expressions.
struct version_number {
    int major = 0;
    int minor = 0;
    int patch = 0;

    friend constexpr auto operator<=>(version_number const&,
                                      version_number const&) = default;
};

/// The version of these headers.
inline constexpr version_number version{
    CLEARANCE_VERSION_MAJOR, CLEARANCE_VERSION_MINOR, CLEARANCE_VERSION_PATCH};

} // namespace clearance
