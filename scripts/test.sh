#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Installs what is missing, then builds and runs the whole test suite:
# with g++ and with clang++ (warnings as errors), again under
# AddressSanitizer and UndefinedBehaviorSanitizer, and finally a user's
# project that consumes clearance installed and as a subdirectory.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-dependencies.sh
jobs=$(nproc)

for preset in gcc clang sanitize; do
    echo "== $preset"
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset" -j "$jobs"
    ctest --preset "$preset" -j "$jobs"
done

echo "== consumer projects"
tests/consumer/check.sh "$PWD" "$PWD/build/consumer" g++
