package io.github.vecrnn.bench;

import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.SequenceModel;
import io.github.vecrnn.kernel.Kernels;
import io.github.vecrnn.train.Adam;
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
 * RNN, LSTM and GRU layers on the configurations, in milliseconds per call:
 * <ul>
 *   <li>A: input 128, hidden 256, T 100, batch 32 (inference and training step)</li>
 *   <li>B: as A with batch 1 (inference latency)</li>
 *   <li>C: input 64, hidden 512, T 50, batch 64, 2 layers (inference and training step)</li>
 * </ul>
 * Inference is one forward call in evaluation mode. A training step is what {@link Trainer#step} does:
 * forward, a dense head (H -> 1) on every step, MSE loss, backward through time, finiteness check,
 * Adam update.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class RnnBenchmark {

    @Param({"LSTM", "GRU", "RNN_TANH"})
    public CellKind cell;

    /** Configuration and what is measured. */
    @Param({"A_inference", "A_training", "B_inference", "C_inference", "C_training"})
    public String scenario;

    @Param({"1", "2"})
    public int threads;

    private Rnn rnn;
    private Trainer trainer;
    private float[] x, target;
    private int batch, steps;

    @Setup
    public void setUp() {
        char config = scenario.charAt(0);
        int input = config == 'C' ? 64 : 128, hidden = config == 'C' ? 512 : 256, layers = config == 'C' ? 2 : 1;
        steps = config == 'C' ? 50 : 100;
        batch = switch (config) {
            case 'A' -> 32;
            case 'B' -> 1;
            default -> 64;
        };
        rnn = Rnn.builder(cell, input, hidden).layers(layers).maxBatch(batch).maxSteps(steps)
                 .kernels(Kernels.preferred().withThreads(threads)).seed(1).build();
        Rng rng = new Rng(2);
        x = new float[steps * batch * input];
        for (int i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
        if (scenario.endsWith("training")) {
            SequenceModel model = new SequenceModel(rnn, new Dense(hidden, 1, steps * batch, rng,
                    Kernels.preferred().withThreads(threads)), Readout.PER_STEP);
            trainer = new Trainer(model, Loss.MSE, new Adam(1e-4f));
            target = new float[steps * batch];
            for (int i = 0; i < target.length; i++) target[i] = rng.uniform(-1, 1);
        } else {
            rnn.training(false);
        }
    }

    @Benchmark
    public Object step() {
        if (trainer != null) return trainer.step(x, target, batch, steps, null);
        return rnn.forward(x, batch, steps, null, null).output();
    }
}
