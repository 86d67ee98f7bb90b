// SPDX-License-Identifier: BSL-1.0
// The request-target canonicaliser on arbitrary bytes. Beyond not
// crashing, a canonical path must be a fixed point: canonicalising it
// again gives the same path, so no later step can see it differently.
#include <clearance/target.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data,
                                      std::size_t size) {
    std::string_view input(reinterpret_cast<char const*>(data), size);
    (void)clearance::is_valid_authority(input);
    auto target = clearance::canonicalize_target(input);
    if (!target)
        return 0;
    auto const& path = target->path;
    if (path.empty() || path.front() != '/')
        std::abort();
    if (path.find("/../") != std::string_view::npos ||
        path.find("/./") != std::string_view::npos ||
        path.find('\\') != std::string_view::npos ||
        path.find(';') != std::string_view::npos)
        std::abort();
    auto again = clearance::canonicalize_target(path);
    if (!again || again->path != path)
        std::abort();
    return 0;
}
