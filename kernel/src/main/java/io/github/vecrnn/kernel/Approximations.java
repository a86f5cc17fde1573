package io.github.vecrnn.kernel;

/**
 * The constants of vecrnn's tanh and sigmoid approximations and their scalar evaluation, shared by
 * both implementations so that the scalar twin and the vector code compute the same float32 value
 * (they are compared bit for bit in the tests). Coefficients come from {@code tools/fit_activations.py}
 * (Lawson's reweighted least squares towards the minimax relative error, in float64).
 */
final class Approximations {
    private Approximations() {}

    // tanh(x) = sign(x) f(|x|). For |x| < TANH_SMALL: f = fma(|x|^3, R(x^2), |x|), R a degree-4 polynomial
    // (relative error 1.0e-9 in float64); one rounding at the end keeps the error before it below
    // 0.4 ulp, less than half the smallest step of tanh between neighbouring floats there, so the
    // result is monotone. TANH_SMALL is about where tanh = 0.5: beyond it f = 1 - 2 / (1 + e^2|x|)
    // loses nothing to cancellation, is monotone in e, and reaches exactly 1 for |x| >= 9.02.
    static final float TANH_SMALL = 0.55f;
    static final float TANH_R0 = -0.33333316f;
    static final float TANH_R1 = 0.13332586f;
    static final float TANH_R2 = -0.05385231f;
    static final float TANH_R3 = 0.021071678f;
    static final float TANH_R4 = -0.006274238f;

    // e^z = 2^n * e^r with n = floor(z / ln 2) and r = z - n ln 2 in [0, ln 2] (Cody and Waite);
    // e^r ~ 1 + r + E2 r^2 + ... + E6 r^6, relative error 2.9e-9 in float64 on [-2^-14, ln 2 + 2^-14]
    // (n is computed in float and can be one off where z / ln 2 is near an integer). With r >= 0 and
    // positive coefficients every step of Horner's rule is monotone in r; sigmoid and tanh are built
    // from e^z with monotone operations only. ActivationsTest checks monotonicity over every float.
    static final float EXP_MIN = -88f;   // n = -127: the scale 2^n becomes exactly 0
    static final float EXP_MAX = 89f;    // n = 128: the scale 2^n becomes +infinity
    static final float LOG2E = 1.44269504f;
    static final float LN2_HI = 0.693359375f;      // few mantissa bits: n * LN2_HI is exact
    static final float LN2_LO = -2.12194440e-4f;   // ln 2 - LN2_HI
    static final float ROUND_MAGIC = 12582912f;    // 1.5 * 2^23: adding it rounds to an integer
    static final int EXP_BIAS_BITS = 127 << 23;
    static final float EXP_E2 = 0.50000226f;
    static final float EXP_E3 = 0.16663191f;
    static final float EXP_E4 = 0.041855033f;
    static final float EXP_E5 = 0.0078683374f;
    static final float EXP_E6 = 0.0019125401f;

    /** tanh(x), the scalar twin of the vector code; see {@link Activations} for its accuracy. */
    static float tanh(float x) {
        float ax = Math.abs(x);
        float u = ax * ax;
        float r = Math.fma(Math.fma(Math.fma(Math.fma(TANH_R4, u, TANH_R3), u, TANH_R2), u, TANH_R1), u, TANH_R0);
        float small = Math.fma(ax * u, r, ax);                                // |x| + |x|^3 R(x^2)
        float large = 1f - 2f / (1f + exp(Math.min(2f * ax, EXP_MAX)));      // NaN stays NaN
        return Math.copySign(ax < TANH_SMALL ? small : large, x);
    }

    /** sigmoid(x) = 1 / (1 + e^-x), the scalar twin of the vector code. */
    static float sigmoid(float x) {
        return 1f / (1f + exp(Math.min(Math.max(-x, EXP_MIN), EXP_MAX)));   // NaN stays NaN
    }

    /** e^z for z in [EXP_MIN, EXP_MAX] (or NaN): 2^n * e^r. */
    static float exp(float z) {
        float shifted = Math.fma(z, LOG2E, -0.5f) + ROUND_MAGIC;        // ROUND_MAGIC + n
        float n = shifted - ROUND_MAGIC;
        float r = Math.fma(n, -LN2_LO, Math.fma(n, -LN2_HI, z));
        float er = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(EXP_E6, r, EXP_E5), r, EXP_E4), r, EXP_E3), r, EXP_E2), r, 1f);
        er = Math.fma(er, r, 1f);
        // 2^n from the bits of ROUND_MAGIC + n: its low mantissa bits hold n (see ROUND_MAGIC)
        float twoToN = Float.intBitsToFloat((Float.floatToRawIntBits(shifted) << 23) + EXP_BIAS_BITS);
        return er * twoToN;
    }
}
