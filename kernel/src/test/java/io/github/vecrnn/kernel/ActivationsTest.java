package io.github.vecrnn.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The accuracy contract stated on {@link Activations}, checked for the vector width of this run:
 * error against float64 over every 8th float of [-20, 20] (about 2.8e8 points), monotonicity over
 * every float of [-20, 20], exact limits, NaN, odd symmetry, and bitwise agreement with the scalar twin.
 */
class ActivationsTest {

    private static final Kernels VECTOR = Kernels.preferred();
    private static final Kernels SCALAR = Kernels.scalar();
    private static final int CHUNK = 1 << 20;
    private static final int TWENTY_BITS = Float.floatToRawIntBits(20f);

    // The contract (see Activations): max absolute error, max error in ulps of the float64 value.
    private static final double TANH_MAX_ABS = 1.0e-7, TANH_MAX_ULP = 2.0;
    private static final double SIGMOID_MAX_ABS = 1.0e-7, SIGMOID_MAX_ULP = 3.0;

    interface Function { void apply(Kernels k, float[] x, float[] y, int n); }

    interface Reference { double at(double x); }

    private static final Function TANH = (k, x, y, n) -> k.tanh(x, 0, y, 0, n);
    private static final Function SIGMOID = (k, x, y, n) -> k.sigmoid(x, 0, y, 0, n);

    @Test
    void tanhErrorAgainstFloat64() {
        assertError("tanh", TANH, Math::tanh, TANH_MAX_ABS, TANH_MAX_ULP);
    }

    @Test
    void sigmoidErrorAgainstFloat64() {
        assertError("sigmoid", SIGMOID, x -> 1 / (1 + Math.exp(-x)), SIGMOID_MAX_ABS, SIGMOID_MAX_ULP);
    }

    @Test
    void tanhIsMonotoneOverEveryFloat() {
        assertMonotone("tanh", TANH);
    }

    @Test
    void sigmoidIsMonotoneOverEveryFloat() {
        assertMonotone("sigmoid", SIGMOID);
    }

