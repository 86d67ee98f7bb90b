#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# The compile-time benchmark: generates applications of N routes over R
# roles, with clearance and with hand-written runtime checks
# (generate.py), compiles each with g++ and clang++ (-std=c++20 -O2 -c)
# one at a time, and writes wall time, user time and peak memory to a
# CSV file.
#
#   benchmarks/compile/run.sh [--full] [--routes "10 50"] [--roles "8"]
#                             [--compilers "g++ clang++"] [--out FILE]
#                             [--timeout SECONDS]
#
# By default: N in {10, 50, 200} and R in {8, 64}, 24 compiles. --full
# adds N = 500 and R = 256: all 48. A compile that fails or times out is
# recorded with its status, and its first error kept in the log folder
# next to the CSV file.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

routes="10 50 200"
roles="8 64"
compilers="g++ clang++"
out="$root/build/compile-benchmark/results.csv"
limit=1200
while [ $# -gt 0 ]; do
    case "$1" in
    --full) routes="10 50 200 500"; roles="8 64 256" ;;
    --routes) routes="$2"; shift ;;
    --roles) roles="$2"; shift ;;
    --compilers) compilers="$2"; shift ;;
    --out) out="$2"; shift ;;
    --timeout) limit="$2"; shift ;;
    *) echo "usage: $0 [--full] [--routes LIST] [--roles LIST]" \
            "[--compilers LIST] [--out FILE] [--timeout SECONDS]" >&2
       exit 2 ;;
    esac
    shift
done

work=$(dirname "$out")
mkdir -p "$work/sources" "$work/logs"
if [ ! -s "$out" ]; then
    echo "compiler,form,routes,roles,wall_seconds,user_seconds,peak_kib,status" \
        >"$out"
fi

for cxx in $compilers; do
    command -v "$cxx" >/dev/null || { echo "no $cxx; skipped" >&2; continue; }
    for n in $routes; do
        for r in $roles; do
            for form in clearance runtime; do
                name="$form-$n-routes-$r-roles"
                source="$work/sources/$name.cpp"
                python3 "$here/generate.py" --routes "$n" --roles "$r" \
                    --form "$form" -o "$source"
                log="$work/logs/$name-$cxx.log"
                status=ok
                # %e wall, %U user seconds, %M peak resident KiB.
                if ! timeout "$limit" /usr/bin/time -o "$log.time" \
                        -f "%e %U %M" "$cxx" -std=c++20 -O2 -c \
                        -I"$root/include" "$source" -o /dev/null \
                        >"$log" 2>&1; then
                    status=failed
                    grep -q "Command terminated by signal" "$log.time" \
                        2>/dev/null && status=killed
                fi
                read -r wall user peak < <(tail -n 1 "$log.time" \
                    | grep -E '^[0-9.]+ [0-9.]+ [0-9]+$' \
                    || echo "$limit 0 0")
                [ "$wall" = "$limit" ] && status=timeout
                echo "$cxx,$form,$n,$r,$wall,$user,$peak,$status" >>"$out"
                printf '%-8s %-9s N=%-3s R=%-3s %7ss %7ss user %8s KiB %s\n' \
                    "$cxx" "$form" "$n" "$r" "$wall" "$user" "$peak" "$status"
            done
        done
    done
done
echo "results: $out"
