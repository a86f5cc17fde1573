package io.github.vecrnn.kernel;

/**
 * The raw operations, implemented twice: {@link ScalarKernelSupport} (plain loops, the reference
 * and the fallback) and {@code PanamaKernelSupport} (the Vector API). Arguments are NOT checked
 * here; {@link Kernels} checks them once, before calling in.
 *
 * <p>Matrices are row-major {@code float[]} with an offset and a leading dimension, as in BLAS.
 */
interface KernelSupport {

    /** A short description, e.g. "Panama 512-bit (16 lanes)" or "scalar". */
    String description();

    /** Vector width in bits, 0 for the scalar implementation. */
    int vectorBits();

    /**
     * C = alpha * op(A) * op(B) + beta * C for m, n, k &gt;= 1 and alpha != 0. When beta == 0, C is
     * only written, never read.
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
               float beta, float[] c, int cOffset, int ldc);

    /** Columns per strip of a {@link PackedMatrix}: the width of the GEMM's register tile. */
    int panelWidth();

    /**
     * C = alpha * A * B + beta * C for B packed in strips ({@link PackedMatrix}'s layout with this
     * panel width) from b[bOffset]: m, n, k &gt;= 1, alpha != 0, beta == 0 only writes C.
     */
    void sgemmPacked(int m, int n, int k, float alpha, float[] a, int aOffset, int lda,
                     float[] b, int bOffset, float beta, float[] c, int cOffset, int ldc);

    /**
     * The same product over blocks equally spaced columns of one packed B: for q = 0 .. blocks-1, the
     * n columns of C from cOffset + q * blockStride get the product with the n columns of B whose strips
     * start at bOffset + q * blockStride * k (blockStride a multiple of the panel width). It is the
     * columns of a range of hidden units in every gate of an RNN step. Each element is the FMA chain it
     * has in {@link #sgemmPacked}: this default runs that block by block.
     */
    default void sgemmPackedBlocks(int m, int n, int k, int blocks, int blockStride, float alpha, float[] a,
                                   int aOffset, int lda, float[] b, int bOffset, float beta,
                                   float[] c, int cOffset, int ldc) {
        for (int q = 0; q < blocks; q++) {
            sgemmPacked(m, n, k, alpha, a, aOffset, lda, b, bOffset + q * blockStride * k, beta, c, cOffset + q * blockStride, ldc);
        }
    }

    /**
     * C = A * B + E * F + bias, B (k x n) and F (k2 x n) packed in strips from bOffset and fOffset, A m x k
     * and E m x k2 row-major, bias added to every row of C (n floats from biasOffset): m, n &gt;= 1,
     * k, k2 &gt;= 0. C is only written. Each element is one FMA chain from its bias over the k rows of B,
     * then the k2 rows of F.
     */
    void sgemmPackedPair(int m, int n, float[] a, int aOffset, int lda, int k, float[] b, int bOffset,
                         float[] e, int eOffset, int lde, int k2, float[] f, int fOffset,
                         float[] bias, int biasOffset, float[] c, int cOffset, int ldc);

    /** y = alpha * op(A) * x + beta * y, A is m x n, for m, n &gt;= 1 and alpha != 0. */
    void sgemv(boolean transA, int m, int n, float alpha, float[] a, int aOffset, int lda,
               float[] x, int xOffset, float beta, float[] y, int yOffset);

    /** Sum of x[i] * y[i]. */
    float dot(float[] x, int xOffset, float[] y, int yOffset, int n);

    /** y[i] = fma(alpha, x[i], y[i]). */
    void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n);

    /** y[i] = alpha * x[i]. */
    void scale(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n);

    /** z[i] = x[i] + y[i]. */
    void add(float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n);

    /** z[i] = x[i] * y[i]. */
    void hadamard(float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n);

    /** y[i] = sigmoid(x[i]) by vecrnn's approximation (see {@link Activations}). */
    void sigmoid(float[] x, int xOffset, float[] y, int yOffset, int n);

    /** y[i] = tanh(x[i]) by vecrnn's approximation (see {@link Activations}). */
    void tanh(float[] x, int xOffset, float[] y, int yOffset, int n);

    /**
     * The element-wise part of an LSTM step for n units, see {@link Kernels#lstmCell}: gates[gatesOffset +
     * q * gateStride + j] holds the pre-activation of gate q (i, f, g, o) and receives the gate.
     */
    void lstmCell(float[] gates, int gatesOffset, int gateStride, float[] cPrev, int cPrevOffset,
                  float[] c, int cOffset, float[] tanhC, int tanhCOffset, float[] h, int hOffset, int n);

    /** d[i] = y[i] * (1 - y[i]): sigmoid' from its output. */
    void sigmoidDerivative(float[] y, int yOffset, float[] d, int dOffset, int n);

    /** d[i] = 1 - y[i] * y[i]: tanh' from its output. */
    void tanhDerivative(float[] y, int yOffset, float[] d, int dOffset, int n);
}
