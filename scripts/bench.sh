#!/usr/bin/env bash
# The bench command: vecrnn against its peers on the same shapes, weights, thread counts and precision, in one run.
#   scripts/bench.sh quick    a few minutes: fewer shapes, the LSTM only, one fork, short iterations
#   scripts/bench.sh full     everything, 2 forks (about 55 minutes on 2 cores)
# Writes bench/results/<UTC time>-<mode>/: machine.json, the raw results (jmh/, dl4j/, torch/, logs/), and the
# report: results.csv (every measurement, medians and min-max), table.md (ratios vecrnn / peer) and chart.png.
# Called by ./vecrnn bench with JAVA_HOME set to a JDK 25. Run it on an otherwise idle machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mode=${1:-quick}
case "$mode" in quick|full) ;; *) echo "bench: mode must be quick or full, not '$mode'" >&2; exit 2 ;; esac
java="$JAVA_HOME/bin/java"
python=/usr/bin/python3   # Debian's python, where Debian's torch, numpy and matplotlib live

# --- what the peers need -------------------------------------------------------------------------------------
if ! "$python" -c 'import torch, numpy, matplotlib' 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    echo "bench: installing python3-torch, python3-numpy and python3-matplotlib from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy python3-matplotlib >/dev/null
  else
    echo "bench: needs Debian's python3-torch, python3-numpy, python3-matplotlib (sudo apt-get install ...)" >&2; exit 1
  fi
fi
echo "bench: building (the peers profile adds Deeplearning4j, about 150 MB on the first build)"
mvn -B -ntp -q -Dstyle.color=never -Ppeers -DskipTests install >/dev/null

run="bench/results/$(date -u +%Y-%m-%dT%H%MZ)-$mode"
mkdir -p "$run"/{jmh,dl4j,torch,logs,inputs}
trap 'rm -rf "$run/inputs"' EXIT
echo "bench: $mode run into $run"
jar=bench/target/benchmarks.jar
dl4j=bench/dl4j/target/dl4j-benchmarks.jar
vector=--add-modules=jdk.incubator.vector
# the FMA peak of one core, measured now: every GFLOP/s figure of the report is also a share of it
"$java" $vector -cp "$jar" io.github.vecrnn.bench.FmaPeak >"$run/peak.json" 2>"$run/logs/peak.log"
"$python" scripts/bench_report.py --describe "$mode" "$run/peak.json" >"$run/machine.json"

# jmh NAME JAR ARGS...: one JMH run, its JSON in $run/jmh or $run/dl4j, its log in $run/logs
jmh() {
  local name=$1 jarfile=$2; shift 2
  local dir=jmh; [ "$jarfile" = "$dl4j" ] && dir=dl4j
  echo "bench: $name"
  "$java" $vector -jar "$jarfile" "$@" -prof gc -rf json -rff "$run/$dir/$name.json" >"$run/logs/$name.log" 2>&1 \
    || { echo "bench: $name failed, see $run/logs/$name.log" >&2; tail -20 "$run/logs/$name.log" >&2; exit 1; }
}

if [ "$mode" = quick ]; then
  shapes=256x256x256,64x512x2048,1x384x1024
  cells=LSTM
  short=(-f 1 -wi 1 -w 1 -i 2 -r 1)
  rnn=(-f 1 -wi 4 -w 1 -i 2 -r 1)   # 2-thread runs settle after ~4 s (a late JIT transient)
  first=(-f 3)
  torch=(--warmup 1 --iterations 2 --seconds 1)
  forks=1
else
  shapes=128x128x128,256x256x256,512x512x512,1024x1024x1024,64x256x1024,64x512x2048,32x384x1024,1x384x1024
  cells=LSTM,GRU,RNN_TANH
  short=(-f 2 -wi 2 -w 1 -i 3 -r 1)
  rnn=(-f 2 -wi 3 -w 2 -i 3 -r 1)   # longer warm-up: one LSTM C training step takes most of a second, and 2-thread
                                    # runs settle only after ~4 s (LSTM A inference: 22, 18, then 16.5 ms per call)
  first=(-f 10)
  torch=(--warmup 2 --iterations 3 --seconds 1)
  forks=2
fi
scalar_shapes=${shapes/1024x1024x1024,/}  # the scalar twin takes seconds per 1024^3 product: left out

# --- kernel: sgemm against EJML and plain Java, activations ---------------------------------------------------
jmh gemm "$jar" GemmBenchmark -p shape="$shapes" -p impl=vecrnn,ejml -p threads=1,2 "${short[@]}"
jmh gemm-plain "$jar" GemmBenchmark -p shape="$scalar_shapes" -p impl=plainjava,scalar -p threads=1 "${short[@]}"
jmh activations "$jar" ActivationBenchmark "${short[@]}"

