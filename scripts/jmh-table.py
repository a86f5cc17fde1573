#!/usr/bin/env python3
"""Prints a markdown table from JMH JSON results of bench/ (GemmBenchmark: GFLOP/s; ActivationBenchmark:
elements per ns; RnnBenchmark: ms per call). Usage: python3 scripts/jmh-table.py bench/results/*.json"""
import sys

from jmh_results import records

rows = []
for r in records(sys.argv[1:]):
    p, median, alloc = r["params"], r["median"], r["alloc"]
    lo, hi = r["samples"][0], r["samples"][-1]
    if r["suite"] == "GemmBenchmark":
        rate = lambda us: r["flop"] / us / 1e3
        rows.append(("sgemm " + p["shape"], p["impl"], p["threads"], f"{rate(median):.1f} GFLOP/s",
                     f"{rate(hi):.1f}-{rate(lo):.1f}", alloc))
    elif r["suite"] == "RnnBenchmark":
        rows.append((p["cell"] + " " + p["scenario"].replace("_", " "), "vecrnn", p["threads"], f"{median:.2f} ms",
                     f"{lo:.2f}-{hi:.2f}", alloc))
    else:
        n = int(p.get("n", 1))
        rows.append((r["method"], "", "1", f"{n / median:.2f} elem/ns", f"{n / hi:.2f}-{n / lo:.2f}", alloc))

print("| benchmark | impl | threads | median | min-max | B/op |")
print("|---|---|---|---|---|---|")
for b, impl, t, med, rng, alloc in rows:
    print(f"| {b} | {impl} | {t} | {med} | {rng} | {'' if alloc is None else f'{alloc:.2f}'} |")
