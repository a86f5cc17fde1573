package io.github.vecrnn.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.FrozenRnn;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.kernel.Kernels;
import java.util.Arrays;
import java.util.Map;

/**
 * vecrnn against ONNX Runtime on one inference row, in one JVM, in short alternating rounds: a round runs one
 * side's calls for {@code roundMillis}, then the other side's, and gives the ratio of their times per call
 * (ONNX Runtime / vecrnn, above 1 vecrnn is faster). The order flips every round (vecrnn first, then ONNX
 * Runtime first), and a 20 ms pause before each side lets the other's thread pool go idle.
 *
 * <p>Why: on this project's shared 2-vCPU machine the host changes where it puts the two cores, and how fast they
 * run, every few seconds. A JMH fork per side (as in {@code ./vecrnn bench pairs}) measures the two sides up to
 * a minute apart, so one side can get a fast spell and the other a slow one. Rounds a fraction of a second apart
 * mostly see the same spell, and the median of many per-round ratios says which side is faster under the same
 * conditions. It is not a JMH benchmark: it times with {@code System.nanoTime} around many calls, after a warm-up
 * of both sides, and is meant for rows where the two are within a few percent.
 *
 * <pre>java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar io.github.vecrnn.bench.AlternatingRounds \
 *     CELL SCENARIO THREADS [rounds (default 60)] [roundMillis (default 200)]</pre>
 * e.g. {@code LSTM B_inference 2}. {@code ./vecrnn bench alternate} runs it and keeps its report.
 */
public final class AlternatingRounds {
    private static final long PAUSE_MILLIS = 20;
    private static final int WARM_UP_ROUNDS = 10;

    private AlternatingRounds() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: AlternatingRounds CELL SCENARIO THREADS [rounds] [roundMillis]   (e.g. LSTM B_inference 2)");
            System.exit(2);
        }
        CellKind cell = CellKind.valueOf(args[0]);
        String scenario = args[1];
        if (!scenario.endsWith("_inference")) throw new IllegalArgumentException("ONNX Runtime does inference only, not " + scenario);
        int threads = Integer.parseInt(args[2]);
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 60;
        long roundNanos = (args.length > 4 ? Long.parseLong(args[4]) : 200) * 1_000_000L;

        RnnWorkload workload = RnnWorkload.of(scenario);
        Rnn rnn = workload.rnn(cell, Kernels.preferred().withThreads(threads));
        rnn.training(false);
        float[] x = workload.x();
        int batch = workload.batch(), steps = workload.steps();
        try (OrtSession session = OrtRnnBenchmark.session(rnn, threads);
             OnnxTensor input = OrtRnnBenchmark.input(workload, x)) {
            Map<String, OnnxTensor> feeds = Map.of("input", input);
            FrozenRnn frozen = rnn.freeze();
            OrtRnnBenchmark.sameOutputs(frozen.forward(x, batch, steps, null, null).output(), session, feeds);
            Side ours = () -> frozen.forward(x, batch, steps, null, null);
            Side theirs = () -> {
                try (OrtSession.Result result = session.run(feeds)) {
                    result.size();
                }
            };
            double[] vecrnn = new double[rounds], ort = new double[rounds], ratio = new double[rounds];
            for (int r = -WARM_UP_ROUNDS; r < rounds; r++) {
                boolean oursFirst = (r & 1) == 0;
                double a = msPerCall(oursFirst ? ours : theirs, roundNanos);
                double b = msPerCall(oursFirst ? theirs : ours, roundNanos);
                if (r < 0) continue;
                vecrnn[r] = oursFirst ? a : b;
                ort[r] = oursFirst ? b : a;
                ratio[r] = ort[r] / vecrnn[r];
            }
            report(cell, scenario, threads, rounds, roundNanos / 1_000_000, vecrnn, ort, ratio);
        }
    }

    /** One side of the comparison: one inference call. */
    private interface Side {
        void call() throws OrtException;
    }

    /** Milliseconds per call of side over calls that fill roundNanos, after a pause that lets other threads idle. */
    private static double msPerCall(Side side, long roundNanos) throws Exception {
        Thread.sleep(PAUSE_MILLIS);
        long start = System.nanoTime(), now;
        int calls = 0;
        do {
            side.call();
            calls++;
            now = System.nanoTime();
        } while (now - start < roundNanos);
        return (now - start) / 1e6 / calls;
    }

    private static void report(CellKind cell, String scenario, int threads, int rounds, long roundMillis,
                               double[] vecrnn, double[] ort, double[] ratio) {
        System.out.printf("# vecrnn against ONNX Runtime, %s %s, %d thread(s): %d alternating rounds in one JVM%n%n",
                cell, scenario, threads, rounds);
        System.out.printf("Each round: %d ms of vecrnn calls (a frozen copy) and %d ms of ONNX Runtime calls, the order "
                + "flipped every round, after %d warm-up rounds. Ratio = ONNX Runtime / vecrnn time per call "
                + "(> 1: vecrnn faster).%n%n", roundMillis, roundMillis, WARM_UP_ROUNDS);
        System.out.println("| round | vecrnn ms | ONNX Runtime ms | ratio |");
        System.out.println("|---|---|---|---|");
        int faster = 0;
        for (int r = 0; r < rounds; r++) {
            System.out.printf("| %d | %.4g | %.4g | %.3f |%n", r + 1, vecrnn[r], ort[r], ratio[r]);
            if (ratio[r] > 1) faster++;
        }
        double[] q = quartiles(ratio);
        System.out.printf("%nMedian ratio %.3f (quartiles %.3f-%.3f, min %.3f, max %.3f); vecrnn faster in %d of %d rounds. "
                + "Median ms per call: vecrnn %.4g, ONNX Runtime %.4g.%n", q[1], q[0], q[2], min(ratio), max(ratio),
                faster, rounds, quartiles(vecrnn)[1], quartiles(ort)[1]);
    }

    /** The first quartile, median and third quartile of values (nearest rank). */
    private static double[] quartiles(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return new double[] {sorted[(n - 1) / 4], n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
                             sorted[(3 * (n - 1) + 3) / 4]};
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }
}
