#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Loads the benchmark servers with wrk on loopback, one at a time, with
# the same request mix (requests.lua), and reports requests per second,
# latency percentiles and the guarded/unguarded ratio.
#
#   benchmarks/http/run.sh [--build-dir DIR] [--duration SECONDS]
#       [--rounds N] [--connections N] [--variants "unguarded guarded"]
#       [--no-screen] [--out FILE] [--smoke]
#
# Variants: unguarded, guarded, remembered (guarded, its JWT
# authenticator remembering 4096 verified tokens), fixed (see
# server.cpp) and express
# (express/server.js, installed here with npm install). Each round runs
# every variant once, in turn, so that the machine's background load
# falls on all of them alike; ratios are taken within a round. Every
# server gets one thread (Node has one), wrk one thread and 16
# connections. --smoke runs each variant for one second.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

build="$root/build/release"
duration=10
rounds=3
connections=16
variants="unguarded guarded remembered fixed express"
screen_flag=""
out=""
warmup=2
while [ $# -gt 0 ]; do
    case "$1" in
    --build-dir) build="$2"; shift ;;
    --duration) duration="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --connections) connections="$2"; shift ;;
    --variants) variants="$2"; shift ;;
    --no-screen) screen_flag="--no-screen" ;;
    --out) out="$2"; shift ;;
    --smoke) duration=1; rounds=1; warmup=0 ;;
    *) echo "usage: $0 [--build-dir DIR] [--duration S] [--rounds N]" \
            "[--connections N] [--variants LIST] [--no-screen] [--out FILE]" \
            "[--smoke]" >&2
       exit 2 ;;
    esac
    shift
done

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
bin="$build/benchmarks/http"
[ -x "$bin/clearance_http_bench_guarded" ] || {
    echo "no servers in $bin: build the release preset first" >&2; exit 1; }
export TOKEN
TOKEN=$("$bin/clearance_http_bench_guarded" token alice)

work=$(mktemp -d)
server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap 'stop_server; rm -rf "$work"' EXIT

if [[ " $variants " == *" express "* ]]; then
    if ! command -v node >/dev/null; then
        echo "no node: express skipped" >&2
        variants=${variants//express/}
    elif [ ! -d "$here/express/node_modules" ]; then
        (cd "$here/express" && npm install --no-audit --no-fund >/dev/null) || {
            echo "npm install failed: express skipped" >&2
            variants=${variants//express/}
        }
    fi
fi

# Starts a variant on a free port; sets server_pid and port.
start_server() {
    local log="$work/$1.log"
    : >"$log"
    case "$1" in
    express) node "$here/express/server.js" >"$log" 2>&1 & ;;
    remembered) "$bin/clearance_http_bench_guarded" serve --threads 1 \
           --remember 4096 $screen_flag >"$log" 2>&1 & ;;
    *) "$bin/clearance_http_bench_$1" serve --threads 1 $screen_flag \
           >"$log" 2>&1 & ;;
    esac
    server_pid=$!
    for _ in $(seq 100); do
        port=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$log")
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    echo "$1 did not start:" >&2
    cat "$log" >&2
    exit 1
}

results="$work/results.csv"
echo "round,variant,requests_per_second,p50_ms,p90_ms,p99_ms,non2xx,socket_errors" >"$results"
for round in $(seq "$rounds"); do
    for variant in $variants; do
        start_server "$variant"
        url="http://127.0.0.1:$port"
        if [ "$warmup" -gt 0 ]; then
            wrk -t1 -c"$connections" -d"${warmup}s" -s "$here/requests.lua" \
                "$url" >/dev/null
        fi
        line=$(wrk -t1 -c"$connections" -d"${duration}s" --latency \
                   -s "$here/requests.lua" "$url" | sed -n 's/^RESULT //p')
        stop_server
        python3 - "$round" "$variant" "$line" >>"$results" <<'PY'
import json, sys
r = json.loads(sys.argv[3])
rps = r["requests"] / (r["duration_us"] / 1e6)
print(f'{sys.argv[1]},{sys.argv[2]},{rps:.0f},{r["p50_us"] / 1000:.3f},'
      f'{r["p90_us"] / 1000:.3f},{r["p99_us"] / 1000:.3f},{r["non2xx"]},'
      f'{r["socket_errors"]}')
PY
        tail -n 1 "$results"
    done
done

python3 - "$results" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows:
    by.setdefault(r["variant"], []).append(r)
print()
print(f'{"variant":<10} {"req/s (median)":>15} {"p50 ms":>8} {"p90 ms":>8} '
      f'{"p99 ms":>8} {"non-2xx":>8}')
for v, rs in by.items():
    med = lambda k: statistics.median(float(x[k]) for x in rs)
    print(f'{v:<10} {med("requests_per_second"):>15.0f} {med("p50_ms"):>8.3f} '
          f'{med("p90_ms"):>8.3f} {med("p99_ms"):>8.3f} '
          f'{int(med("non2xx")):>8}')
def ratio(a, b):
    rounds = {}
    for r in rows:
        rounds.setdefault(r["round"], {})[r["variant"]] = float(r["requests_per_second"])
    values = [x[a] / x[b] for x in rounds.values() if a in x and b in x]
    if values:
        print(f'{a}/{b}: median {statistics.median(values):.3f} '
              f'(rounds: {", ".join(f"{v:.3f}" for v in values)})')
print()
for a, b in [("guarded", "unguarded"), ("remembered", "unguarded"),
             ("fixed", "unguarded"), ("guarded", "express"),
             ("remembered", "express")]:
    ratio(a, b)
PY
if [ -n "$out" ]; then
    cp "$results" "$out"
    echo "results: $out"
fi
