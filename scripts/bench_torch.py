#!/usr/bin/env python3
"""PyTorch's side of the bench: the RNN/LSTM/GRU configurations of bench/ on the same weights and data, timed the
way JMH times vecrnn (warm-up iterations, then measurement iterations of a fixed duration, the mean time per call
of each iteration as one sample).

The inputs are the safetensors files that `RnnWorkload` writes (weights under PyTorch's state_dict names, x,
target and vecrnn's output), so PyTorch runs exactly the numbers vecrnn runs; a model whose output differs from
vecrnn's is refused before it is timed. Needs torch and numpy: bench.sh runs it with PyTorch 2.x's CPU build from a venv
(scripts/torch_venv.sh) or, where that does not install, with Debian's python3-torch (1.13).

  python3 scripts/bench_torch.py --inputs DIR --threads 1 --out torch.json [--warmup 3 --iterations 5 --seconds 2]
  python3 scripts/bench_torch.py --inputs DIR --threads 1 --first-call LSTM_A_inference --out first.json

The thread count is torch.set_num_threads plus the thread count of every native pool torch may call (PyTorch 2.x's
CPU build: OpenMP, MKL, oneDNN): Debian's torch is built with BLAS_INFO=generic, so its GEMMs run in the system BLAS (OpenBLAS, pthread build), which ignores
torch.set_num_threads and starts one thread per core. It reads OPENBLAS_NUM_THREADS once, when it is loaded, so this
script sets it (and OMP_NUM_THREADS, MKL_NUM_THREADS) before it imports numpy or torch. Without that, a "1 thread" run used
both cores of the 2-core bench machine (process CPU time / wall time 1.99 on LSTM C inference). Each sample records
the process's CPU time per wall time, and a run whose median exceeds its thread count is refused. OpenMP's wait
policy is whatever OMP_WAIT_POLICY says when the process starts (it cannot be changed afterwards), and is recorded
in the output. An inference call is the layers' forward
under torch.inference_mode() in eval mode; a training step is zero_grad, forward, a Linear(H, 1) head on every
step, MSELoss, backward and Adam(lr=1e-4).step(), as vecrnn's Trainer.step does.
"""
import argparse
import json
import os
import struct
import time

np = torch = None  # imported by main() once the native thread pools' sizes are in the environment: numpy loads the
                  # same OpenBLAS, so importing it first would size the pool before pin_threads could

MODULES = {"LSTM": "LSTM", "GRU": "GRU", "RNN_TANH": "RNN"}  # names in torch.nn


