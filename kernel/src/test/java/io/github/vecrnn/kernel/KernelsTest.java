package io.github.vecrnn.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which implementation runs: the forced width is honoured, and a JVM without the module falls back. */
class KernelsTest {

    @Test
    void forcedVectorWidthIsTheOneInUse() {
        String forced = System.getProperty(Kernels.BITS_PROPERTY);
        Kernels preferred = Kernels.preferred();
        System.out.println("kernels under test: " + preferred);
        assertTrue(preferred.isVectorized(), "this test JVM runs with jdk.incubator.vector: " + preferred);
        if (forced != null && !forced.isBlank()) {
            assertEquals(Integer.parseInt(forced), preferred.vectorBits());
        }
        assertEquals(0, Kernels.scalar().vectorBits());
    }

    /** A packed matrix's strips are as wide as the GEMM's register tile: the forced one, or the machine's. */
    @Test
    void forcedTileWidthIsTheOneInUse() {
        int lanes = Kernels.preferred().vectorBits() / Float.SIZE;
        int panel = Kernels.preferred().newPackedMatrix(1, 1).panelWidth();
        String forced = System.getProperty(Kernels.STRIP_PROPERTY);
        if (forced != null && !forced.isBlank()) {
            assertEquals(Integer.parseInt(forced) * lanes, panel);
        } else {
            assertTrue(panel == 2 * lanes || panel == 4 * lanes, "strips of " + panel + " floats, lanes " + lanes);
        }
    }

    @Test
    void propertiesAreParsedStrictly() {
        assertEquals(KernelProperties.Strip.MACHINE, KernelProperties.strip(""));
        assertEquals(KernelProperties.Strip.VECTORS_2, KernelProperties.strip(" 2 "));
        assertEquals(KernelProperties.Strip.VECTORS_4, KernelProperties.strip("4"));
        for (String bad : List.of("3", "8", "two", "-2")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> KernelProperties.strip(bad));
            assertTrue(e.getMessage().contains(Kernels.STRIP_PROPERTY) && e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        assertEquals(KernelProperties.Width.BITS_256, KernelProperties.width("256"));
        assertThrows(IllegalStateException.class, () -> KernelProperties.width("64"));
        assertEquals(3, KernelProperties.threads("3"));
        assertThrows(IllegalStateException.class, () -> KernelProperties.threads("0"));
    }

    /**
     * Started without --add-modules jdk.incubator.vector: one warning, logged through System.Logger (here
     * java.util.logging's default handler, one line per record), and scalar results.
     */
    @Test
    void withoutTheVectorModuleEverythingStillWorks() throws IOException, InterruptedException {
        ChildJvm.Result r = ChildJvm.run(List.of("-Djava.util.logging.SimpleFormatter.format=%4$s: %5$s%n"), FallbackMain.class);
        String out = r.out().trim(), err = r.err().trim();
        assertEquals(0, r.exitCode(), "child failed: " + out + "\n" + err);
        assertEquals(1, err.lines().count(), "exactly one warning line, got:\n" + err);
        assertTrue(err.startsWith("WARNING: vecrnn: ") && err.contains("--add-modules jdk.incubator.vector"), err);
        float[] one = {1f};
        Kernels.scalar().tanh(one, 0, one, 0, 1);
        assertEquals("Kernels[scalar, 1 thread] 6.0 0.5 " + one[0] + " ok", out);
    }

    /** Runs in the child JVM. */
    public static final class FallbackMain {
        public static void main(String[] args) {
            float[] c = new float[1];
            Gemm.sgemm(false, false, 1, 1, 3, 1f, new float[] {1, 2, 3}, 0, 3, new float[] {1, 1, 1}, 0, 1, 0f, c, 0, 1);
            float[] s = {0f}, t = {1f};
            Activations.sigmoid(s, 0, s, 0, 1);
            Activations.tanh(t, 0, t, 0, 1);
            boolean scalar = !Kernels.preferred().isVectorized();
            System.out.println(Kernels.preferred().withThreads(1) + " " + c[0] + " " + s[0] + " " + t[0] + (scalar ? " ok" : " vectorized?"));
        }
    }
}
