package io.github.vecrnn.kernel;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        Random r = new Random(5);
        List<String> out = new ArrayList<>();
        for (int n : new int[] {1, 3, 17, 64, 100, 257}) {
            float[] x = random(r, n + 3), y = random(r, n + 3), z = new float[n + 3], a = random(r, 7 * n + 5);
            out.add("dot " + n + " " + Float.floatToRawIntBits(k.dot(x, 1, y, 2, n)));
            float[] gemv = new float[7], gemvT = new float[n];
            k.sgemv(false, 7, n, 1.5f, a, 1, n, x, 0, 0f, gemv, 0);
            k.sgemv(true, 7, n, 1f, a, 0, n, random(r, 7), 0, 0f, gemvT, 0);
            out.add("gemv " + n + " " + bits(gemv) + " " + bits(gemvT));
            float[] c = new float[7 * 5];
            k.sgemm(false, true, 7, 5, n, 1f, a, 0, n, random(r, 5 * n), 0, n, 0f, c, 0, 5);
            out.add("sgemm " + n + " " + bits(c));
            k.sigmoid(x, 0, z, 0, n);
            out.add("sigmoid " + n + " " + bits(z));
            k.tanh(x, 0, z, 0, n);
            out.add("tanh " + n + " " + bits(z));
        }
        return out;
    }

    static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian() * 2;
        return v;
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

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = location(Kernels.class) + File.pathSeparator + location(JitIndependenceTest.class);
        List<String> command = new ArrayList<>(List.of(java, "-Xint", "--add-modules=jdk.incubator.vector"));
        String bits = System.getProperty("vecrnn.vector.bits");
        if (bits != null) command.add("-Dvecrnn.vector.bits=" + bits);
        command.addAll(List.of("-cp", classpath, Interpreted.class.getName()));
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> interpreted = new String(child.getInputStream().readAllBytes()).lines().toList();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue());
        assertEquals(compiled.size(), interpreted.size());
        for (int i = 0; i < compiled.size(); i++) {
            assertEquals(interpreted.get(i), compiled.get(i), "interpreted vs compiled, " + compiled.get(i).split(" ")[0]);
        }
    }

    static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