def read_safetensors(path):
    """Tensors and metadata of a safetensors file (F32 only), without the safetensors package."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {info['dtype']}, expected F32")
        start, end = info["data_offsets"]
        values = np.frombuffer(data, dtype="<f4", count=(end - start) // 4, offset=8 + length + start)
        tensors[name] = torch.from_numpy(values.copy()).reshape(info["shape"])
    return tensors, metadata


class Workload:
    def __init__(self, inputs, cell, scenario):
        tensors, meta = read_safetensors(os.path.join(inputs, f"{cell}_{scenario[0]}.safetensors"))
        self.training = scenario.endswith("training")
        self.rnn = getattr(torch.nn, MODULES[cell])(int(meta["input"]), int(meta["hidden"]), num_layers=int(meta["layers"]))
        self.rnn.load_state_dict({k[len("rnn."):]: v for k, v in tensors.items() if k.startswith("rnn.")})
        self.head = torch.nn.Linear(int(meta["hidden"]), 1)
        self.head.load_state_dict({k[len("head."):]: v for k, v in tensors.items() if k.startswith("head.")})
        self.x, self.target = tensors["x"], tensors["target"]
        with torch.inference_mode():
            difference = (self.rnn(self.x)[0] - tensors["vecrnn_output"]).abs().max().item()
        # Refuse to time a model that does not compute what vecrnn computes: float32 on both sides with different
        # summation orders over up to 100 steps stays far below 1e-3 on values in (-1, 1); a wrong weight does not.
        if not difference <= 1e-3:
            raise ValueError(f"{cell} {scenario}: PyTorch's output differs from vecrnn's by {difference}")
        if self.training:
            self.rnn.train()
            self.loss = torch.nn.MSELoss()
            self.optimizer = torch.optim.Adam(list(self.rnn.parameters()) + list(self.head.parameters()), lr=1e-4)
        else:
            self.rnn.eval()

    def call(self):
        if not self.training:
            with torch.inference_mode():
                return self.rnn(self.x)[0]
        self.optimizer.zero_grad(set_to_none=False)
        output, _ = self.rnn(self.x)
        loss = self.loss(self.head(output), self.target)
        loss.backward()
        self.optimizer.step()
        return loss


def iteration(work, seconds):
    """Calls until `seconds` have passed (at least once); the mean milliseconds per call and the process's CPU time
    per wall time over those calls (1.0: one core busy throughout)."""
    calls, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while True:
        work.call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return 1e3 * elapsed / calls, (time.process_time() - cpu_start) / elapsed


def pin_threads(threads):
    """Sizes every native thread pool torch can use to `threads`; must run before torch is imported."""
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(threads)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", required=True, help="directory of RnnWorkload's safetensors files")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--cells", default="LSTM,GRU,RNN_TANH")
    parser.add_argument("--scenarios", default="A_inference,A_training,B_inference,C_inference,C_training")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up iterations")
    parser.add_argument("--iterations", type=int, default=5, help="measurement iterations")
    parser.add_argument("--seconds", type=float, default=2.0, help="duration of one iteration")
    parser.add_argument("--first-call", help="CELL_SCENARIO: time only the first call of a fresh model, then exit")
    args = parser.parse_args()
    pin_threads(args.threads)
    global np, torch
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    setting = {"threads": args.threads, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
               "torch": torch.__version__, "numpy": np.__version__, "torch_threads": torch.get_num_threads(),
               "backend": torch.__config__.parallel_info().splitlines()[-1].strip(),
               "openblas_num_threads": os.environ["OPENBLAS_NUM_THREADS"]}
    results = []
    if args.first_call:
        cell, scenario = args.first_call.split("_", 1) if not args.first_call.startswith("RNN_TANH") \
            else ("RNN_TANH", args.first_call[len("RNN_TANH_"):])
        work = Workload(args.inputs, cell, scenario)
        start = time.perf_counter()
        work.call()
        results.append({"cell": cell, "scenario": scenario, "first_call_ms": 1e3 * (time.perf_counter() - start)})
    else:
        for cell in args.cells.split(","):
            for scenario in args.scenarios.split(","):
                work = Workload(args.inputs, cell, scenario)
                start = time.perf_counter()
                work.call()
                first = 1e3 * (time.perf_counter() - start)
                warmup = [iteration(work, args.seconds)[0] for _ in range(args.warmup)]
                samples, cpu = zip(*(iteration(work, args.seconds) for _ in range(args.iterations)))
                cpu_median = sorted(cpu)[len(cpu) // 2]
                # The Python side adds nothing measurable to one busy core; 5% covers the clock's granularity.
                if cpu_median > 1.05 * args.threads:
                    raise RuntimeError(f"{cell} {scenario}: {args.threads} thread(s) asked for, but the process used "
                                       f"{cpu_median:.2f} cores; some native pool ignores the thread count")
                results.append({"cell": cell, "scenario": scenario, "samples_ms": list(samples), "warmup_ms": warmup,
                                "cpu_per_wall": list(cpu), "first_call_ms": first})
                print(f"pytorch {cell:8} {scenario:12} {args.threads}T {setting['omp_wait_policy']:7} "
                      f"median {sorted(samples)[len(samples) // 2]:9.3f} ms, {cpu_median:.2f} cores", flush=True)
    with open(args.out, "w") as f:
        json.dump({"setting": setting, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
