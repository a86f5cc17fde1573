package io.github.vecrnn.kernel;

/**
 * The logistic sigmoid and tanh on float32 ranges, by vecrnn's own FMA-based approximations: they
 * do not depend on platform math libraries, and the vector code gives the same bits as the scalar
 * twin on every vector width. In place when x == y at the same offset.
 *
 * <h2>Accuracy contract</h2>
 * Against a float64 reference ({@link Math#tanh}, {@code 1 / (1 + Math.exp(-x))}) over every 8th float
 * of [-20, 20], checked by {@code ActivationsTest} on every vector width (the errors it measures are in
 * docs/kernel.md):
 * <ul>
 *   <li>tanh: max absolute error &lt;= 1e-7, max error &lt;= 2 ulp. For |x| &lt; 0.55 an odd polynomial,
 *       beyond it {@code 1 - 2 / (1 + e^2|x|)}; odd ({@code tanh(-x) == -tanh(x)} bit for bit),
 *       tanh(+-0) = +-0, exactly +-1 for |x| &gt;= 9.011 and at +-infinity.</li>
 *   <li>sigmoid: {@code 1 / (1 + e^-x)} with vecrnn's own e^z (Cody-Waite reduction to [0, ln 2], a
 *       degree-6 polynomial): max absolute error &lt;= 1e-7, max error &lt;= 3 ulp of the result, so
 *       relative accuracy holds in the negative tail too; sigmoid(-inf) = 0, sigmoid(+inf) = 1, exactly 1
 *       from x = 16.64 on, exactly 0 for x &lt;= -88.72 (below -87.3 the true value is subnormal; there
 *       the absolute error stays under 3e-39 but the ulp bound does not hold).</li>
 *   <li>Both: NaN in gives NaN out, and both are non-decreasing over every float of [-20, 20]
 *       (beyond it they are constant or exact within the limits above).</li>
 * </ul>
 * Derivatives are taken from the outputs, as backward passes have them: sigmoid' = y (1 - y),
 * tanh' = 1 - y^2.
 */
public final class Activations {
    private Activations() {}

    /** y[i] = 1 / (1 + e^-x[i]) for i in [0, n). */
    public static void sigmoid(float[] x, int xOffset, float[] y, int yOffset, int n) {
        Kernels.preferred().sigmoid(x, xOffset, y, yOffset, n);
    }

    /** y[i] = tanh(x[i]) for i in [0, n). */
    public static void tanh(float[] x, int xOffset, float[] y, int yOffset, int n) {
        Kernels.preferred().tanh(x, xOffset, y, yOffset, n);
    }

    /** d[i] = y[i] * (1 - y[i]), the derivative of the sigmoid given its output y. */
    public static void sigmoidDerivative(float[] y, int yOffset, float[] d, int dOffset, int n) {
        Kernels.preferred().sigmoidDerivative(y, yOffset, d, dOffset, n);
    }

    /** d[i] = 1 - y[i]^2, the derivative of tanh given its output y. */
    public static void tanhDerivative(float[] y, int yOffset, float[] d, int dOffset, int n) {
        Kernels.preferred().tanhDerivative(y, yOffset, d, dOffset, n);
    }
}