# --- cells: vecrnn, ONNX Runtime (inference), first calls -----------------------------------------------------
# Inference is measured per cell, scenario and thread count, vecrnn then ONNX Runtime: the host moves this machine's
# two cores between placements (PlacementProbe) every few seconds to minutes, which changes every 2-thread figure,
# so each comparison is made a minute apart, with the placement logged (logs/placement.log) before it.
for cell in ${cells//,/ }; do
  for scenario in A_inference B_inference C_inference; do
    for threads in 1 2; do
      config=(-p cell="$cell" -p scenario="$scenario" -p threads="$threads")
      echo "$cell $scenario $threads: $("$java" -cp "$jar" io.github.vecrnn.bench.PlacementProbe 1)" >>"$run/logs/placement.log"
      jmh "rnn-$cell-$scenario-${threads}t" "$jar" '\.RnnBenchmark\.' "${config[@]}" "${rnn[@]}"
      jmh "ort-$cell-$scenario-${threads}t" "$jar" OrtRnnBenchmark "${config[@]}" "${rnn[@]}"
    done
  done
  jmh "rnn-$cell-training" "$jar" '\.RnnBenchmark\.' -p cell="$cell" -p scenario=A_training,C_training "${rnn[@]}"
done
jmh first-call "$jar" FirstCallBenchmark "${first[@]}"
jmh cold-start "$jar" ColdStartBenchmark "${first[@]}"

# --- Deeplearning4j's LSTM: its native thread count is fixed when the library loads ---------------------------
# It is OpenMP too: on 2 threads both wait policies are measured, as for PyTorch (the report keeps the faster).
OMP_NUM_THREADS=1 jmh dl4j-1t "$dl4j" Dl4jLstmBenchmark -p threads=1 "${rnn[@]}"
OMP_NUM_THREADS=2 jmh dl4j-2t "$dl4j" Dl4jLstmBenchmark -p threads=2 "${rnn[@]}"
OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE jmh dl4j-2t-passive "$dl4j" Dl4jLstmBenchmark -p threads=2 "${rnn[@]}"

# --- PyTorch, on the weights and data vecrnn uses --------------------------------------------------------------
# What a user would pick today: PyTorch 2.x's CPU build, in a venv from the configured package index; Debian's 1.13
# where that does not install. The report names the version that ran.
if torch_python=$(scripts/torch_venv.sh 2>>"$run/logs/torch-venv.log"); then
  echo "bench: PyTorch peer: $("$torch_python" -c 'import torch; print(torch.__version__)') ($torch_python)"
else
  torch_python=$python
  echo "bench: PyTorch 2.x did not install (logs/torch-venv.log); the peer is Debian's PyTorch 1.13"
fi
"$java" $vector -cp "$jar" io.github.vecrnn.bench.RnnWorkload "$run/inputs" >"$run/logs/inputs.log" 2>&1
torch_run() {  # NAME THREADS [ENV...]
  local name=$1 threads=$2; shift 2
  echo "bench: $name"
  env "$@" "$torch_python" scripts/bench_torch.py --inputs "$run/inputs" --threads "$threads" --cells "$cells" \
      "${torch[@]}" --out "$run/torch/$name.json" >>"$run/logs/torch.log" 2>&1 \
    || { echo "bench: $name failed, see $run/logs/torch.log" >&2; tail -20 "$run/logs/torch.log" >&2; exit 1; }
}
# PyTorch 1.13's OpenMP threads spin while waiting by default; on 2 vCPUs that slows 2 threads down a lot.
# Both settings are measured (the default one in one fork, to save time); the report takes the faster per row
# and says which.
torch_run "torch-2t-default-fork1" 2
for fork in $(seq 1 "$forks"); do
  torch_run "torch-1t-fork$fork" 1
  torch_run "torch-2t-passive-fork$fork" 2 OMP_WAIT_POLICY=PASSIVE
done
first_forks=${first[1]}
for scenario in A_inference B_inference; do
  for fork in $(seq 1 "$first_forks"); do
    "$torch_python" scripts/bench_torch.py --inputs "$run/inputs" --threads 1 --first-call "LSTM_$scenario" \
        --out "$run/torch/first-call-LSTM_$scenario-fork$fork.json" >>"$run/logs/torch.log" 2>&1
  done
done

# --- the report ---------------------------------------------------------------------------------------------
"$python" scripts/bench_report.py "$run"
echo "bench: done: $run/table.md, $run/chart.png, $run/results.csv"
