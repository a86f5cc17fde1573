package io.github.vecrnn.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Level-1 and element-wise operations: bitwise against the scalar twin (dot: within its error bound). */
class ArrayOpsTest {

    private static final Kernels VECTOR = Kernels.preferred();
    private static final Kernels SCALAR = Kernels.scalar();
    private static final int[] LENGTHS = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 257, 1000};

    @Test
    void elementWiseOperationsMatchTheScalarTwin() {
        SplittableRandom random = new SplittableRandom(11);
        for (int n : LENGTHS) {
            int xo = random.nextInt(4), yo = random.nextInt(4), zo = random.nextInt(4);
            float[] x = KernelTestSupport.randomArray(random, xo + n + 2), y = KernelTestSupport.randomArray(random, yo + n + 2);
            float[] z = KernelTestSupport.randomArray(random, zo + n + 2);
            float alpha = (float) random.nextDouble(-3, 3);

            KernelTestSupport.assertSameAsTwin("axpy n=" + n, y, (k, out) -> k.axpy(alpha, x, xo, out, yo, n));
            KernelTestSupport.assertSameAsTwin("scale n=" + n, y, (k, out) -> k.scale(alpha, x, xo, out, yo, n));
            float[] zv = KernelTestSupport.assertSameAsTwin("add n=" + n, z, (k, out) -> k.add(x, xo, y, yo, out, zo, n));
            KernelTestSupport.assertOutsideUnchanged(z, zv, zo, 1, n, Math.max(1, n), "add n=" + n);
            zv = KernelTestSupport.assertSameAsTwin("hadamard n=" + n, z, (k, out) -> k.hadamard(x, xo, y, yo, out, zo, n));
            for (int i = 0; i < n; i++) assertEquals(x[xo + i] * y[yo + i], zv[zo + i]);

            // in place: x <- x + y, x <- alpha x
            float[] xv = x.clone();
            VECTOR.add(xv, xo, y, yo, xv, xo, n);
            VECTOR.scale(alpha, xv, xo, xv, xo, n);
            for (int i = 0; i < n; i++) assertEquals(alpha * (x[xo + i] + y[yo + i]), xv[xo + i]);

            double exact = 0, magnitude = 0;
            for (int i = 0; i < n; i++) {
                exact += (double) x[xo + i] * y[yo + i];
                magnitude += Math.abs((double) x[xo + i] * y[yo + i]);
            }
            float dv = VECTOR.dot(x, xo, y, yo, n), ds = SCALAR.dot(x, xo, y, yo, n);
            double bound = (n + 1) * 0x1p-24 * magnitude + Float.MIN_NORMAL;
            assertTrue(Math.abs(dv - exact) <= bound, "dot n=" + n + ": " + dv + " vs " + exact);
            assertTrue(Math.abs(ds - exact) <= bound, "scalar dot n=" + n + ": " + ds + " vs " + exact);
        }
    }

    @Test
    void fusedLstmCellMatchesTheScalarTwinAndTheEquations() {
        SplittableRandom random = new SplittableRandom(13);
        for (int n : LENGTHS) {
            for (int pad : new int[] {0, 5}) {
                int stride = n + pad, go = random.nextInt(4), co = random.nextInt(4), to = random.nextInt(4), ho = random.nextInt(4);
                float[] gates = KernelTestSupport.randomArray(random, go + 4 * stride + 3);
                for (int i = 0; i < gates.length; i++) gates[i] *= 6f;   // pre-activations over both tanh branches
                float[] cPrev = KernelTestSupport.randomArray(random, co + n + 1);
                float[] gv = gates.clone(), gs = gates.clone();
                float[] cv = new float[co + n + 1], cs = new float[co + n + 1];
                float[] tv = new float[to + n + 1], ts = new float[to + n + 1];
                float[] hv = new float[ho + n + 1], hs = new float[ho + n + 1];
                VECTOR.lstmCell(gv, go, stride, cPrev, co, cv, co, tv, to, hv, ho, n);
                SCALAR.lstmCell(gs, go, stride, cPrev, co, cs, co, ts, to, hs, ho, n);
                String at = "lstmCell n=" + n + " stride=" + stride;
                KernelTestSupport.assertBitwiseEqual(gs, gv, at + " gates");
                KernelTestSupport.assertBitwiseEqual(cs, cv, at + " c");
                KernelTestSupport.assertBitwiseEqual(ts, tv, at + " tanh(c)");
                KernelTestSupport.assertBitwiseEqual(hs, hv, at + " h");
                // the equations in float64: sigmoid and tanh are within 1e-7 (Activations); with |i|, |f|,
                // |g|, |o|, |c_{t-1}| <= 1 the error of c is <= 3e-7 plus two roundings of |c| <= 2 (2.4e-7),
                // tanh (slope <= 1) adds 1e-7, h another 1e-7 and a rounding: below 9e-7. Bound 1e-6 on all.
                for (int j = 0; j < n; j++) {
                    double i = sigmoid(gates[go + j]), f = sigmoid(gates[go + stride + j]);
                    double g = Math.tanh(gates[go + 2 * stride + j]), o = sigmoid(gates[go + 3 * stride + j]);
                    double c = f * cPrev[co + j] + i * g;
                    assertEquals(i, gv[go + j], 1e-6, at + " i");
                    assertEquals(f, gv[go + stride + j], 1e-6, at + " f");
                    assertEquals(g, gv[go + 2 * stride + j], 1e-6, at + " g");
                    assertEquals(o, gv[go + 3 * stride + j], 1e-6, at + " o");
                    assertEquals(c, cv[co + j], 1e-6, at + " c");
                    assertEquals(Math.tanh(c), tv[to + j], 1e-6, at + " tanh(c)");
                    assertEquals(o * Math.tanh(c), hv[ho + j], 1e-6, at + " h");
                }
                // nothing outside the rows is written
                for (int q = 0; q < 4; q++) {
                    for (int j = n; j < stride; j++) assertEquals(gates[go + q * stride + j], gv[go + q * stride + j], at);
                }
                assertEquals(0f, cv[co + n]);
                assertEquals(0f, tv[to + n]);
                assertEquals(0f, hv[ho + n]);
            }
        }
        float[] row = new float[40];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.lstmCell(row, 0, 4, row, 0, row, 0, row, 0, row, 0, 5));
        assertTrue(e.getMessage().contains("gateStride = 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.lstmCell(row, 0, 11, row, 0, row, 0, row, 0, row, 0, 10));
        assertTrue(e.getMessage().contains("gates has length 40"), e.getMessage());
        // outputs that overlap a gate block, each other or cPrev are refused, naming both ranges
        float[] gates = new float[40], cPrev = new float[10], c = new float[10], tanhC = new float[10], h = new float[10];
        e = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.lstmCell(gates, 0, 10, cPrev, 0, c, 0, tanhC, 0, gates, 32, 5));
        assertEquals("lstmCell: h [32, 37) overlaps the output gate block [30, 35) in the same array; they must be disjoint",
                     e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.lstmCell(gates, 0, 10, cPrev, 0, c, 0, c, 3, h, 0, 5));
        assertTrue(e.getMessage().contains("c [0, 5) overlaps tanhC [3, 8)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.lstmCell(gates, 0, 10, cPrev, 0, c, 0, tanhC, 0, cPrev, 4, 5));
        assertTrue(e.getMessage().contains("h [4, 9) overlaps cPrev [0, 5)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.lstmCell(gates, 0, 10, cPrev, 0, cPrev, 2, tanhC, 0, h, 0, 5));
        assertTrue(e.getMessage().contains("partly overlaps cPrev"), e.getMessage());
        VECTOR.lstmCell(gates, 0, 10, cPrev, 0, cPrev, 0, tanhC, 0, h, 0, 5);   // c in place of cPrev is allowed
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void staticFacadesUseThePreferredKernels() {
        float[] x = {1, 2, 3}, y = {4, 5, 6}, z = new float[3];
        assertEquals(32f, ArrayOps.dot(x, 0, y, 0, 3));
        ArrayOps.add(x, 0, y, 0, z, 0, 3);
        assertEquals(9f, z[2]);
        ArrayOps.hadamard(x, 0, y, 0, z, 0, 3);
        assertEquals(18f, z[2]);
        ArrayOps.axpy(2f, x, 0, z, 0, 3);
        assertEquals(24f, z[2]);
        ArrayOps.scale(0.5f, z, 0, z, 0, 3);
        assertEquals(12f, z[2]);
        float[] c = new float[4];
        Gemm.sgemm(false, false, 2, 2, 1, 1f, new float[] {1, 2}, 0, 1, new float[] {3, 4}, 0, 2, 0f, c, 0, 2);
        assertEquals(8f, c[3]);
        float[] yv = new float[2];
        Gemm.sgemv(false, 2, 2, 1f, new float[] {1, 2, 3, 4}, 0, 2, new float[] {1, 1}, 0, 0f, yv, 0);
        assertEquals(7f, yv[1]);
        float[] a = {0f};
        Activations.sigmoid(a, 0, a, 0, 1);
        assertEquals(0.5f, a[0]);
        Activations.tanh(a, 0, a, 0, 1);
        Activations.tanhDerivative(a, 0, a, 0, 1);
        Activations.sigmoidDerivative(a, 0, a, 0, 1);
        assertTrue(a[0] > 0f && a[0] < 0.25f);
    }
}
