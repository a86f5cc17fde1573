package io.github.vecrnn.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.io.Onnx;
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
 * From nothing to the first inference in a fresh JVM, what a service sees when it starts: for vecrnn, building
 * the stack, freezing it and the first call (which waits for the warm-up the build started); for ONNX Runtime,
 * creating the session from the model's bytes and the first run. Each fork measures exactly one.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 10, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class ColdStartBenchmark {

    @Param({"vecrnn", "onnxruntime"})
    public String impl;

    @Param({"LSTM"})
    public CellKind cell;

    @Param({"A_inference", "B_inference"})
    public String scenario;

    private RnnWorkload workload;
    private float[] x;
    private byte[] model;

    @Setup
    public void setUp() {
        workload = RnnWorkload.of(scenario);
        x = workload.x();
        if (impl.equals("onnxruntime")) {
            System.setProperty("vecrnn.warmup", "false");   // the export builds a stack: no vecrnn warm-up beside ORT
            model = Onnx.export(workload.rnn(cell, Kernels.preferred()), false);
        } else if (!impl.equals("vecrnn")) {
            throw new IllegalArgumentException("impl " + impl + " is not vecrnn or onnxruntime");
        }
    }

    @Benchmark
    public Object coldStart() throws OrtException {
        if (model == null) {
            Rnn rnn = workload.rnn(cell, Kernels.preferred());
            return rnn.freeze().forward(x, workload.batch(), workload.steps(), null, null).output();
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = OrtEnvironment.getEnvironment().createSession(model, options);
                 OnnxTensor input = OrtRnnBenchmark.input(workload, x);
                 OrtSession.Result result = session.run(Map.of("input", input))) {
                return result.size();
            }
        }
    }
}
