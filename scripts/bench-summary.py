#!/usr/bin/env python3
"""Writes one CSV summary of JMH JSON results from bench/ (the file notebook 9 reads).

Usage: python3 scripts/bench-summary.py bench/results/*.json > bench/results/summary.csv

One row per benchmark and parameter set: the median and min-max over every measured iteration of every fork
(not JMH's mean), bytes per operation from -prof gc when present, and GFLOP/s where the work is known:
sgemm counts 2mnk; an RNN call counts the GEMM work of its gates, 2 G H (in + H) per step, sequence and layer
(G = 4 LSTM, 3 GRU, 1 RNN), a training step three times the forward pass (forward, and the two GEMMs of
backward). Lines starting with # describe the run: JDK, JMH, CPU and the result files.
"""
import json
import os
import platform
import sys

GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
CONFIGS = {"A": (128, 256, 100, 32, 1), "B": (128, 256, 100, 1, 1), "C": (64, 512, 50, 64, 2)}  # in, H, T, B, layers


def rnn_flop(cell, scenario):
    inp, hidden, steps, batch, layers = CONFIGS[scenario[0]]
    flop = 0
    for layer in range(layers):
        width = inp if layer == 0 else hidden
        flop += 2 * GATES[cell] * hidden * (width + hidden) * steps * batch
    return flop * (3 if scenario.endswith("training") else 1)


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
    for path in sys.argv[1:]:
        for r in json.load(open(path)):
            jdk.add(r.get("vmVersion", "?"))
            jmh.add(r.get("jmhVersion", "?"))
            suite, method = r["benchmark"].rsplit(".", 2)[-2:]
            p = r.get("params", {})
            metric = r["primaryMetric"]
            samples = sorted(x for fork in metric.get("rawData", []) for x in fork) or [metric["score"]]
            median = samples[len(samples) // 2] if len(samples) % 2 else 0.5 * (samples[len(samples) // 2 - 1] + samples[len(samples) // 2])
            alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
            unit = metric["scoreUnit"]
            flop = None
            if suite == "GemmBenchmark":
                m, k, n = map(int, p["shape"].split("x"))
                flop = 2 * m * k * n
            elif suite == "RnnBenchmark":
                flop = rnn_flop(p["cell"], p["scenario"])
            seconds = {"us/op": 1e-6, "ms/op": 1e-3, "ns/op": 1e-9}.get(unit)
            gflops = "" if flop is None or seconds is None else f"{flop / (median * seconds) / 1e9:.4f}"
            rows.append([suite, method, p.get("impl", "vecrnn"), p.get("cell", ""), p.get("scenario", ""),
                         p.get("shape", p.get("n", "")), p.get("threads", str(r.get("threads", 1))), unit,
                         f"{median:.6g}", f"{samples[0]:.6g}", f"{samples[-1]:.6g}", len(samples), r.get("forks", ""),
                         "" if alloc is None else f"{alloc:.3f}", "" if flop is None else flop, gflops])
    print(f"# cpu: {cpu_model()}, {os.cpu_count()} logical processors")
    print(f"# jdk: {', '.join(sorted(jdk))}; jmh: {', '.join(sorted(jmh))}")
    print(f"# results: {', '.join(os.path.basename(a) for a in sys.argv[1:])}")
    print("suite,benchmark,impl,cell,scenario,shape,threads,unit,median,min,max,samples,forks,bytes_per_op,flop,gflops")
    for row in rows:
        print(",".join(str(x) for x in row))


if __name__ == "__main__":
    main()
