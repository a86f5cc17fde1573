package io.github.vecrnn.kernel;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad arguments throw IllegalArgumentException naming the argument and the shape, before any write. */
class ArgumentChecksTest {

    private static final Kernels K = Kernels.preferred();

    record Case(String expectedInMessage, Executable call) {}

    @Test
    void badGemmArgumentsAreRefusedBeforeAnyWrite() {
        float[] a = new float[12], b = new float[12];
        float[] c = new float[12];
        Arrays.fill(c, 7f);
        List<Case> cases = List.of(
                new Case("m must be >= 0, got -1", () -> K.sgemm(false, false, -1, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2)),
                new Case("n must be >= 0, got -3", () -> K.sgemm(false, false, 2, -3, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2)),
                new Case("k must be >= 0, got -2", () -> K.sgemm(false, false, 2, 2, -2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2)),
                new Case("lda = 2 is smaller than the row length 3 of A 2x3", () -> K.sgemm(false, false, 2, 2, 3, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2)),
                new Case("lda = 1 is smaller than the row length 2 of A (stored transposed) 3x2", () -> K.sgemm(true, false, 2, 2, 3, 1f, a, 0, 1, b, 0, 2, 0f, c, 0, 2)),
                new Case("ldb = 1 is smaller than the row length 2 of B 3x2", () -> K.sgemm(false, false, 2, 2, 3, 1f, a, 0, 3, b, 0, 1, 0f, c, 0, 2)),
                new Case("ldc = 1 is smaller than the row length 2 of C 2x2", () -> K.sgemm(false, false, 2, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 1)),
                new Case("a has length 12 but A 4x3 with lda = 3 and offset 1 needs 13", () -> K.sgemm(false, false, 4, 2, 3, 1f, a, 1, 3, b, 0, 2, 0f, c, 0, 2)),
                new Case("b has length 12 but B (stored transposed) 5x3 with ldb = 3 and offset 0 needs 15", () -> K.sgemm(false, true, 2, 5, 3, 1f, a, 0, 3, b, 0, 3, 0f, c, 0, 5)),
                new Case("c has length 12 but C 3x4 with ldc = 5 and offset 0 needs 14", () -> K.sgemm(false, false, 3, 4, 1, 1f, a, 0, 1, b, 0, 4, 0f, c, 0, 5)),
                new Case("a offset must be >= 0, got -1", () -> K.sgemm(false, false, 2, 2, 2, 1f, a, -1, 2, b, 0, 2, 0f, c, 0, 2)),
                new Case("more than an int index can reach (rows*cols = 4900000000)", () -> K.sgemm(false, false, 70000, 70000, 1, 1f, new float[70000], 0, 1, new float[70000], 0, 70000, 0f, c, 0, 70000)),
                new Case("A 2x2 with lda = 2 and offset 2147483645 needs 2147483649 elements, more than an int index can reach", () -> K.sgemm(false, false, 2, 2, 2, 1f, a, Integer.MAX_VALUE - 2, 2, b, 0, 2, 0f, c, 0, 2)),
                new Case("sgemv: x has length 12 but offset 0 + n 13", () -> K.sgemv(false, 1, 13, 1f, new float[13], 0, 13, c, 0, 0f, new float[1], 0)),
                new Case("sgemv: y has length 12 but offset 1 + n 12", () -> K.sgemv(true, 1, 12, 1f, new float[12], 0, 12, new float[1], 0, 0f, c, 1)),
                new Case("axpy: y has length 12 but offset 0 + n 13", () -> K.axpy(1f, new float[13], 0, c, 0, 13)),
                new Case("tanh: n must be >= 0, got -1", () -> K.tanh(a, 0, c, 0, -1)),
                new Case("sigmoid: y [1, 11) partly overlaps x [0, 10)", () -> K.sigmoid(c, 0, c, 1, 10)),
                new Case("add: z [2, 6) partly overlaps y [0, 4)", () -> K.add(a, 0, c, 0, c, 2, 4)),
                new Case("dot: y offset must be >= 0, got -2", () -> K.dot(a, 0, b, -2, 3)));
        for (Case test : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, test.call(), test.expectedInMessage());
            assertTrue(e.getMessage().contains(test.expectedInMessage()),
                    "message '" + e.getMessage() + "' should contain '" + test.expectedInMessage() + "'");
            for (float v : c) assertTrue(v == 7f, "output written before the check failed: " + test.expectedInMessage());
        }
    }

    @Test
    void nullArraysAreNamed() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> K.sgemm(false, false, 1, 1, 1, 1f, new float[1], 0, 1, null, 0, 1, 0f, new float[1], 0, 1));
        assertTrue(e.getMessage().contains("b is null"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> K.withThreads(0));
    }

    @Test
    void blasEdgeCases() {
        float[] c = {Float.NaN, 2f, Float.NaN, 4f};
        // k == 0 with beta == 0: C = 0 even where it held NaN; A and B are not read (empty arrays)
        K.sgemm(false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 0f, c, 0, 2);
        assertTrue(Arrays.equals(new float[] {0f, 0f, 0f, 0f}, c));
        float[] d = {1f, 2f, 3f, 4f};
        // alpha == 0: C = beta * C
        K.sgemm(false, false, 2, 2, 2, 0f, new float[] {Float.NaN, 1, 1, 1}, 0, 2, new float[4], 0, 2, 2f, d, 0, 2);
        assertTrue(Arrays.equals(new float[] {2f, 4f, 6f, 8f}, d));
        // m == 0 or n == 0: nothing happens, even with empty arrays
        K.sgemm(false, false, 0, 3, 3, 1f, new float[0], 0, 3, new float[9], 0, 3, 0f, new float[0], 0, 3);
        K.sgemm(false, false, 3, 0, 3, 1f, new float[9], 0, 3, new float[0], 0, 1, 0f, new float[0], 0, 1);
    }
}
