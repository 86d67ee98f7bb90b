// SPDX-License-Identifier: BSL-1.0
#pragma once

// A directory of its own under the system's temporary directory, for
// tests that need files; removed with everything in it when the object
// goes, including at exit for a static one.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <utility>

#include <stdlib.h>
#include <sys/stat.h>

namespace test_scratch {

struct scratch_directory {
    std::filesystem::path path;

    /// Readable and searchable by every user (0755), so that a test may
    /// ask as an unprivileged user what a file in it gets.
    explicit scratch_directory(std::string const& prefix = "clearance-test") {
        auto pattern =
            (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX"))
                .string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        ::chmod(pattern.c_str(), 0755);
        path = pattern;
    }
    ~scratch_directory() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    scratch_directory(scratch_directory&& other) noexcept
        : path(std::exchange(other.path, {})) {}
    scratch_directory(scratch_directory const&) = delete;
    scratch_directory& operator=(scratch_directory const&) = delete;

    /// The path of `name` inside the directory.
    std::string at(std::string const& name) const {
        return (path / name).string();
    }

    /// Writes `text` to `name` inside the directory; returns its path.
    std::filesystem::path write(std::string const& name,
                                std::string const& text) const {
        auto file = path / name;
        std::ofstream(file, std::ios::binary) << text;
        return file;
    }
};

} // namespace test_scratch
