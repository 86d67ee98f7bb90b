// SPDX-License-Identifier: BSL-1.0
// The cost of one authorisation decision for an authenticated
// principal, at policy sizes of 4, 64 and 512 roles: clearance's
// generated guard check beside the floor (one AND and compare of a
// 64-bit mask in a register) and two hand-written checks over role
// names (see decision/cases.hpp). Then the whole request path below the
// network, with and without verifying a JWT (decision/request_path.hpp),
// and, on that path, a concealed refusal beside a genuine miss, with
// the distribution of each (p50, p90 and p99 counters).
//
// Every benchmark reports `allocs`, the heap allocations per decision,
// counted by the global operator new below.
//
//   clearance_decision_benchmark [Google Benchmark flags]
//   clearance_decision_benchmark --count-instructions=N [--filter=TEXT]
//
// The second form runs each case N times (the request path N/100
// times) between callgrind client requests and prints nothing; run it
// under `valgrind --tool=callgrind --instr-atstart=no` to count the
// instructions of each case (decision/instructions.sh does).
//
// Before measuring anything, the binary checks that every form of every
// decision allows the principal and refuses an outsider, that the
// request path answers 200, and that clearance's decisions allocate
// nothing; it exits with status 1 otherwise.

#include "decision/cases.hpp"
#include "policy_4.hpp"
#include "policy_512.hpp"
#include "policy_64.hpp"

#ifdef CLEARANCE_BENCHMARK_JWT
#include "decision/request_path.hpp"
#endif

#ifdef CLEARANCE_BENCHMARK_CALLGRIND
#include <valgrind/callgrind.h>
#endif

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

std::atomic<std::uint64_t> allocation_count{0};

void* counted_allocation(std::size_t size) {
    allocation_count.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size))
        return p;
    throw std::bad_alloc{};
}

void* counted_aligned_allocation(std::size_t size, std::align_val_t align) {
    allocation_count.fetch_add(1, std::memory_order_relaxed);
    auto alignment = static_cast<std::size_t>(align);
    auto rounded = (size + alignment - 1) / alignment * alignment;
    if (void* p =
            std::aligned_alloc(alignment, rounded == 0 ? alignment : rounded))
        return p;
    throw std::bad_alloc{};
}

} // namespace

