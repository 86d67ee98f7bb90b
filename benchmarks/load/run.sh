#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Load test of the example documents service. Builds the release
# preset's docs-service, serves it on a free loopback port over a
# temporary database, and loads it with wrk for a bounded time (20
# seconds by default, or the first argument): 2 threads, 50 connections,
# the request mix of mix.lua, whose every answer is checked against what
# its kind of request must get. Prints requests per second, latency
# percentiles, mismatches and the server's resident memory (VmRSS)
# before, during and after the load. Fails if any answer was wrong, or
# if the server died or stopped answering.
#
#   benchmarks/load/run.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-20}
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1 || seconds > 3600)); then
    echo "usage: benchmarks/load/run.sh [seconds, 1 to 3600]" >&2
    exit 2
fi

if ! command -v wrk >/dev/null; then
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then
        sudo=sudo
    fi
    $sudo apt-get install -y --no-install-recommends wrk ||
        { $sudo apt-get update && $sudo apt-get install -y \
            --no-install-recommends wrk; }
fi

cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target docs-service
service=build/release/examples/docs_service/docs-service

work=$(mktemp -d)
server=""
sampler=""
cleanup() {
    if [[ -n $sampler ]]; then
        kill "$sampler" 2>/dev/null || true
    fi
    if [[ -n $server ]]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Port 0: the system picks a free port, which the service prints.
"$service" serve --address 127.0.0.1 --port 0 --db "$work/docs.db" \
    >"$work/server.log" 2>&1 &
server=$!
port=""
for _ in $(seq 100); do
    port=$(sed -n 's|^docs-service listening on .*:\([0-9]*\) .*|\1|p' \
        "$work/server.log")
    if [[ -n $port ]] || ! kill -0 "$server" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if [[ -z $port ]]; then
    echo "load: the service did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
fi

token() { "$service" token "$1" --db "$work/docs.db"; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$server/status" 2>/dev/null; }

# Whether the service answers GET /health with 200.
healthy() {
    local status
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf '%s\r\n' "GET /health HTTP/1.1" "Host: 127.0.0.1" \
        "Connection: close" "" >&3
    IFS= read -r -t 5 status <&3 || true
    exec 3<&- 3>&-
    [[ $status == "HTTP/1.1 200 OK"* ]]
}

healthy || { echo "load: the service does not answer" >&2; exit 1; }
rss_before=$(rss)

# One sample a second while wrk runs.
(
    while kill -0 "$server" 2>/dev/null; do
        rss >>"$work/rss"
        sleep 1
    done
) &
sampler=$!

echo "== load: ${seconds}s, 2 threads, 50 connections, http://127.0.0.1:$port"
wrk --threads 2 --connections 50 --duration "${seconds}s" --timeout 5s \
    --latency --script benchmarks/load/mix.lua "http://127.0.0.1:$port" \
    -- "$(token alice)" "$(token bob)" "$(token root)" | tee "$work/wrk.out"

kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=""
sleep 2

failed=0
alive=yes
if ! kill -0 "$server" 2>/dev/null || ! healthy; then
    alive=no
    failed=1
fi
rss_after=$(rss || true)
rss_peak=$(sort -n "$work/rss" | tail -n 1)
rss_last=$(tail -n 1 "$work/rss")
mismatches=$(sed -n 's/^mismatches: \([0-9]*\)$/\1/p' "$work/wrk.out")
checked=$(sed -n 's/^responses checked: \([0-9]*\);.*/\1/p' "$work/wrk.out")

echo
echo "== summary"
echo "requests/s:  $(sed -n 's/^Requests\/sec: *//p' "$work/wrk.out")"
grep '^latency (ms):' "$work/wrk.out" || true
echo "checked:     ${checked:-0} responses, ${mismatches:-unknown} mismatches"
echo "server:      alive and answering: $alive"
echo "VmRSS (kB):  before ${rss_before:-?}, during peak ${rss_peak:-?}" \
    "(last sample ${rss_last:-?}), after ${rss_after:-?}"

if [[ ${mismatches:-x} != 0 || ${checked:-0} -eq 0 ]]; then
    failed=1
fi
if ((failed)); then
    echo "load: FAILED" >&2
    exit 1
fi
