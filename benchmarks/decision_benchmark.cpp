// SPDX-License-Identifier: BSL-1.0
// The cost of one permission decision for an authenticated principal:
// clearance's constant-mask check beside the floor (one AND and compare
// of a 64-bit mask) and the usual hand-written check over role names.
#include <clearance/detail/bitmask.hpp>
#include <clearance/policy.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

using read = clearance::permission<"read">;
using write = clearance::permission<"write">;
using manage = clearance::permission<"manage">;
struct reader : clearance::role<"reader", clearance::grants<read>> {};
struct writer : clearance::role<"writer", clearance::grants<write>,
                                clearance::inherits<reader>> {};
struct admin : clearance::role<"admin", clearance::grants<manage>,
                               clearance::inherits<writer>> {};
using policy = clearance::policy<clearance::roles<reader, writer, admin>>;

void floor_one_mask(benchmark::State& state) {
    std::uint64_t held = 0b011;
    constexpr std::uint64_t required = 0b010;
    for (auto _ : state) {
        benchmark::DoNotOptimize(held);
        bool allowed = (held & required) == required;
        benchmark::DoNotOptimize(allowed);
    }
}
BENCHMARK(floor_one_mask);

void clearance_guard_one_permission(benchmark::State& state) {
    clearance::principal who;
    who.roles.set(*policy::find_role("writer"));
    policy::compute_permissions(who);
    constexpr auto required = policy::permission_mask<write>();
    for (auto _ : state) {
        benchmark::DoNotOptimize(who.permissions);
        bool allowed =
            clearance::detail::contains_all<required>(who.permissions);
        benchmark::DoNotOptimize(allowed);
    }
}
BENCHMARK(clearance_guard_one_permission);

void clearance_guard_three_permissions(benchmark::State& state) {
    clearance::principal who;
    who.roles.set(*policy::find_role("admin"));
    policy::compute_permissions(who);
    constexpr auto required = policy::permission_mask<read, write, manage>();
    for (auto _ : state) {
        benchmark::DoNotOptimize(who.permissions);
        bool allowed =
            clearance::detail::contains_all<required>(who.permissions);
        benchmark::DoNotOptimize(allowed);
    }
}
BENCHMARK(clearance_guard_three_permissions);

void role_names_in_a_vector(benchmark::State& state) {
    std::vector<std::string> roles{"reader", "writer"};
    std::string const wanted = "writer";
    for (auto _ : state) {
        benchmark::DoNotOptimize(roles.data());
        bool allowed =
            std::find(roles.begin(), roles.end(), wanted) != roles.end();
        benchmark::DoNotOptimize(allowed);
    }
}
BENCHMARK(role_names_in_a_vector);

} // namespace

BENCHMARK_MAIN();