// Every allocation of the program goes through these.
void* operator new(std::size_t size) {
    return counted_allocation(size);
}
void* operator new[](std::size_t size) {
    return counted_allocation(size);
}
void* operator new(std::size_t size, std::align_val_t align) {
    return counted_aligned_allocation(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
    return counted_aligned_allocation(size, align);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}

namespace {

using benchmark::DoNotOptimize;

struct bench_case {
    std::string name;
    /// Whether the case must not allocate (clearance and the floor).
    bool must_not_allocate;
    /// Iterations per N in counting mode: the request path is heavier.
    std::size_t count_divisor;
    std::function<void(benchmark::State&)> time;
    std::function<void(std::size_t)> count;
    std::function<std::uint64_t(std::size_t)> allocations;
    /// Whether `time` times each iteration itself.
    bool manual_time = false;
};

std::vector<bench_case>& cases() {
    static std::vector<bench_case> all;
    return all;
}

// Registers `step`, one decision with its inputs made opaque to the
// optimiser, for timing, counting and allocation checks.
template <class Step>
void add(std::string name, bool must_not_allocate, Step step,
         std::size_t count_divisor = 1) {
    cases().push_back({std::move(name), must_not_allocate, count_divisor,
                       [step](benchmark::State& state) mutable {
                           auto before = allocation_count.load();
                           for (auto _ : state)
                               step();
                           auto allocated = allocation_count.load() - before;
                           state.counters["allocs"] = benchmark::Counter(
                               static_cast<double>(allocated),
                               benchmark::Counter::kAvgIterations);
                       },
                       [step](std::size_t n) mutable {
                           for (std::size_t i = 0; i < n; ++i)
                               step();
                       },
                       [step](std::size_t n) mutable {
                           auto before = allocation_count.load();
                           for (std::size_t i = 0; i < n; ++i)
                               step();
                           return allocation_count.load() - before;
                       }});
}

// Registers `step` timed one call at a time, so that the distribution
// is reported beside the mean: the 50th, 90th and 99th percentiles of
// one run, in nanoseconds, as counters p50, p90 and p99. The clock
// reads add a few tens of nanoseconds to each sample.
template <class Step>
void add_distribution(std::string name, Step step) {
    add(std::move(name), false, step, 100);
    cases().back().manual_time = true;
    cases().back().time = [step](benchmark::State& state) mutable {
        using clock = std::chrono::steady_clock;
        std::vector<double> samples;
        samples.reserve(1 << 16);
        for (auto _ : state) {
            auto start = clock::now();
            step();
            auto elapsed = std::chrono::duration<double>(clock::now() - start);
            state.SetIterationTime(elapsed.count());
            samples.push_back(elapsed.count() * 1e9);
        }
        if (samples.empty())
            return;
        std::sort(samples.begin(), samples.end());
        auto at = [&](double q) {
            return samples[static_cast<std::size_t>(
                q * static_cast<double>(samples.size() - 1))];
        };
        state.counters["p50"] = at(0.50);
        state.counters["p90"] = at(0.90);
        state.counters["p99"] = at(0.99);
    };
}

template <class Shape>
decision_bench::fixture<Shape>& fixture_of() {
    static decision_bench::fixture<Shape> f;
    return f;
}

template <class Shape>
bool add_decisions() {
    using guard = decision_bench::clearance_decision<Shape>;
    auto& f = fixture_of<Shape>();
    auto size = "/roles:" + std::to_string(Shape::roles);

    add("one_permission/clearance" + size, true, [&f] {
        DoNotOptimize(f.who);
        bool allowed = guard::route_a_allows(f.who);
        DoNotOptimize(allowed);
    });
    add("one_permission/role_vector" + size, false, [&f] {
        DoNotOptimize(f.plain_who);
        bool allowed = f.by_role.route_a_allows(f.plain_who);
        DoNotOptimize(allowed);
    });
    add("one_permission/permission_map" + size, false, [&f] {
        DoNotOptimize(f.plain_who);
        bool allowed = f.by_map.route_a_allows(f.plain_who);
        DoNotOptimize(allowed);
    });
    add("three_permissions_owned/clearance" + size, true, [&f] {
        DoNotOptimize(f.who);
        DoNotOptimize(f.doc);
        bool allowed = guard::route_b_allows(f.who, f.doc);
        DoNotOptimize(allowed);
    });
    add("three_permissions_owned/role_vector" + size, false, [&f] {
        DoNotOptimize(f.plain_who);
        DoNotOptimize(f.doc);
        bool allowed = f.by_role.route_b_allows(f.plain_who, f.doc);
        DoNotOptimize(allowed);
    });
    add("three_permissions_owned/permission_map" + size, false, [&f] {
        DoNotOptimize(f.plain_who);
        DoNotOptimize(f.doc);
        bool allowed = f.by_map.route_b_allows(f.plain_who, f.doc);
        DoNotOptimize(allowed);
    });
    return f.answers_agree();
}

bool add_all() {
    add("one_permission/floor", true,
        [held = std::uint64_t{0b11011}]() mutable {
            DoNotOptimize(held);
            bool allowed = decision_bench::floor_allows(held);
            DoNotOptimize(allowed);
        });
    // The loop alone, to subtract from instruction counts.
    add("empty_loop", true, [] {
        bool allowed = true;
        DoNotOptimize(allowed);
    });

    bool agree = add_decisions<decision_policies::roles_4::shape>() &&
                 add_decisions<decision_policies::roles_64::shape>() &&
                 add_decisions<decision_policies::roles_512::shape>();
    if (!agree) {
        std::fprintf(stderr, "decision benchmark: a decision answers "
                             "wrongly; nothing measured\n");
        return false;
    }

#ifdef CLEARANCE_BENCHMARK_JWT
    using namespace request_bench;
    static auto const with_jwt = make_guarded_service(
        clearance::jwt_authenticator<policy>{jwt_settings()});
    static auto const fixed =
        make_guarded_service(fixed_authenticator{alice()});
    static auto const open = make_public_service();
    static clearance::request const request =
        document_request(with_jwt.authenticator().issue(
            {"alice", "acme", {"editor"}, {}}, std::chrono::hours{24}));
    static clearance::peer_address const peer{};

    auto answers_ok = [](auto const& service) {
        return service(request, peer).result() == http::status::ok;
    };
    // A guard that refused everything would be cheap: check it lets the
    // owner through and turns a stranger away.
    auto refuses_bob = [] {
        auto bob = alice();
        bob.subject = "bob";
        auto service = make_guarded_service(fixed_authenticator{bob});
        return service(request, peer).result() == http::status::not_found;
    };
    if (!answers_ok(with_jwt) || !answers_ok(fixed) || !answers_ok(open) ||
        !refuses_bob()) {
        std::fprintf(stderr, "decision benchmark: the request path does not "
                             "answer as expected; nothing measured\n");
        return false;
    }
    add(
        "request_path/with_jwt", false,
        [] {
            auto r = with_jwt(request, peer);
            DoNotOptimize(r);
        },
        100);
    add(
        "request_path/fixed_principal", false,
        [] {
            auto r = fixed(request, peer);
            DoNotOptimize(r);
        },
        100);
    add(
        "request_path/public_routes", false,
        [] {
            auto r = open(request, peer);
            DoNotOptimize(r);
        },
        100);

    // A concealed refusal beside a genuine miss: bob asks for alice's
    // document 1, then for document 999, which does not exist, on the
    // same concealing route; alice's own request is the reference. The
    // two 404s must be the same bytes before they are timed.
    static auto const as_bob = [] {
        auto bob = alice();
        bob.subject = "bob";
        return make_guarded_service(fixed_authenticator{bob});
    }();
    static clearance::request const missing = [] {
        auto r = request;
        r.target("/documents/999");
        return r;
    }();
    auto bytes = [](clearance::response const& r) {
        std::string out = std::to_string(r.result_int()) + "\n";
        for (auto const& field : r) {
            out += field.name_string();
            out += ": ";
            out += field.value();
            out += "\n";
        }
        return out + r.body();
    };
    auto concealed = as_bob(request, peer);
    if (concealed.result() != http::status::not_found ||
        bytes(concealed) != bytes(as_bob(missing, peer))) {
        std::fprintf(stderr, "decision benchmark: the concealed refusal "
                             "differs from the genuine miss; nothing "
                             "measured\n");
        return false;
    }
    add_distribution("concealment/refused_other_owner", [] {
        auto r = as_bob(request, peer);
        DoNotOptimize(r);
    });
    add_distribution("concealment/genuine_miss", [] {
        auto r = as_bob(missing, peer);
        DoNotOptimize(r);
    });
    add_distribution("concealment/allowed_owner", [] {
        auto r = fixed(request, peer);
        DoNotOptimize(r);
    });
#endif
    return true;
}

// clearance's decisions must not allocate: checked before any timing.
bool allocation_free() {
    bool ok = true;
    for (auto& c : cases())
        if (c.must_not_allocate && c.allocations(1000) != 0) {
            std::fprintf(stderr,
                         "decision benchmark: %s allocates; it must not\n",
                         c.name.c_str());
            ok = false;
        }
    return ok;
}

void count_instructions(std::size_t n, std::string_view filter) {
#ifdef CLEARANCE_BENCHMARK_CALLGRIND
    CALLGRIND_START_INSTRUMENTATION;
#endif
    for (auto& c : cases()) {
        if (c.name.find(filter) == std::string::npos)
            continue;
        auto iterations = n / c.count_divisor;
        // The dump is named after the case and its iteration count, so
        // that instructions.sh can divide.
        auto label = c.name + "@" + std::to_string(iterations);
#ifdef CLEARANCE_BENCHMARK_CALLGRIND
        CALLGRIND_ZERO_STATS;
#endif
        c.count(iterations);
#ifdef CLEARANCE_BENCHMARK_CALLGRIND
        CALLGRIND_DUMP_STATS_AT(label.c_str());
#endif
    }
}

} // namespace

int main(int argc, char** argv) {
    if (!add_all() || !allocation_free())
        return 1;

    std::size_t count = 0;
    std::string_view filter;
    std::vector<char*> rest;
    for (int i = 0; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg.starts_with("--count-instructions="))
            count = std::strtoull(argv[i] + 21, nullptr, 10);
        else if (arg.starts_with("--filter="))
            filter = arg.substr(9);
        else
            rest.push_back(argv[i]);
    }
    if (count != 0) {
        count_instructions(count, filter);
        return 0;
    }

    for (auto& c : cases()) {
        auto* b = benchmark::RegisterBenchmark(c.name.c_str(), c.time);
        if (c.manual_time)
            b->UseManualTime();
    }
    int rest_count = static_cast<int>(rest.size());
    benchmark::Initialize(&rest_count, rest.data());
    if (benchmark::ReportUnrecognizedArguments(rest_count, rest.data()))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
