// SPDX-License-Identifier: BSL-1.0
// The JWT front end on arbitrary tokens. Without the key, no input may
// authenticate; nothing may throw or crash.
#include <clearance/jwt.hpp>

#include "fuzz_service.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data,
                                      std::size_t size) {
    static auto const authenticator = [] {
        clearance::jwt_options options;
        options.secret = "a key the fuzzer never sees, 32 bytes or more";
        return clearance::jwt_authenticator<fuzzing::policy>{options};
    }();
    std::string_view token(reinterpret_cast<char const*>(data), size);
    auto result = authenticator.verify(token);
    if (result.result == clearance::authentication::outcome::authenticated)
        std::abort();
    return 0;
}
