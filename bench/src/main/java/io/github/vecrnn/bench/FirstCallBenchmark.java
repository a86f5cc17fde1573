package io.github.vecrnn.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.FrozenRnn;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.kernel.Kernels;
import java.util.Map;
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
 * The first inference call in a fresh JVM, what a service sees on its first request right after it built its
 * model: for vecrnn, the call waits for the rest of the warm-up that the build started (then runs compiled code);
 * for ONNX Runtime, the first run of a new session. The model (and the ORT session) is built in the setup,
 * outside the measurement; each fork measures exactly one call, so the figures are spread over many forks.
 * {@link ColdStartBenchmark} measures from nothing, the build included.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 10, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class FirstCallBenchmark {

    @Param({"vecrnn", "onnxruntime"})
    public String impl;

    @Param({"LSTM"})
    public CellKind cell;

    @Param({"A_inference", "B_inference"})
    public String scenario;

    private FrozenRnn frozen;
    private float[] x;
    private int batch, steps;
    private OrtSession session;
    private Map<String, OnnxTensor> feeds;

    @Setup
    public void setUp() throws OrtException {
        RnnWorkload workload = RnnWorkload.of(scenario);
        if (impl.equals("onnxruntime")) System.setProperty("vecrnn.warmup", "false");   // nothing of vecrnn beside ORT
        Rnn rnn = workload.rnn(cell, Kernels.preferred());
        frozen = rnn.freeze();
        x = workload.x();
        batch = workload.batch();
        steps = workload.steps();
        if (impl.equals("onnxruntime")) {
            session = OrtRnnBenchmark.session(rnn, 1);
            feeds = Map.of("input", OrtRnnBenchmark.input(workload, x));
        } else if (!impl.equals("vecrnn")) {
            throw new IllegalArgumentException("impl " + impl + " is not vecrnn or onnxruntime");
        }
    }

    @Benchmark
    public Object firstCall() throws OrtException {
        if (session == null) return frozen.forward(x, batch, steps, null, null).output();
        try (OrtSession.Result result = session.run(feeds)) {
            return result.size();
        }
    }
}
