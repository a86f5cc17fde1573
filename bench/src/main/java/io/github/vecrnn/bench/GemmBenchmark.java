package io.github.vecrnn.bench;

import io.github.vecrnn.kernel.Kernels;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.ejml.concurrency.EjmlConcurrency;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.CommonOps_MT_FDRM;
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
 * C = A B (no transposes, alpha 1, beta 0) at square sizes and at the RNN shapes
 * (batch x input x 4*hidden), for vecrnn, its scalar twin, a plain Java loop and EJML, on 1 and 2 threads.
 * The score is microseconds per product; GFLOP/s = 2 M K N / score / 1000 (scripts/jmh-table.py).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class GemmBenchmark {

    /** M x K x N. */
    @Param({"128x128x128", "256x256x256", "512x512x512", "1024x1024x1024",
            "64x256x1024", "64x512x2048", "32x384x1024", "1x384x1024"})
    public String shape;

    @Param({"vecrnn", "scalar", "plainjava", "ejml"})
    public String impl;

    @Param({"1", "2"})
    public int threads;

    private int m, k, n;
    private float[] a, b, c;
    private Kernels kernels;
    private FMatrixRMaj ea, eb, ec;

    @Setup
    public void setUp() {
        String[] parts = shape.split("x");
        m = Integer.parseInt(parts[0]);
        k = Integer.parseInt(parts[1]);
        n = Integer.parseInt(parts[2]);
        SplittableRandom random = new SplittableRandom(42);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) random.nextDouble(-1, 1);
        for (int i = 0; i < b.length; i++) b[i] = (float) random.nextDouble(-1, 1);
        kernels = switch (impl) {
            case "vecrnn" -> Kernels.preferred().withThreads(threads);
            case "scalar" -> Kernels.scalar();
            case "plainjava", "ejml" -> null;
            default -> throw new IllegalArgumentException("impl " + impl);
        };
        if (impl.equals("plainjava")) {
            if (threads != 1) throw new IllegalArgumentException("the plain Java loop is single-threaded; run it with -p threads=1");
        } else if (kernels == null) {
            ea = FMatrixRMaj.wrap(m, k, a);
            eb = FMatrixRMaj.wrap(k, n, b);
            ec = FMatrixRMaj.wrap(m, n, c);
            EjmlConcurrency.setMaxThreads(threads);
        } else if (impl.equals("scalar") && threads != 1) {
            throw new IllegalArgumentException("the scalar twin is single-threaded; run it with -p threads=1");
        }
    }

    @Benchmark
    public float[] multiply() {
        if (kernels != null) {
            kernels.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        } else if (ea == null) {
            plainJava(m, n, k, a, b, c);
        } else if (threads == 1) {
            CommonOps_FDRM.mult(ea, eb, ec);
        } else {
            CommonOps_MT_FDRM.mult(ea, eb, ec);
        }
        return c;
    }

    /**
     * C = A B as a Java programmer would write it without a library: row-major, the i-k-j loop order so that the
     * inner loop runs along rows of B and C, which C2 compiles to vector instructions (superword). Not the scalar
     * twin, which keeps one exact summation order per element and cannot be vectorized.
     */
    static void plainJava(int m, int n, int k, float[] a, float[] b, float[] c) {
        for (int i = 0; i < m; i++) {
            int row = i * n;
            java.util.Arrays.fill(c, row, row + n, 0f);
            for (int p = 0; p < k; p++) {
                float aip = a[i * k + p];
                int bRow = p * n;
                for (int j = 0; j < n; j++) c[row + j] += aip * b[bRow + j];
            }
        }
    }
}
