#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Installs, from Debian 12's packages, whatever clearance's build, tests,
# examples and benchmarks need and this machine does not have yet.
set -euo pipefail

packages=(
    cmake make g++ clang clang-format
    libboost1.81-dev catch2 libbenchmark-dev
    libcpp-jwt-dev nlohmann-json3-dev libssl-dev libsqlite3-dev libspdlog-dev
    libpqxx-dev pkg-config curl
    # The deployment test: replicas on PostgreSQL behind nginx.
    postgresql nginx python3
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
        grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

echo "installing: ${missing[*]}"
run_as_root=()
if ((EUID != 0)); then
    run_as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${run_as_root[@]}" apt-get update -qq
"${run_as_root[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
