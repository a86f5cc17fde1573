package io.github.vecrnn.kernel;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The same call gives the same bits whether its code is interpreted or compiled by C2. A child JVM
 * with {@code -Xint} (the Vector API's plain-Java fallback) computes every kernel on fixed data; this
 * JVM computes the same after warming each kernel up so C2 compiles it; the outputs must match bit
 * for bit. Without this, a model's results would change once the JIT compiled it: a resumed run or a
 * fresh replica would drift from a warm one (reduceLanes(ADD) did exactly that).
 */
class JitIndependenceTest {

    /** Every kernel on fixed data, as one list of float bits per call. */
    static List<String> results() {
        Kernels k = Kernels.preferred().withThreads(1);
        SplittableRandom r = new SplittableRandom(5);
        List<String> out = new ArrayList<>();
        for (int n : new int[] {1, 3, 17, 64, 100, 257}) {
            float[] x = KernelTestSupport.randomArray(r, n + 3), y = KernelTestSupport.randomArray(r, n + 3), z = new float[n + 3], a = KernelTestSupport.randomArray(r, 7 * n + 5);
            out.add("dot " + n + " " + Float.floatToRawIntBits(k.dot(x, 1, y, 2, n)));
            float[] gemv = new float[7], gemvT = new float[n];
            k.sgemv(false, 7, n, 1.5f, a, 1, n, x, 0, 0f, gemv, 0);
            k.sgemv(true, 7, n, 1f, a, 0, n, KernelTestSupport.randomArray(r, 7), 0, 0f, gemvT, 0);
            out.add("gemv " + n + " " + bits(gemv) + " " + bits(gemvT));
            float[] c = new float[7 * 5];
            k.sgemm(false, true, 7, 5, n, 1f, a, 0, n, KernelTestSupport.randomArray(r, 5 * n), 0, n, 0f, c, 0, 5);
            out.add("sgemm " + n + " " + bits(c));
            k.sigmoid(x, 0, z, 0, n);
            out.add("sigmoid " + n + " " + bits(z));
            k.tanh(x, 0, z, 0, n);
            out.add("tanh " + n + " " + bits(z));
        }
        return out;
    }

    static String bits(float[] v) {
        StringBuilder b = new StringBuilder();
        for (float f : v) b.append(Integer.toHexString(Float.floatToRawIntBits(f))).append(',');
        return b.toString();
    }

    /** The child: prints the results, one per line. */
    public static final class Interpreted {
        public static void main(String[] args) {
            for (String line : results()) System.out.println(line);
        }
    }

    @Test
    void interpretedAndCompiledCodeGiveTheSameBits() throws Exception {
        for (int i = 0; i < 3000; i++) results(); // C2 compiles the kernels on the way
        List<String> compiled = results();

        List<String> options = new ArrayList<>(List.of("-Xint", "--add-modules=jdk.incubator.vector"));
        String bits = System.getProperty("vecrnn.vector.bits");
        if (bits != null) options.add("-Dvecrnn.vector.bits=" + bits);
        ChildJvm.Result r = ChildJvm.run(options, Interpreted.class);
        assertEquals(0, r.exitCode(), r.err());
        List<String> interpreted = r.out().lines().toList();
        assertEquals(compiled.size(), interpreted.size());
        for (int i = 0; i < compiled.size(); i++) {
            assertEquals(interpreted.get(i), compiled.get(i), "interpreted vs compiled, " + compiled.get(i).split(" ")[0]);
        }
    }
}
