// SPDX-License-Identifier: BSL-1.0
#pragma once

// Unpadded base64url (RFC 4648, section 5) through OpenSSL, so that tests
// can write token parts by hand without trusting the library's own
// encoder.

#include <openssl/evp.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace test_base64url {

inline std::string base64url(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    auto n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                        reinterpret_cast<unsigned char const*>(bytes.data()),
                        static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    while (!out.empty() && out.back() == '=')
        out.pop_back();
    for (auto& c : out)
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    return out;
}

} // namespace test_base64url
