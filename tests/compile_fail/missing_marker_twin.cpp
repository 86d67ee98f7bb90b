// SPDX-License-Identifier: BSL-1.0
// The twin of missing_marker.cpp: the same route, marked public.
#include <clearance/service.hpp>

#include "compile_fail_common.hpp"

int main() {
    auto service = compile_fail::make(clearance::get<"/health">(
        [](clearance::public_route, clearance::request_context const&) {
            return clearance::response{};
        }));
    (void)service;
}
