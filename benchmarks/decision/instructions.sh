#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Counts the instructions of each case of the decision benchmark with
# callgrind: exact and unaffected by the machine's load, where timings of
# a nanosecond are not. Each case runs N times (the request path N/100
# times) between callgrind client requests; the table gives instructions
# per decision, and the same net of the benchmark loop (the
# "empty_loop" case).
#
#   benchmarks/decision/instructions.sh [--build-dir DIR]
#       [--iterations N] [--out FILE]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$root/build/release"
iterations=100000
out=""
while [ $# -gt 0 ]; do
    case "$1" in
    --build-dir) build="$2"; shift ;;
    --iterations) iterations="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "usage: $0 [--build-dir DIR] [--iterations N] [--out FILE]" >&2
       exit 2 ;;
    esac
    shift
done
command -v valgrind >/dev/null || {
    echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
binary="$build/benchmarks/clearance_decision_benchmark"
[ -x "$binary" ] || { echo "no $binary: build it first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$work/callgrind.out" \
    "$binary" --count-instructions="$iterations" >"$work/log" 2>&1 || {
    cat "$work/log" >&2; exit 1; }

python3 - "$work" "${out:-}" <<'PY'
import glob, os, sys
work, out = sys.argv[1], sys.argv[2]
counts = {}
for path in glob.glob(os.path.join(work, "callgrind.out.*")):
    label = total = None
    for line in open(path):
        prefix = "desc: Trigger: Client Request: "
        if line.startswith(prefix):
            label = line[len(prefix):].strip()
        elif line.startswith("totals: "):
            total = int(line.split()[1])
    if label and total is not None:
        name, n = label.rsplit("@", 1)
        counts[name] = total / int(n)
loop = counts.get("empty_loop", 0.0)
rows = [(name, per, per - loop) for name, per in counts.items()
        if name != "empty_loop"]
rows.sort(key=lambda r: r[0])
print(f'{"case":<48} {"instructions":>12} {"net of loop":>12}')
for name, per, net in rows:
    print(f"{name:<48} {per:>12.1f} {net:>12.1f}")
print(f'{"(empty loop)":<48} {loop:>12.1f}')
if out:
    with open(out, "w") as f:
        f.write("case,instructions,net_of_loop\n")
        for name, per, net in rows:
            f.write(f"{name},{per:.1f},{net:.1f}\n")
        f.write(f"empty_loop,{loop:.1f},0\n")
PY
