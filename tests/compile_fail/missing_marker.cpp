// SPDX-License-Identifier: BSL-1.0
// A route whose handler declares no access: denied by default, so the
// program must not compile. Its twin marks the route public.
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto service = compile_fail::make(
        clearance::get<"/health">([](clearance::request_context const&) {
            return clearance::response{};
        }));
    (void)service;
}
