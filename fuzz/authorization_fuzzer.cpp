// SPDX-License-Identifier: BSL-1.0
// The Authorization header reader on arbitrary values: a token it
// accepts is never empty and contains only b64token characters.
#include <clearance/authentication.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data,
                                      std::size_t size) {
    clearance::request req;
    try {
        req.set(boost::beast::http::field::authorization,
                std::string(reinterpret_cast<char const*>(data), size));
    } catch (...) {
        return 0; // Beast refuses some field values itself
    }
    auto bearer = clearance::read_bearer(req);
    if (bearer.state == clearance::bearer_credentials::kind::present) {
        if (bearer.token.empty())
            std::abort();
        for (char c : bearer.token)
            if (!clearance::detail::is_b64token_char(c) && c != '=')
                std::abort();
    }
    return 0;
}
