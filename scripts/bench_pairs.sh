#!/usr/bin/env bash
# vecrnn against ONNX Runtime on one inference row, measured as N back-to-back pairs:
#   scripts/bench_pairs.sh CELL SCENARIO THREADS [N]      e.g. LSTM B_inference 1 5
# Each pair is one JMH fork of vecrnn's frozen copy, then one of ONNX Runtime, with the full run's iteration settings
# and the cores' placement logged before it. A slow spell of the host or a change of placement lasts seconds to
# minutes and hits one pair, not the others; the median of the N per-pair ratios is the figure to quote.
# Writes bench/results/<UTC time>-pairs-<cell>-<scenario>-<threads>t/: jmh/, logs/, placement.log and pairs.md.
# Called by ./vecrnn bench pairs with JAVA_HOME set to a JDK 25, after the jars are built.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ $# -lt 3 ]; then
  echo "usage: ./vecrnn bench pairs CELL SCENARIO THREADS [N]   (e.g. LSTM B_inference 1 5)" >&2; exit 2
fi
cell=$1 scenario=$2 threads=$3 pairs=${4:-5}
case "$scenario" in *_inference) ;; *) echo "bench pairs: ONNX Runtime does inference only, not '$scenario'" >&2; exit 2 ;; esac
java="$JAVA_HOME/bin/java"
jar=bench/target/benchmarks.jar
run="bench/results/$(date -u +%Y-%m-%dT%H%MZ)-pairs-$cell-$scenario-${threads}t"
mkdir -p "$run"/{jmh,logs}
echo "bench pairs: $pairs pairs into $run"
for i in $(seq 1 "$pairs"); do
  echo "pair $i: $("$java" -cp "$jar" io.github.vecrnn.bench.PlacementProbe 1)" >>"$run/placement.log"
  for impl in rnn ort; do
    bench='\.RnnBenchmark\.'; [ "$impl" = ort ] && bench=OrtRnnBenchmark
    echo "bench pairs: $impl, pair $i"
    "$java" --add-modules=jdk.incubator.vector -jar "$jar" "$bench" -p cell="$cell" -p scenario="$scenario" \
        -p threads="$threads" -f 1 -wi 3 -w 2 -i 3 -r 1 -rf json -rff "$run/jmh/$impl-$i.json" >"$run/logs/$impl-$i.log" 2>&1 \
      || { echo "bench pairs: $impl failed, see $run/logs/$impl-$i.log" >&2; tail -20 "$run/logs/$impl-$i.log" >&2; exit 1; }
  done
done
/usr/bin/python3 - "$run" "$cell" "$scenario" "$threads" "$pairs" <<'EOF'
import json, statistics, sys
run, cell, scenario, threads, pairs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
def median(path):
    raw = [x for fork in json.load(open(path))[0]["primaryMetric"]["rawData"] for x in fork]
    return statistics.median(raw)
placements = open(f"{run}/placement.log").read().splitlines()
lines = [f"# vecrnn against ONNX Runtime, {cell} {scenario}, {threads} thread(s): {pairs} back-to-back pairs", "",
         f"Command: `./vecrnn bench pairs {cell} {scenario} {threads} {pairs}`. Each pair: one JMH fork of vecrnn, then one "
         "of ONNX Runtime (-wi 3 -w 2 -i 3 -r 1); ms per call are the medians of the 3 iterations; "
         "ratio = ONNX Runtime / vecrnn (> 1: vecrnn faster).", "",
         "| pair | vecrnn | ONNX Runtime | ratio | placement before |", "|---|---|---|---|---|"]
ratios = []
for i in range(1, pairs + 1):
    ours, theirs = median(f"{run}/jmh/rnn-{i}.json"), median(f"{run}/jmh/ort-{i}.json")
    ratios.append(theirs / ours)
    where = placements[i - 1].split("placement: ", 1)[-1].split(" (")[0]
    lines.append(f"| {i} | {ours:.3g} | {theirs:.3g} | {theirs / ours:.2f} | {where} |")
lines += ["", f"Median ratio {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f}); "
          f"vecrnn faster in {sum(r > 1 for r in ratios)} of {pairs} pairs."]
open(f"{run}/pairs.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
