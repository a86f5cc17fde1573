#!/usr/bin/env python3
"""Prints a markdown table from JMH JSON results of bench/ (GemmBenchmark: GFLOP/s; ActivationBenchmark:
elements per ns; RnnBenchmark: ms per call). Usage: python3 scripts/jmh-table.py bench/results/*.json"""
import json, sys

rows = []
for path in sys.argv[1:]:
    for r in json.load(open(path)):
        name = r["benchmark"].rsplit(".", 2)
        p = r.get("params", {})
        score, lo_hi = r["primaryMetric"]["score"], r["primaryMetric"].get("scorePercentiles", {})
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        raw = r["primaryMetric"].get("rawData", [[]])
        samples = sorted(x for fork in raw for x in fork)
        median = samples[len(samples) // 2] if samples else score
        lo, hi = (samples[0], samples[-1]) if samples else (score, score)
        if name[-2] == "GemmBenchmark":
            m, k, n = map(int, p["shape"].split("x"))
            flop = 2 * m * k * n
            rate = lambda us: flop / us / 1e3
            rows.append(("sgemm " + p["shape"], p["impl"], p["threads"], f"{rate(median):.1f} GFLOP/s",
                         f"{rate(hi):.1f}-{rate(lo):.1f}", alloc))
        elif name[-2] == "RnnBenchmark":
            rows.append((p["cell"] + " " + p["scenario"].replace("_", " "), "vecrnn", p["threads"], f"{median:.2f} ms",
                         f"{lo:.2f}-{hi:.2f}", alloc))
        else:
            n = int(p.get("n", 1))
            rows.append((name[-1], "", "1", f"{n / median:.2f} elem/ns", f"{n / hi:.2f}-{n / lo:.2f}", alloc))

print("| benchmark | impl | threads | median | min-max | B/op |")
print("|---|---|---|---|---|---|")
for b, impl, t, med, rng, alloc in rows:
    print(f"| {b} | {impl} | {t} | {med} | {rng} | {'' if alloc is None else f'{alloc:.2f}'} |")
