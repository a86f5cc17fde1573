package io.github.vecrnn.kernel;

/**
 * Matrix products on row-major float32 arrays with offsets and leading dimensions, as in BLAS:
 * {@code C = alpha * op(A) * op(B) + beta * C} and {@code y = alpha * op(A) * x + beta * y}.
 *
 * <p>These use {@link Kernels#preferred()}: the Vector API kernels with the default thread count.
 * Call {@code Kernels.preferred().withThreads(1).sgemm(...)} for a fixed thread count and
 * {@link Kernels#scalar()} for the scalar twin. Accuracy and bitwise-reproducibility promises are
 * stated on {@link Kernels#sgemm}.
 *
 * <p>The transpose forms an RNN needs, for gates {@code G = X W^T} with W stored (4H x I):
 * forward {@code sgemm(false, true, ...)}, input gradient {@code dX = dG W} is {@code (false, false)},
 * weight gradient {@code dW = dG^T X} is {@code (true, false)}.
 */
public final class Gemm {
    private Gemm() {}

    /** See {@link Kernels#sgemm}. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                             float beta, float[] c, int cOffset, int ldc) {
        Kernels.preferred().sgemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    /** See {@link Kernels#sgemv}. */
    public static void sgemv(boolean transA, int m, int n, float alpha, float[] a, int aOffset, int lda,
                             float[] x, int xOffset, float beta, float[] y, int yOffset) {
        Kernels.preferred().sgemv(transA, m, n, alpha, a, aOffset, lda, x, xOffset, beta, y, yOffset);
    }
}
