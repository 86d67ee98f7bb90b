// SPDX-License-Identifier: BSL-1.0
// The whole guard pipeline on arbitrary requests: the first byte picks
// the method, the second the token, the rest is the target. Every answer
// must be one of the statuses the pipeline documents, and a request
// without valid credentials must never reach a guarded handler.
#include "fuzz_service.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data,
                                      std::size_t size) {
    namespace http = boost::beast::http;
    static auto const service = fuzzing::make_service();
    if (size < 2)
        return 0;
    constexpr http::verb methods[] = {http::verb::get,     http::verb::head,
                                      http::verb::put,     http::verb::post,
                                      http::verb::delete_, http::verb::options,
                                      http::verb::patch,   http::verb::trace};
    constexpr char const* tokens[] = {nullptr,   "reader", "admin",
                                      "mallory", "",       "a b"};
    auto method = methods[data[0] % std::size(methods)];
    auto token = tokens[data[1] % std::size(tokens)];
    std::string target(reinterpret_cast<char const*>(data) + 2, size - 2);

    clearance::request req;
    req.method(method);
    try {
        req.target(target);
    } catch (...) {
        return 0; // Beast refuses some targets itself
    }
    req.version(11);
    req.set(http::field::host, "fuzz");
    if (token)
        req.set(http::field::authorization, std::string("Bearer ") + token);
    auto r = service(req, {});
    switch (r.result_int()) {
    case 200:
        // Only public routes answer without a valid token.
        if ((!token || (std::string_view(token) != "reader" &&
                        std::string_view(token) != "admin")) &&
            r.body() != "root" && method != http::verb::head)
            std::abort();
        break;
    case 204:
    case 400:
    case 401:
    case 403:
    case 404:
    case 405:
        break;
    default:
        std::abort();
    }
    return 0;
}
