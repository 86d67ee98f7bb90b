#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Builds the libFuzzer targets with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs each for a bounded time (60 seconds
# by default, or the first argument), starting from the committed corpus.
# New inputs go to build/fuzz/corpus/<target>; a crash stops the run and
# is written as build/fuzz/crash-*: copy it into fuzz/corpus/<target>/ so
# that it runs as a regression test from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
scripts/install-dependencies.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"

for name in target router authorization jwt; do
    echo "== $name, ${seconds}s"
    mkdir -p "build/fuzz/corpus/$name"
    "build/fuzz/fuzz/clearance_${name}_fuzzer" \
        -max_total_time="$seconds" -max_len=4096 \
        -artifact_prefix="build/fuzz/crash-$name-" \
        "build/fuzz/corpus/$name" "fuzz/corpus/$name"
done
