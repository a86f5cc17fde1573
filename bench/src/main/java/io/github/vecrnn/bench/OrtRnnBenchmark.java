package io.github.vecrnn.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.io.Onnx;
import io.github.vecrnn.kernel.Kernels;
import java.nio.FloatBuffer;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ONNX Runtime (Java API, CPU provider, its default graph optimizations) running the same layers as
 * {@link RnnBenchmark}'s inference scenarios: vecrnn's model is exported with {@link Onnx#export}, so both run
 * the same weights on the same input. The ORT thread pool gets {@code threads} intra-op threads; everything else
 * is ORT's default. Measured: one {@code session.run} including the release of its output tensors.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class OrtRnnBenchmark {

    @Param({"LSTM", "GRU", "RNN_TANH"})
    public CellKind cell;

    @Param({"A_inference", "B_inference", "C_inference"})
    public String scenario;

    @Param({"1", "2"})
    public int threads;

    private OrtSession session;
    private OnnxTensor input;
    private Map<String, OnnxTensor> feeds;

    @Setup
    public void setUp() throws OrtException {
        RnnWorkload workload = RnnWorkload.of(scenario);
        Rnn rnn = workload.rnn(cell, Kernels.preferred());
        rnn.training(false);
        float[] x = workload.x();
        session = session(rnn, threads);
        input = input(workload, x);
        feeds = Map.of("input", input);
        sameOutputs(rnn.forward(x, workload.batch(), workload.steps(), null, null).output(), session, feeds);
    }

    /** A session on vecrnn's model exported to ONNX: {@code threads} intra-op threads, ORT's defaults otherwise. */
    static OrtSession session(Rnn rnn, int threads) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            return OrtEnvironment.getEnvironment().createSession(Onnx.export(rnn, false), options);
        }
    }

    /** x [T, B, I] as the exported model's input tensor. */
    static OnnxTensor input(RnnWorkload workload, float[] x) throws OrtException {
        return OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.wrap(x),
                new long[] {workload.steps(), workload.batch(), workload.input()});
    }

    /**
     * Refuses to benchmark a model that does not compute what vecrnn computes. Both sides are float32 with
     * different summation orders and activation approximations over up to 100 steps; 1e-3 on values in (-1, 1)
     * separates "the same function" from a wrong export by orders of magnitude (the ORT oracle test checks the
     * export itself to 4e-6 + 4e-5 |y|).
     */
    static void sameOutputs(float[] ours, OrtSession session, Map<String, OnnxTensor> feeds) throws OrtException {
        try (OrtSession.Result result = session.run(feeds)) {
            FloatBuffer theirs = ((OnnxTensor) result.get("output").orElseThrow()).getFloatBuffer();
            if (theirs.remaining() != ours.length)
                throw new IllegalStateException("ORT output has " + theirs.remaining() + " floats, vecrnn's " + ours.length);
            for (int i = 0; i < ours.length; i++) {
                float diff = Math.abs(ours[i] - theirs.get(i));
                if (!(diff <= 1e-3f))
                    throw new IllegalStateException("ORT and vecrnn differ at output[" + i + "]: " + theirs.get(i) + " vs " + ours[i]);
            }
        }
    }

    @Benchmark
    public long run() throws OrtException {
        try (OrtSession.Result result = session.run(feeds)) {
            return result.size();
        }
    }

    @TearDown
    public void tearDown() throws OrtException {
        input.close();
        session.close();
    }
}
