package io.github.vecrnn.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.function.BiConsumer;

/** What the kernel's tests share: random data, bitwise comparisons, the comparison with the scalar twin. */
final class KernelTestSupport {
    static final Kernels VECTOR = Kernels.preferred().withThreads(1);
    static final Kernels SCALAR = Kernels.scalar();

    private KernelTestSupport() {
    }

    /** Uniform floats in [-1, 1). */
    static float[] randomArray(SplittableRandom random, int length) {
        float[] array = new float[length];
        for (int i = 0; i < length; i++) array[i] = (float) (random.nextDouble() * 2 - 1);
        return array;
    }

    static void assertBitwiseEqual(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }

    /** Everything outside the rows x cols block at offset (leading dimension ld) is as before. */
    static void assertOutsideUnchanged(float[] before, float[] after, int offset, int rows, int cols, int ld, String what) {
        for (int i = 0; i < before.length; i++) {
            int rel = i - offset;
            boolean inside = rel >= 0 && rel / ld < rows && rel % ld < cols;
            if (!inside && Float.floatToRawIntBits(before[i]) != Float.floatToRawIntBits(after[i])) {
                fail(what + ": element " + i + " outside the output was changed from " + before[i] + " to " + after[i]);
            }
        }
    }

    /**
     * Runs op on a copy of output with the vector kernels and on another with the scalar twin, checks that
     * both give the same bits, and returns the vector kernels' copy (as Lucene's vectorization tests compare
     * the Panama implementation with the default one).
     */
    static float[] assertSameAsTwin(String what, float[] output, BiConsumer<Kernels, float[]> op) {
        float[] vector = output.clone(), scalar = output.clone();
        op.accept(VECTOR, vector);
        op.accept(SCALAR, scalar);
        assertBitwiseEqual(scalar, vector, what + ": vector kernels against the scalar twin");
        return vector;
    }
}
