package io.github.vecrnn.bench;

import io.github.vecrnn.kernel.Kernels;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
 * sigmoid and tanh over n floats (in L1), vecrnn against its scalar twin, plain Math.tanh / Math.exp
 * loops and the Vector API's lanewise(TANH) / lanewise(EXP). Elements per ns = n / score.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class ActivationBenchmark {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    @Param({"4096"})
    public int n;

    private float[] x, y;
    private final Kernels vecrnn = Kernels.preferred();
    private final Kernels scalar = Kernels.scalar();

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(7);
        x = new float[n];
        y = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) random.nextDouble(-8, 8);
    }

    @Benchmark
    public float[] tanhVecrnn() {
        vecrnn.tanh(x, 0, y, 0, n);
        return y;
    }

    @Benchmark
    public float[] tanhScalarTwin() {
        scalar.tanh(x, 0, y, 0, n);
        return y;
    }

    @Benchmark
    public float[] tanhMathLoop() {
        for (int i = 0; i < n; i++) y[i] = (float) Math.tanh(x[i]);
        return y;
    }

    @Benchmark
    public float[] tanhLanewise() {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, x, i).lanewise(VectorOperators.TANH).intoArray(y, i);
        }
        for (; i < n; i++) y[i] = (float) Math.tanh(x[i]);
        return y;
    }

    @Benchmark
    public float[] sigmoidVecrnn() {
        vecrnn.sigmoid(x, 0, y, 0, n);
        return y;
    }

    @Benchmark
    public float[] sigmoidScalarTwin() {
        scalar.sigmoid(x, 0, y, 0, n);
        return y;
    }

    @Benchmark
    public float[] sigmoidMathLoop() {
        for (int i = 0; i < n; i++) y[i] = (float) (1 / (1 + Math.exp(-x[i])));
        return y;
    }

    @Benchmark
    public float[] sigmoidLanewiseExp() {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            FloatVector e = FloatVector.fromArray(SPECIES, x, i).neg().lanewise(VectorOperators.EXP);
            FloatVector.broadcast(SPECIES, 1f).div(e.add(1f)).intoArray(y, i);
        }
        for (; i < n; i++) y[i] = (float) (1 / (1 + Math.exp(-x[i])));
        return y;
    }
}
