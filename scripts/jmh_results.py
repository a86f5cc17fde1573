"""Reads the JMH JSON result files of bench/, for scripts/jmh-table.py and scripts/bench-summary.py.

One record per benchmark and parameter set: every measured iteration of every fork (sorted), their median,
bytes per operation from -prof gc when present, and the floating-point work of one call where it is known:
sgemm counts 2mnk; an RNN call counts the GEMM work of its gates, 2 G H (in + H) per step, sequence and layer
(G = 4 LSTM, 3 GRU, 1 RNN), a training step three times the forward pass (forward, and the two GEMMs of
backward).
"""
import json

GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
CONFIGS = {"A": (128, 256, 100, 32, 1), "B": (128, 256, 100, 1, 1), "C": (64, 512, 50, 64, 2)}  # in, H, T, B, layers


def rnn_flop(cell, scenario):
    inp, hidden, steps, batch, layers = CONFIGS[scenario[0]]
    flop = 0
    for layer in range(layers):
        width = inp if layer == 0 else hidden
        flop += 2 * GATES[cell] * hidden * (width + hidden) * steps * batch
    return flop * (3 if scenario.endswith("training") else 1)


def median(sorted_samples):
    """The middle sample; for an even count the upper of the two middle ones (always a measured value)."""
    return sorted_samples[len(sorted_samples) // 2]


def records(paths):
    """Yields one dict per JMH result in the given files, in file order."""
    for path in paths:
        for r in json.load(open(path)):
            suite, method = r["benchmark"].rsplit(".", 2)[-2:]
            params = r.get("params", {})
            metric = r["primaryMetric"]
            samples = sorted(x for fork in metric.get("rawData", []) for x in fork) or [metric["score"]]
            flop = None
            if suite == "GemmBenchmark":
                m, k, n = map(int, params["shape"].split("x"))
                flop = 2 * m * k * n
            elif suite == "RnnBenchmark":
                flop = rnn_flop(params["cell"], params["scenario"])
            yield {"suite": suite, "method": method, "params": params, "unit": metric["scoreUnit"],
                   "samples": samples, "median": median(samples),
                   "alloc": r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score"),
                   "flop": flop, "json": r}
