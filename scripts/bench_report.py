#!/usr/bin/env python3
"""The report of one bench run (scripts/bench.sh): results.csv, table.md and chart.png in the run's directory.

  python3 scripts/bench_report.py RUN_DIR          read RUN_DIR/{machine.json,jmh,dl4j,torch}, write the report
  python3 scripts/bench_report.py --describe MODE PEAK_JSON  print the machine description as JSON (bench.sh's
                                                   machine.json), with the FMA peak FmaPeak measured

Every figure is a median over all measured iterations of all forks (for an even count the upper of the two
middle samples, so always a measured value), with the min and max beside it. Ratios are vecrnn / peer in speed,
i.e. the peer's time divided by vecrnn's: above 1 vecrnn is faster, below 1 it is slower and the table shows it
in bold. GFLOP/s count the matrix work only: 2mkn for sgemm; for a recurrent layer 2 G H (in + H) per step,
sequence and layer (G = 4 LSTM, 3 GRU, 1 RNN), three times that for a training step (forward and backward's two
products); element-wise work is not counted, so RNN rates are a lower bound.
"""
import csv
import datetime
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys

GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1}
CONFIGS = {"A": (128, 256, 100, 32, 1), "B": (128, 256, 100, 1, 1), "C": (64, 512, 50, 64, 2)}  # in, H, T, B, layers
SCENARIOS = ["A_inference", "A_training", "B_inference", "C_inference", "C_training"]
SHAPES = ["128x128x128", "256x256x256", "512x512x512", "1024x1024x1024", "64x256x1024", "64x512x2048",
          "32x384x1024", "1x384x1024"]
PEERS = {"onnxruntime": "ONNX Runtime", "pytorch": "PyTorch", "dl4j": "DL4J", "ejml": "EJML",
         "plainjava": "plain Java", "scalar": "scalar twin", "vecrnn": "vecrnn"}
COLUMNS = ["suite", "benchmark", "impl", "cell", "scenario", "shape", "threads", "setting", "unit", "median", "min",
           "max", "samples", "forks", "bytes_per_op", "flop", "gflops"]


def rnn_flop(cell, scenario):
    inp, hidden, steps, batch, layers = CONFIGS[scenario[0]]
    flop = sum(2 * GATES[cell] * hidden * ((inp if layer == 0 else hidden) + hidden) * steps * batch
               for layer in range(layers))
    return flop * (3 if scenario.endswith("training") else 1)


def median(samples):
    return sorted(samples)[len(samples) // 2]


def row(suite, benchmark, impl, samples, unit, forks, cell="", scenario="", shape="", threads="1", setting="",
        alloc=None, flop=None):
    samples = sorted(samples)
    mid = median(samples)
    seconds = {"ms/op": 1e-3, "us/op": 1e-6, "ns/op": 1e-9}[unit]
    return {"suite": suite, "benchmark": benchmark, "impl": impl, "cell": cell, "scenario": scenario,
            "shape": shape, "threads": str(threads), "setting": setting, "unit": unit, "median": mid,
            "min": samples[0], "max": samples[-1], "samples": len(samples), "forks": forks,
            "bytes_per_op": alloc, "flop": flop, "gflops": None if flop is None else flop / (mid * seconds) / 1e9,
            "raw": samples}


def pooled(rows):
    """One row per benchmark and setting: rows measured twice in one run (two JMH invocations) pool their samples,
    as more forks would; bytes per operation is then their mean."""
    keys = ("suite", "benchmark", "impl", "cell", "scenario", "shape", "threads", "setting")
    groups = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in keys), []).append(r)
    out = []
    for (suite, benchmark, impl, cell, scenario, shape, threads, setting), same in groups.items():
        allocs = [r["bytes_per_op"] for r in same if r["bytes_per_op"] is not None]
        out.append(row(suite, benchmark, impl, [x for r in same for x in r["raw"]], same[0]["unit"],
                       sum(r["forks"] for r in same), cell, scenario, shape, threads, setting,
                       sum(allocs) / len(allocs) if allocs else None, same[0]["flop"]))
    return out


