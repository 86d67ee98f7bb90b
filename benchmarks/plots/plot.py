#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""Draws the figures of docs/benchmarks.md with gnuplot, from the files
that benchmarks/run-all.sh writes:

- decision-policy-size.png: policy size against decision time, from the
  decision benchmark's JSON (the medians of its repetitions);
- compile-routes.png: routes against compile time (user CPU time, less
  disturbed by other work on the machine than wall time), from the
  compile benchmark's CSV.

    plot.py --decision decision.json --compile compile.csv --out docs/images
"""

import argparse
import csv
import json
import os
import subprocess
import tempfile

FORMS = [("clearance", "clearance"), ("role_vector", "role names in a vector"),
         ("permission_map", "role-to-permission map")]


def decision_plot(source, out, work):
    data = json.load(open(source))
    times = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name", "median") != "median":
            continue
        name = b.get("run_name", b["name"])
        times[name] = b["real_time"]
    floor = times.get("one_permission/floor")
    panels = []
    for route, title in [("one_permission", "one permission"),
                         ("three_permissions_owned",
                          "three permissions and ownership")]:
        series = []
        for key, label in FORMS:
            path = os.path.join(work, f"{route}-{key}.dat")
            with open(path, "w") as f:
                for roles in (4, 64, 512):
                    t = times.get(f"{route}/{key}/roles:{roles}")
                    if t is not None:
                        f.write(f"{roles} {t}\n")
            series.append(f"'{path}' using 1:2 with linespoints title '{label}'")
        if floor is not None:
            series.append(f"{floor} with lines dashtype 2 lc rgb 'gray40' "
                          f"title 'floor: one 64-bit AND and compare'")
        panels.append((title, series))
    script = [
        "set terminal pngcairo size 1100,520 font 'sans,10'",
        f"set output '{os.path.join(out, 'decision-policy-size.png')}'",
        "set multiplot layout 1,2 title 'One authorisation decision, "
        "time against policy size (median of 3 runs; shared machine)'",
        "set logscale xy", "set xtics (4, 64, 512)",
        "set xrange [3:700]", "set yrange [0.1:3000]",
        "set xlabel 'roles in the policy'", "set ylabel 'ns per decision'",
        "set key top right font ',9' opaque", "set grid"]
    for title, series in panels:
        script.append(f"set title '{title}'")
        script.append("plot " + ", ".join(series))
    script.append("unset multiplot")
    return script


def compile_plot(source, out, work):
    rows = [r for r in csv.DictReader(open(source)) if r["status"] == "ok"]
    roles_seen = sorted({int(r["roles"]) for r in rows})
    colours = {("g++", "clearance"): "#7b2fbe", ("clang++", "clearance"): "#1f77b4",
               ("g++", "runtime"): "#2ca02c", ("clang++", "runtime"): "#ff7f0e"}
    panels = []
    for roles in roles_seen:
        series = []
        for cxx in ("g++", "clang++"):
            for form, label in (("clearance", "clearance"),
                                ("runtime", "runtime checks")):
                points = sorted((int(r["routes"]), float(r["user_seconds"]))
                                for r in rows if r["compiler"] == cxx and
                                r["form"] == form and int(r["roles"]) == roles)
                if not points:
                    continue
                path = os.path.join(work, f"compile-{cxx}-{form}-{roles}.dat")
                with open(path, "w") as f:
                    for n, t in points:
                        f.write(f"{n} {t}\n")
                dash = 1 if form == "clearance" else 2
                series.append(f"'{path}' using 1:2 with linespoints "
                              f"dashtype {dash} lw 1.5 "
                              f"lc rgb '{colours[(cxx, form)]}' "
                              f"title '{label}, {cxx}'")
        panels.append((f"{roles} roles", series))
    script = [
        "set terminal pngcairo size 1200,480 font 'sans,10'",
        f"set output '{os.path.join(out, 'compile-routes.png')}'",
        f"set multiplot layout 1,{len(panels)} title 'Compiling one "
        "application (-std=c++20 -O2 -c): CPU time against routes; "
        "missing points did not compile (shared machine)'",
        "set xlabel 'routes'", "set ylabel 'user CPU seconds'",
        "set key top left font ',9' opaque", "set grid",
        "set yrange [0:*]", "set xrange [0:*]", "set offsets 0, 0, graph 0.4, 0"]
    for title, series in panels:
        script.append(f"set title '{title}'")
        script.append("plot " + ", ".join(series))
    script.append("unset multiplot")
    return script


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--decision")
    parser.add_argument("--compile")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        scripts = []
        if args.decision:
            scripts.append(decision_plot(args.decision, args.out, work))
        if args.compile:
            scripts.append(compile_plot(args.compile, args.out, work))
        for script in scripts:
            subprocess.run(["gnuplot"], input="\n".join(script) + "\n",
                           text=True, check=True)


if __name__ == "__main__":
    main()
