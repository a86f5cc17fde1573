#!/usr/bin/env python3
"""Writes one CSV summary of JMH JSON results from bench/ (the file notebook 9 reads).

Usage: python3 scripts/bench-summary.py bench/results/*.json > bench/results/summary.csv

One row per benchmark and parameter set: the median and min-max over every measured iteration of every fork
(not JMH's mean), bytes per operation from -prof gc when present, and GFLOP/s where the work is known (see
jmh_results.py for how it is counted). Lines starting with # describe the run: JDK, JMH, CPU and the result
files.
"""
import os
import platform
import sys

from jmh_results import records


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    rows, jdk, jmh = [], set(), set()
    for r in records(sys.argv[1:]):
        jdk.add(r["json"].get("vmVersion", "?"))
        jmh.add(r["json"].get("jmhVersion", "?"))
        p, samples, median, alloc, flop, unit = r["params"], r["samples"], r["median"], r["alloc"], r["flop"], r["unit"]
        seconds = {"us/op": 1e-6, "ms/op": 1e-3, "ns/op": 1e-9}.get(unit)
        gflops = "" if flop is None or seconds is None else f"{flop / (median * seconds) / 1e9:.4f}"
        rows.append([r["suite"], r["method"], p.get("impl", "vecrnn"), p.get("cell", ""), p.get("scenario", ""),
                     p.get("shape", p.get("n", "")), p.get("threads", str(r["json"].get("threads", 1))), unit,
                     f"{median:.6g}", f"{samples[0]:.6g}", f"{samples[-1]:.6g}", len(samples), r["json"].get("forks", ""),
                     "" if alloc is None else f"{alloc:.3f}", "" if flop is None else flop, gflops])
    print(f"# cpu: {cpu_model()}, {os.cpu_count()} logical processors")
    print(f"# jdk: {', '.join(sorted(jdk))}; jmh: {', '.join(sorted(jmh))}")
    print(f"# results: {', '.join(os.path.basename(a) for a in sys.argv[1:])}")
    print("suite,benchmark,impl,cell,scenario,shape,threads,unit,median,min,max,samples,forks,bytes_per_op,flop,gflops")
    for row in rows:
        print(",".join(str(x) for x in row))


if __name__ == "__main__":
    main()