def jmh_rows(path):
    """Rows of one JMH JSON result file. DL4J's thread settings are environment variables: its file names say
    whether OMP_WAIT_POLICY=PASSIVE was set."""
    out = []
    for r in json.load(open(path)):
        suite, method = r["benchmark"].rsplit(".", 2)[-2:]
        p = r.get("params", {})
        metric = r["primaryMetric"]
        samples = [x for fork in metric.get("rawData", []) for x in fork] or [metric["score"]]
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        cell = p.get("cell", "LSTM" if suite == "Dl4jLstmBenchmark" else "")
        scenario, flop = p.get("scenario", ""), None
        impl = {"OrtRnnBenchmark": "onnxruntime", "Dl4jLstmBenchmark": "dl4j"}.get(suite, p.get("impl", "vecrnn"))
        if suite == "GemmBenchmark":
            m, k, n = map(int, p["shape"].split("x"))
            flop = 2 * m * k * n
        elif scenario and suite != "FirstCallBenchmark":
            flop = rnn_flop(cell, scenario)
        threads = p.get("threads", "1")
        setting = ""
        if suite == "Dl4jLstmBenchmark":
            policy = "PASSIVE" if "passive" in os.path.basename(path) else "default"
            setting = f"OMP_NUM_THREADS={threads} OMP_WAIT_POLICY={policy}"
        out.append(row(suite, method, impl, samples, metric["scoreUnit"], r.get("forks", 1), cell, scenario,
                       p.get("shape", p.get("n", "")), threads, setting, alloc, flop))
    return out


def torch_rows(run):
    """Rows of the PyTorch runs: forks of one setting are merged, like JMH's forks."""
    groups, first, cores = {}, {}, {}
    version = None
    for path in sorted(glob.glob(os.path.join(run, "torch", "*.json"))):
        data = json.load(open(path))
        s = data["setting"]
        version = s["torch"]
        for r in data["results"]:
            if "samples_ms" in r:
                setting = "OMP_WAIT_POLICY=" + s["omp_wait_policy"]
                groups.setdefault((r["cell"], r["scenario"], s["threads"], setting), []).append(r["samples_ms"])
                if "cpu_per_wall" in r:   # the cores the process kept busy (bench_torch.py refuses more than asked)
                    cores[s["threads"]] = max(cores.get(s["threads"], 0.0), statistics.median(r["cpu_per_wall"]))
            else:
                first.setdefault((r["cell"], r["scenario"]), []).append(r["first_call_ms"])
    rows = [row("bench_torch", "step", "pytorch", [x for fork in forks for x in fork], "ms/op", len(forks), cell,
                scenario, "", threads, setting, None, rnn_flop(cell, scenario))
            for (cell, scenario, threads, setting), forks in groups.items()]
    rows += [row("bench_torch", "firstCall", "pytorch", values, "ms/op", len(values), cell, scenario)
             for (cell, scenario), values in first.items()]
    return rows, version, cores


def describe(mode, peak_json):
    def first_line(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "unknown"
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    flags = next((l for l in open("/proc/cpuinfo") if l.startswith("flags")), "")
    pom = open("pom.xml").read()
    dl4j_pom = open("bench/dl4j/pom.xml").read()
    prop = lambda text, name: re.search(f"<{name}>([^<]+)</{name}>", text).group(1)
    java = os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "java")
    peak = json.load(open(peak_json))
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "mode": mode,
        "cpu": cpu, "logical_processors": os.cpu_count(), "avx512f": " avx512f" in flags,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": first_line(["uname", "-sr"]), "jdk": first_line([java, "-version"]),
        "python": platform.python_version(),
        # measured in this run (io.github.vecrnn.bench.FmaPeak): one core, the preferred vector width, and each narrower
        "fma_peak_gflops_per_core": peak["gflops"][str(peak["preferred_bits"])],
        "fma_peak_by_width": peak["gflops"],
        "versions": {"jmh": prop(pom, "jmh.version"), "ejml": prop(pom, "ejml.version"),
                     "onnxruntime": prop(pom, "onnxruntime.version"), "deeplearning4j": prop(dl4j_pom, "dl4j.version"),
                     "openblas (dl4j)": prop(dl4j_pom, "openblas.version")},
        "command": f"./vecrnn bench {mode}",
    }


def find(rows, **match):
    hits = [r for r in rows if all(r[k] == v for k, v in match.items())]
    return min(hits, key=lambda r: r["median"]) if hits else None


