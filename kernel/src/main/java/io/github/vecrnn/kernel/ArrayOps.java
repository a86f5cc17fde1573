package io.github.vecrnn.kernel;

/**
 * Level-1 and element-wise operations on float32 ranges {@code array[offset .. offset + n)}, using
 * {@link Kernels#preferred()}. All but {@link #dot} give the same bits as the scalar twin.
 */
public final class ArrayOps {
    private ArrayOps() {}

    /** Sum of x[i] * y[i], summed lane-wise (differs from a sequential sum by rounding only). */
    public static float dot(float[] x, int xOffset, float[] y, int yOffset, int n) {
        return Kernels.preferred().dot(x, xOffset, y, yOffset, n);
    }

    /** y[i] += alpha * x[i], one FMA per element. */
    public static void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        Kernels.preferred().axpy(alpha, x, xOffset, y, yOffset, n);
    }

    /** y[i] = alpha * x[i] (in place when y == x at the same offset). */
    public static void scale(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        Kernels.preferred().scale(alpha, x, xOffset, y, yOffset, n);
    }

    /** z[i] = x[i] + y[i]. */
    public static void add(float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n) {
        Kernels.preferred().add(x, xOffset, y, yOffset, z, zOffset, n);
    }

    /** z[i] = x[i] * y[i], the Hadamard (element-wise) product. */
    public static void hadamard(float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n) {
        Kernels.preferred().hadamard(x, xOffset, y, yOffset, z, zOffset, n);
    }
}
