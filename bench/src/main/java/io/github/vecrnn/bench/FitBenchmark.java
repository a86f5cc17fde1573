package io.github.vecrnn.bench;

import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.kernel.Kernels;
import io.github.vecrnn.train.Adam;
import io.github.vecrnn.train.Dataset;
import io.github.vecrnn.train.Fit;
import io.github.vecrnn.train.Loss;
import io.github.vecrnn.train.Trainer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@link Trainer#fit} costs over the loop of {@link Trainer#step} calls it runs: one epoch of 8 batches of
 * workload A (LSTM, input 128, hidden 256, T 100, batch 32; a dense head on every step, MSE, Adam), fitted from
 * a {@link Dataset} (shuffled, each batch copied into the step's buffers) against the same 8 steps on batches
 * laid out beforehand. Milliseconds per epoch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class FitBenchmark {
    private static final int BATCHES = 8;

    @Param({"1"})
    public int threads;

    private Trainer trainer;
    private Dataset data;
    private float[][] xs, targets;
    private RnnWorkload workload;

    @Setup
    public void setUp() {
        workload = RnnWorkload.of("A_training");
        Kernels kernels = Kernels.preferred().withThreads(threads);
        trainer = new Trainer(workload.model(workload.rnn(CellKind.LSTM, kernels), kernels), Loss.MSE, new Adam(1e-4f));
        int t = workload.steps(), b = workload.batch(), in = workload.input();
        float[] x = workload.x(), target = workload.target();
        float[][][] sequences = new float[BATCHES * b][t][in], rows = new float[BATCHES * b][t][1];
        xs = new float[BATCHES][];
        targets = new float[BATCHES][];
        for (int k = 0; k < BATCHES; k++) {   // batch k: workload A's input, each value shifted by k / 100
            xs[k] = x.clone();
            targets[k] = target.clone();
            for (int i = 0; i < x.length; i++) xs[k][i] += k / 100f;
            for (int s = 0; s < t; s++) {
                for (int n = 0; n < b; n++) {
                    System.arraycopy(xs[k], (s * b + n) * in, sequences[k * b + n][s], 0, in);
                    rows[k * b + n][s][0] = targets[k][s * b + n];
                }
            }
        }
        data = Dataset.perStep(sequences, rows);
    }

    @Benchmark
    public Object fitEpoch() {
        return trainer.fit(data, Fit.epochs(1).batchSize(workload.batch()).progress(Fit.Progress.OFF));
    }

    @Benchmark
    public float stepLoop() {
        float sum = 0;
        for (int k = 0; k < BATCHES; k++) sum += trainer.step(xs[k], targets[k], workload.batch(), workload.steps(), null);
        return sum;
    }
}