def rnn_comparisons(rows):
    """(cell, scenario, threads, vecrnn's row, {peer: its fastest row or None}) for every RNN row vecrnn has."""
    for cell in GATES:
        for scenario in SCENARIOS:
            for t in ("1", "2"):
                v = find(rows, suite="RnnBenchmark", cell=cell, scenario=scenario, threads=t)
                if v is not None:
                    yield cell, scenario, t, v, {impl: find(rows, impl=impl, cell=cell, scenario=scenario, threads=t,
                                                            benchmark=b)
                                                 for impl, b in (("onnxruntime", "run"), ("pytorch", "step"),
                                                                 ("dl4j", "step"))}


def fmt(value, digits=3):
    if value is None:
        return "-"
    return f"{value:.{digits}g}" if value < 100 else f"{value:.0f}"


def ratio(vecrnn, peer, slower_is_bold=True):
    if vecrnn is None or peer is None:
        return "-"
    r = peer / vecrnn
    text = f"{r:.2f}"
    return f"**{text}**" if r < 1 and slower_is_bold else text


def tables(rows, machine):
    out = [f"# vecrnn bench, {machine['mode']} run, {machine['date']}", "",
           f"`{machine['command']}` on {machine['cpu']} ({machine['logical_processors']} logical processors, "
           f"{machine['memory_gib']} GiB), {machine['os']}; {machine['jdk']}; "
           + ", ".join(f"{k} {v}" for k, v in machine["versions"].items()) + f", PyTorch {machine.get('torch', '-')}.",
           "", "Medians over all iterations of all forks, [min-max] beside; ratio = vecrnn's speed / the peer's "
           "(> 1: vecrnn faster; **bold**: vecrnn slower). Same weights, inputs, shapes, thread counts and float32 "
           "everywhere; every peer's output is checked against vecrnn's before it is timed.", ""]

    peak = machine["fma_peak_gflops_per_core"]
    out += [f"FMA peak of one core, measured in this run: {peak:.1f} GFLOP/s at the preferred width ("
            + ", ".join(f"{bits}-bit {g:.1f}" for bits, g in machine.get("fma_peak_by_width", {}).items()) + ").", ""]
    out += ["## sgemm, C = A B (GFLOP/s)", "",
            "| m x k x n | vecrnn 1T | % of peak | vecrnn 2T | % of 2 cores | EJML 1T | EJML 2T | plain Java 1T "
            "| scalar twin 1T | vs EJML 1T | vs EJML 2T | vs plain Java |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for shape in SHAPES:
        g = {(impl, t): find(rows, suite="GemmBenchmark", impl=impl, shape=shape, threads=t)
             for impl in ("vecrnn", "ejml", "plainjava", "scalar") for t in ("1", "2")}
        if g[("vecrnn", "1")] is None:
            continue
        rate = lambda k: None if g[k] is None else g[k]["gflops"]
        speed = lambda a, b: "-" if rate(a) is None or rate(b) is None else ratio(1 / rate(a), 1 / rate(b))
        share = lambda k, cores: "-" if rate(k) is None else f"{100 * rate(k) / (cores * peak):.0f}%"
        out.append(f"| {shape} | {fmt(rate(('vecrnn', '1')), 3)} | {share(('vecrnn', '1'), 1)} | "
                   f"{fmt(rate(('vecrnn', '2')), 3)} | {share(('vecrnn', '2'), 2)} | "
                   + " | ".join(fmt(rate(k), 3) for k in [("ejml", "1"), ("ejml", "2"), ("plainjava", "1"), ("scalar", "1")])
                   + f" | {speed(('vecrnn', '1'), ('ejml', '1'))} | {speed(('vecrnn', '2'), ('ejml', '2'))}"
                   f" | {speed(('vecrnn', '1'), ('plainjava', '1'))} |")

    acts = [r for r in rows if r["suite"] == "ActivationBenchmark"]
    if acts:
        out += ["", "## Activations over 4096 floats (elements per ns)", "", "| benchmark | median | min-max |",
                "|---|---|---|"]
        for r in acts:
            n = float(r["shape"] or 1)
            out.append(f"| {r['benchmark']} | {n / r['median']:.2f} | {n / r['max']:.2f}-{n / r['min']:.2f} |")

    out += ["", "## Recurrent layers (ms per call)", "",
            "A: input 128, hidden 256, T 100, batch 32; B: A with batch 1; C: input 64, hidden 512, T 50, batch 64, "
            "2 layers. Inference: one forward call. Training step: forward, a dense head H -> 1 on every step, MSE, "
            "backward through time, Adam. ONNX Runtime does inference only; DL4J has no GRU comparable here.", "",
            "| cell | scenario | threads | vecrnn | ONNX Runtime | PyTorch | DL4J | vs ORT | vs PyTorch | vs DL4J |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    settings = []
    for cell, scenario, t, v, peers in rnn_comparisons(rows):
        for impl in ("pytorch", "dl4j"):
            if peers[impl] is not None and t == "2":
                settings.append(PEERS[impl] + " " + peers[impl]["setting"].split()[-1])
        cell_text = lambda r: "-" if r is None else f"{fmt(r['median'])} [{fmt(r['min'])}-{fmt(r['max'])}]"
        out.append(f"| {cell} | {scenario.replace('_', ' ')} | {t} | {cell_text(v)} | "
                   + " | ".join(cell_text(peers[i]) for i in ("onnxruntime", "pytorch", "dl4j")) + " | "
                   + " | ".join(ratio(v["median"], None if peers[i] is None else peers[i]["median"])
                                for i in ("onnxruntime", "pytorch", "dl4j")) + " |")
    if settings:
        counts = {s: settings.count(s) for s in sorted(set(settings))}
        out += ["", "PyTorch and DL4J (both OpenMP) on 2 threads are measured with OpenMP's default wait policy and with "
                "OMP_WAIT_POLICY=PASSIVE; each row shows the faster (" + ", ".join(f"{s}: {n} rows" for s, n in counts.items())
                + ")."]
    if machine.get("torch_cores"):
        out += ["", "PyTorch is held to the same thread count (torch.set_num_threads, and OMP_NUM_THREADS, MKL_NUM_THREADS and "
                "OPENBLAS_NUM_THREADS for the native pools it may call); the most "
                "cores its process kept busy in any row (CPU time / wall time, median over the iterations): "
                + ", ".join(f"{c:.2f} on {t} thread{'s' if t > 1 else ''}" for t, c in sorted(machine["torch_cores"].items()))
                + "."]

    firsts = [r for r in rows if r["benchmark"] == "firstCall"]
    if firsts:
        out += ["", "## First call (ms): the first inference in a fresh process, model already built, 1 thread", "",
                "| cell | scenario | vecrnn | ONNX Runtime | PyTorch | steady vecrnn | vs ORT | vs PyTorch |",
                "|---|---|---|---|---|---|---|---|"]
        for scenario in ("A_inference", "B_inference"):
            f = {i: find(firsts, impl=i, scenario=scenario) for i in ("vecrnn", "onnxruntime", "pytorch")}
            if f["vecrnn"] is None:
                continue
            steady = find(rows, suite="RnnBenchmark", cell="LSTM", scenario=scenario, threads="1")
            out.append(f"| LSTM | {scenario.replace('_', ' ')} | "
                       + " | ".join("-" if f[i] is None else f"{fmt(f[i]['median'])} [{fmt(f[i]['min'])}-{fmt(f[i]['max'])}]"
                                    for i in ("vecrnn", "onnxruntime", "pytorch"))
                       + f" | {'-' if steady is None else fmt(steady['median'])} | "
                       + " | ".join(ratio(f["vecrnn"]["median"], None if f[i] is None else f[i]["median"])
                                    for i in ("onnxruntime", "pytorch")) + " |")
    colds = [r for r in rows if r["benchmark"] == "coldStart"]
    if colds:
        out += ["", "## Cold start (ms): from nothing to the first inference in a fresh process, 1 thread", "",
                "vecrnn: build the stack, freeze it, first call (which waits for the warm-up the build started); "
                "ONNX Runtime: create the session from the model's bytes, first run.", "",
                "| cell | scenario | vecrnn | ONNX Runtime | vs ORT |", "|---|---|---|---|---|"]
        for scenario in ("A_inference", "B_inference"):
            f = {i: find(colds, impl=i, scenario=scenario) for i in ("vecrnn", "onnxruntime")}
            if f["vecrnn"] is None:
                continue
            out.append(f"| LSTM | {scenario.replace('_', ' ')} | "
                       + " | ".join("-" if f[i] is None else f"{fmt(f[i]['median'])} [{fmt(f[i]['min'])}-{fmt(f[i]['max'])}]"
                                    for i in ("vecrnn", "onnxruntime"))
                       + " | " + ratio(f["vecrnn"]["median"], None if f["onnxruntime"] is None else f["onnxruntime"]["median"])
                       + " |")
    return "\n".join(out) + "\n"


def chart(rows, machine, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    peak = machine["fma_peak_gflops_per_core"]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(13, 10))
    impls = [("vecrnn", "1"), ("vecrnn", "2"), ("ejml", "1"), ("ejml", "2"), ("plainjava", "1"), ("scalar", "1")]
    shapes = [s for s in SHAPES if find(rows, suite="GemmBenchmark", shape=s, impl="vecrnn", threads="1")]
    width = 0.8 / len(impls)
    for i, (impl, t) in enumerate(impls):
        values = [(find(rows, suite="GemmBenchmark", shape=s, impl=impl, threads=t) or {}).get("gflops") or 0
                  for s in shapes]
        top.bar([x + i * width for x in range(len(shapes))], values, width, label=f"{PEERS[impl]} {t}T")
    top.axhline(peak, color="black", linestyle="--", linewidth=1, label=f"FMA peak, 1 core ({peak:.0f})")
    top.axhline(2 * peak, color="grey", linestyle=":", linewidth=1, label=f"FMA peak, 2 cores ({2 * peak:.0f})")
    top.set_xticks([x + 0.4 - width / 2 for x in range(len(shapes))], shapes)
    top.set_ylabel("GFLOP/s")
    top.set_title("sgemm C = A B (m x k x n)")
    top.legend(fontsize=8, ncol=4)

    labels, series = [], {}
    for cell, scenario, t, v, peers in rnn_comparisons(rows):
        labels.append(f"{cell} {scenario.replace('_', ' ')} {t}T")
        for impl, r in [("vecrnn", v)] + list(peers.items()):
            series.setdefault(impl, []).append(0 if r is None else r["gflops"])
    width = 0.8 / len(series)
    for i, (impl, values) in enumerate(series.items()):
        bottom.bar([x + i * width for x in range(len(labels))], values, width, label=PEERS[impl])
    bottom.axhline(peak, color="black", linestyle="--", linewidth=1, label="FMA peak, 1 core")
    bottom.axhline(2 * peak, color="grey", linestyle=":", linewidth=1, label="FMA peak, 2 cores")
    bottom.set_xticks([x + 0.4 - width / 2 for x in range(len(labels))], labels, rotation=70, fontsize=7)
    bottom.set_ylabel("GFLOP/s (gate matrix work only)")
    bottom.set_title("Recurrent layers (missing bar: not measured or not available)")
    bottom.legend(fontsize=8, ncol=5)
    fig.suptitle(f"vecrnn bench, {machine['mode']} run {machine['date']}: {machine['cpu']}, "
                 f"{machine['logical_processors']} logical processors")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main(argv):
    if len(argv) == 4 and argv[1] == "--describe":
        print(json.dumps(describe(argv[2], argv[3]), indent=1))
        return
    if len(argv) != 2:
        sys.exit(__doc__)
    run = argv[1]
    machine = json.load(open(os.path.join(run, "machine.json")))
    rows = []
    for path in sorted(glob.glob(os.path.join(run, "jmh", "*.json")) + glob.glob(os.path.join(run, "dl4j", "*.json"))):
        rows += jmh_rows(path)
    torch_results, torch_version, torch_cores = torch_rows(run)
    rows = pooled(rows + torch_results)
    machine["torch"] = torch_version
    machine["torch_cores"] = torch_cores
    with open(os.path.join(run, "results.csv"), "w", newline="") as f:
        for key in ("date", "mode", "command", "cpu", "logical_processors", "memory_gib", "os", "jdk", "python",
                    "fma_peak_gflops_per_core"):
            f.write(f"# {key}: {machine[key]}\n")
        f.write("# versions: " + ", ".join(f"{k} {v}" for k, v in machine["versions"].items())
                + f", pytorch {torch_version}\n")
        writer = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: ("" if r[k] is None else f"{r[k]:.6g}" if isinstance(r[k], float) else r[k])
                             for k in COLUMNS})
    with open(os.path.join(run, "table.md"), "w") as f:
        f.write(tables(rows, machine))
    chart(rows, machine, os.path.join(run, "chart.png"))


if __name__ == "__main__":
    main(sys.argv)
