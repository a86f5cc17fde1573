#!/usr/bin/env bash
# vecrnn against ONNX Runtime on one inference row, in one JVM, in alternating rounds (AlternatingRounds):
#   scripts/bench_alternate.sh CELL SCENARIO THREADS [ROUNDS] [ROUND_MS]      e.g. LSTM B_inference 2
# The two sides run a fraction of a second apart, so a slow spell of the host or a change of placement falls on
# both; the median of the per-round ratios is the figure to quote. The placement is logged before and after.
# Writes bench/results/<UTC time>-alternate-<cell>-<scenario>-<threads>t/: report.md and placement.log.
# Called by ./vecrnn bench alternate with JAVA_HOME set to a JDK 25, after the jars are built.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ $# -lt 3 ]; then
  echo "usage: ./vecrnn bench alternate CELL SCENARIO THREADS [ROUNDS] [ROUND_MS]   (e.g. LSTM B_inference 2)" >&2; exit 2
fi
cell=$1 scenario=$2 threads=$3 rounds=${4:-60} round_ms=${5:-200}
case "$scenario" in *_inference) ;; *) echo "bench alternate: ONNX Runtime does inference only, not '$scenario'" >&2; exit 2 ;; esac
java="$JAVA_HOME/bin/java"
jar=bench/target/benchmarks.jar
run="bench/results/$(date -u +%Y-%m-%dT%H%MZ)-alternate-$cell-$scenario-${threads}t"
mkdir -p "$run"
echo "bench alternate: $rounds rounds of $round_ms ms a side into $run"
echo "before: $("$java" -cp "$jar" io.github.vecrnn.bench.PlacementProbe 1)" >"$run/placement.log"
"$java" --add-modules=jdk.incubator.vector -Xmx4g -cp "$jar" io.github.vecrnn.bench.AlternatingRounds \
    "$cell" "$scenario" "$threads" "$rounds" "$round_ms" 2>"$run/stderr.log" >"$run/report.md" \
  || { echo "bench alternate: failed, see $run/stderr.log" >&2; tail -20 "$run/stderr.log" >&2; exit 1; }
echo "after: $("$java" -cp "$jar" io.github.vecrnn.bench.PlacementProbe 1)" >>"$run/placement.log"
{ echo; echo "Command: \`./vecrnn bench alternate $cell $scenario $threads $rounds $round_ms\`. Placement (PlacementProbe):"; echo
  sed 's/^/- /' "$run/placement.log"; } >>"$run/report.md"
tail -4 "$run/report.md"
