#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Runs every benchmark: the decision benchmark (timings, then
# instruction counts under callgrind), the compile-time benchmark and
# the HTTP benchmark. With --smoke, each runs for about a second, so
# that none of them rots: the decision benchmark with
# --benchmark_min_time=0.05, one small compile pair, and a one-second
# wrk run of each server when wrk is installed.
#
#   benchmarks/run-all.sh [--smoke] [--only decision|compile|http]
#                         [--build-dir DIR] [--results DIR]
#
# The build directory holds the release preset's build by default
# (cmake --preset release && cmake --build --preset release). Full runs
# write their results into --results (default: build/benchmark-results).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

smoke=false
only=""
build="$root/build/release"
results="$root/build/benchmark-results"
while [ $# -gt 0 ]; do
    case "$1" in
    --smoke) smoke=true ;;
    --only) only="$2"; shift ;;
    --build-dir) build="$2"; shift ;;
    --results) results="$2"; shift ;;
    *) echo "usage: $0 [--smoke] [--only decision|compile|http]" \
            "[--build-dir DIR] [--results DIR]" >&2
       exit 2 ;;
    esac
    shift
done
wants() { [ -z "$only" ] || [ "$only" = "$1" ]; }

decision="$build/benchmarks/clearance_decision_benchmark"

if wants decision; then
    echo "== decision"
    [ -x "$decision" ] || { echo "no $decision: build it first" >&2; exit 1; }
    if $smoke; then
        "$decision" --benchmark_min_time=0.05
    else
        mkdir -p "$results"
        "$decision" --benchmark_min_time=1 --benchmark_repetitions=3 \
            --benchmark_report_aggregates_only=true \
            --benchmark_out="$results/decision.json" \
            --benchmark_out_format=json
        if command -v valgrind >/dev/null; then
            echo "== decision: instructions"
            "$here/decision/instructions.sh" --build-dir "$build" \
                --out "$results/instructions.csv"
        fi
    fi
fi

if wants compile; then
    echo "== compile"
    if $smoke; then
        scratch=$(mktemp -d)
        trap 'rm -rf "$scratch"' EXIT
        "$here/compile/run.sh" --routes 10 --roles 8 \
            --compilers "${CXX:-g++}" --out "$scratch/results.csv"
    else
        mkdir -p "$results"
        "$here/compile/run.sh" --out "$results/compile.csv"
    fi
fi

if wants http; then
    echo "== http"
    if ! command -v wrk >/dev/null; then
        echo "wrk is not installed: HTTP benchmark skipped"
    elif $smoke; then
        "$here/http/run.sh" --build-dir "$build" --smoke
    else
        mkdir -p "$results"
        "$here/http/run.sh" --build-dir "$build" --out "$results/http.csv"
    fi
fi
