#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Builds and runs the consumer project twice: against clearance installed
# with `cmake --install`, and against the source tree with
# add_subdirectory. Usage: check.sh SOURCE_DIR WORK_DIR COMPILER
set -euo pipefail
source_dir=$1 work=$2 compiler=$3
rm -rf "$work"
mkdir -p "$work"

cmake -S "$source_dir" -B "$work/clearance" -DCMAKE_CXX_COMPILER="$compiler" \
    -DCLEARANCE_BUILD_TESTS=OFF -DCLEARANCE_BUILD_EXAMPLES=OFF \
    -DCLEARANCE_BUILD_BENCHMARKS=OFF -DCMAKE_INSTALL_PREFIX=/usr/local \
    >/dev/null
# Installed elsewhere than configured, as packagers and users of
# `cmake --install --prefix` do: the package must find itself.
cmake --install "$work/clearance" --prefix "$work/prefix" >/dev/null

echo "== installed package"
cmake -S "$source_dir/tests/consumer" -B "$work/installed" \
    -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_PREFIX_PATH="$work/prefix" \
    >/dev/null
cmake --build "$work/installed" >/dev/null
"$work/installed/consumer"

echo "== pkg-config"
# The installed clearance.pc gives the include path and the language
# level; Boost's headers are on the compiler's default path on Debian. A
# policy checked by the compiler is enough to prove the flags find the
# headers.
flags=$(PKG_CONFIG_PATH="$work/prefix/share/pkgconfig" \
    pkg-config --cflags clearance)
printf '%s\n' '#include <clearance/policy.hpp>' \
    'using p = clearance::permission<"p">;' \
    'struct r : clearance::role<"r", clearance::grants<p>> {};' \
    'static_assert(clearance::policy<clearance::roles<r>>::role_holds<r, p>);' \
    'int main() {}' >"$work/pkg-config.cpp"
# shellcheck disable=SC2086 # the flags are words
"$compiler" $flags "$work/pkg-config.cpp" -o "$work/pkg-config"
"$work/pkg-config"
echo "pkg-config --cflags clearance: $flags"

echo "== add_subdirectory"
cmake -S "$source_dir/tests/consumer" -B "$work/subdirectory" \
    -DCMAKE_CXX_COMPILER="$compiler" -DCLEARANCE_SOURCE_DIR="$source_dir" \
    >/dev/null
cmake --build "$work/subdirectory" >/dev/null
"$work/subdirectory/consumer"