    @Test
    void limitsSpecialValuesAndSymmetry() {
        float[] x = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0f, -0f, 9.5f, -9.5f, 30f, -30f,
                     Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f};
        float[] t = apply(TANH, VECTOR, x), s = apply(SIGMOID, VECTOR, x);
        assertEquals(1f, t[0]);
        assertEquals(-1f, t[1]);
        assertTrue(Float.isNaN(t[2]));
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(t[3]), "tanh(+0) = +0");
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(t[4]), "tanh(-0) = -0");
        assertEquals(1f, t[5]); assertEquals(-1f, t[6]); assertEquals(1f, t[7]); assertEquals(-1f, t[8]);
        assertEquals(1f, t[9]); assertEquals(-1f, t[10]);
        assertEquals(Float.MIN_VALUE, t[11]); assertEquals(-Float.MIN_VALUE, t[12]); assertEquals(1e-30f, t[13]);
        assertEquals(1f, s[0], "sigmoid(+inf)");
        assertEquals(0f, s[1], "sigmoid(-inf)");
        assertTrue(Float.isNaN(s[2]));
        assertEquals(0.5f, s[3]); assertEquals(0.5f, s[4]);
        assertEquals(1f, s[7]); assertEquals((float) (1 / (1 + Math.exp(30))), s[8], 1e-20f);
        assertEquals(1f, s[9]); assertEquals(0f, s[10]);
        // the saturation points stated on Activations
        float[] edges = apply(SIGMOID, VECTOR, new float[] {16.64f, -88.73f});
        assertEquals(1f, edges[0], "sigmoid(16.64)");
        assertEquals(0f, edges[1], "sigmoid(-88.73)");
        assertEquals(1f, apply(TANH, VECTOR, new float[] {9.011f})[0], "tanh(9.011)");
        // odd symmetry of tanh, bit for bit, over random and dense inputs
        SplittableRandom random = new SplittableRandom(7);
        float[] xs = new float[100_003];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) ((random.nextDouble() * 2 - 1) * Math.pow(10, random.nextInt(-8, 2)));
        float[] neg = xs.clone();
        for (int i = 0; i < neg.length; i++) neg[i] = -neg[i];
        float[] tp = apply(TANH, VECTOR, xs), tn = apply(TANH, VECTOR, neg);
        for (int i = 0; i < xs.length; i++) {
            if (Float.floatToRawIntBits(tp[i]) != Float.floatToRawIntBits(-tn[i])) fail("tanh(-x) != -tanh(x) at x = " + xs[i]);
        }
    }

    @Test
    void vectorMatchesScalarTwinBitForBit() {
        SplittableRandom random = new SplittableRandom(8);
        // every 97th float of [-100, 100] plus tails of every length and odd offsets
        int count = 0;
        float[] x = new float[(int) (2L * Float.floatToRawIntBits(100f) / 97 + 2)];
        for (int bits = 0; bits <= Float.floatToRawIntBits(100f); bits += 97) {
            x[count++] = Float.intBitsToFloat(bits);
            x[count++] = -Float.intBitsToFloat(bits);
        }
        for (Function f : new Function[] {TANH, SIGMOID}) {
            KernelTestSupport.assertBitwiseEqual(apply(f, SCALAR, x), apply(f, VECTOR, x), "activation over a dense sweep");
        }
        for (int n = 0; n < 70; n++) {
            int off = random.nextInt(5);
            float[] in = KernelTestSupport.randomArray(random, off + n + 3);
            for (int i = 0; i < in.length; i++) in[i] *= 12f;
            int length = n;
            float[] v1 = KernelTestSupport.assertSameAsTwin("tanh n=" + n + " offset " + off, new float[in.length],
                                                            (k, out) -> k.tanh(in, off, out, off, length));
            KernelTestSupport.assertSameAsTwin("sigmoid n=" + n + " offset " + off, new float[in.length],
                                               (k, out) -> k.sigmoid(in, off, out, off, length));
            float[] inPlace = in.clone();
            VECTOR.tanh(inPlace, off, inPlace, off, n);
            for (int i = 0; i < n; i++) assertEquals(v1[off + i], inPlace[off + i], "tanh in place");
            for (int i = 0; i < off; i++) assertEquals(in[i], inPlace[i], "tanh in place: before the range");
            for (int i = off + n; i < in.length; i++) assertEquals(in[i], inPlace[i], "tanh in place: after the range");
        }
    }

    @Test
    void derivativesFromOutputs() {
        SplittableRandom random = new SplittableRandom(9);
        for (int n : new int[] {0, 1, 15, 16, 17, 33, 100}) {
            float[] y = KernelTestSupport.randomArray(random, n + 2);
            float[] dv = KernelTestSupport.assertSameAsTwin("sigmoid' n=" + n, new float[n + 2],
                                                            (k, out) -> k.sigmoidDerivative(y, 1, out, 1, n));
            float[] tv = KernelTestSupport.assertSameAsTwin("tanh' n=" + n, new float[n + 2],
                                                            (k, out) -> k.tanhDerivative(y, 1, out, 1, n));
            for (int i = 1; i <= n; i++) {
                assertEquals(y[i] * (1.0 - y[i]), dv[i], 2e-7, "y(1-y)");
                assertEquals(1.0 - (double) y[i] * y[i], tv[i], 2e-7, "1-y^2");
            }
        }
    }

    // ---------------------------------------------------------------------------------- helpers

    private static float[] apply(Function f, Kernels k, float[] x) {
        float[] y = new float[x.length];
        f.apply(k, x, y, x.length);
        return y;
    }

    /** Max |f(x) - ref(x)| and max of that in ulps of the rounded reference, over every 8th float of [-20, 20]. */
    private static void assertError(String name, Function f, Reference ref, double maxAbs, double maxUlp) {
        float[] x = new float[CHUNK], y = new float[CHUNK];
        double worstAbs = 0, worstUlp = 0;
        float atAbs = 0, atUlp = 0;
        for (int sign = 0; sign < 2; sign++) {
            for (int start = 0; start <= TWENTY_BITS; start += 8 * CHUNK) {
                int n = 0;
                for (int bits = start; bits <= TWENTY_BITS && n < CHUNK; bits += 8) {
                    x[n++] = sign == 0 ? Float.intBitsToFloat(bits) : -Float.intBitsToFloat(bits);
                }
                f.apply(VECTOR, x, y, n);
                for (int i = 0; i < n; i++) {
                    double exact = ref.at(x[i]);
                    double abs = Math.abs(y[i] - exact);
                    double ulp = abs / Math.ulp((float) exact);
                    if (abs > worstAbs) { worstAbs = abs; atAbs = x[i]; }
                    if (ulp > worstUlp) { worstUlp = ulp; atUlp = x[i]; }
                }
            }
        }
        String report = name + " on " + VECTOR + ": max abs error " + worstAbs + " at " + atAbs
                + ", max " + worstUlp + " ulp at " + atUlp;
        System.out.println(report);
        assertTrue(worstAbs <= maxAbs, report + " (contract: " + maxAbs + ")");
        assertTrue(worstUlp <= maxUlp, report + " (contract: " + maxUlp + " ulp)");
    }

    /** f(x) is non-decreasing over every float of [-20, 20], in increasing order. */
    private static void assertMonotone(String name, Function f) {
        float[] x = new float[CHUNK], y = new float[CHUNK];
        float previous = Float.NEGATIVE_INFINITY, previousX = Float.NaN;
        // from -20 up to -0, then +0 up to 20: negative floats in decreasing bit order
        for (int part = 0; part < 2; part++) {
            long from = part == 0 ? TWENTY_BITS : 0, to = part == 0 ? 0 : TWENTY_BITS;
            long step = part == 0 ? -1 : 1;
            long bits = from;
            while (true) {
                int n = 0;
                while (n < CHUNK && (step > 0 ? bits <= to : bits >= to)) {
                    float v = Float.intBitsToFloat((int) bits);
                    x[n++] = part == 0 ? -v : v;
                    bits += step;
                }
                if (n == 0) break;
                f.apply(VECTOR, x, y, n);
                for (int i = 0; i < n; i++) {
                    if (y[i] < previous) {
                        fail(name + " decreases from " + previous + " at x = " + previousX + " to " + y[i] + " at x = " + x[i]);
                    }
                    previous = y[i];
                    previousX = x[i];
                }
            }
        }
    }
}
