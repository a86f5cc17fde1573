package io.github.vecrnn.bench;

import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.FrozenRnn;
import io.github.vecrnn.cells.Rnn;
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
 * vecrnn's RNN, LSTM and GRU layers on the configurations of {@link RnnWorkload}, in milliseconds per call.
 * Inference is one forward call of a frozen copy of the stack ({@link Rnn#freeze()}: evaluation and
 * inference mode, nothing kept for backward, the weights fixed when it is made, as in an ONNX Runtime
 * session; PyTorch runs under inference_mode). A training step is what {@link Trainer#step} does:
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

    private FrozenRnn frozen;
    private Trainer trainer;
    private float[] x, target;
    private int batch, steps;

    @Setup
    public void setUp() {
        RnnWorkload workload = RnnWorkload.of(scenario);
        Kernels kernels = Kernels.preferred().withThreads(threads);
        Rnn rnn = workload.rnn(cell, kernels);
        x = workload.x();
        batch = workload.batch();
        steps = workload.steps();
        if (scenario.endsWith("training")) {
            trainer = new Trainer(workload.model(rnn, kernels), Loss.MSE, new Adam(1e-4f));
            target = workload.target();
        } else {
            frozen = rnn.freeze();
        }
    }

    @Benchmark
    public Object step() {
        if (trainer != null) return trainer.step(x, target, batch, steps, null);
        return frozen.forward(x, batch, steps, null, null).output();
    }
}
