package io.github.vecrnn.kernel;

/**
 * The scalar twin: every operation as the plain loop that the vector code replaces. It is the
 * reference the tests compare against and the fallback when {@code jdk.incubator.vector} is absent.
 *
 * <p>Sums are accumulated in index order with {@link Math#fma}, one accumulator per output: the
 * vector GEMM and the transposed GEMV keep that order per element, so they agree with this class
 * bit for bit. Reductions along a vector (dot, non-transposed GEMV) split the sum across lanes and
 * agree only to rounding.
 */
final class ScalarKernelSupport implements KernelSupport {

    static final ScalarKernelSupport INSTANCE = new ScalarKernelSupport();

    private ScalarKernelSupport() {}

    @Override public String description() { return "scalar"; }

    @Override public int vectorBits() { return 0; }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                      float beta, float[] c, int cOffset, int ldc) {
        // element (i, p) of op(A) is a[aOffset + i * aRowStride + p * aColStride]; same for B
        int aRowStride = transA ? 1 : lda, aColStride = transA ? lda : 1;
        int bRowStride = transB ? 1 : ldb, bColStride = transB ? ldb : 1;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    sum = Math.fma(a[aOffset + i * aRowStride + p * aColStride],
                                   b[bOffset + p * bRowStride + j * bColStride], sum);
                }
                int ci = cOffset + i * ldc + j;
                c[ci] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci];
            }
        }
    }

    /** Any width gives the same loops; 16 keeps the padding small. */
    @Override public int panelWidth() { return 16; }

    @Override
    public void sgemmPacked(int m, int n, int k, float alpha, float[] a, int aOffset, int lda,
                            float[] b, int bOffset, float beta, float[] c, int cOffset, int ldc) {
        int width = panelWidth();
        for (int j = 0; j < n; j += width) {  // each strip is a k x width row-major matrix
            sgemm(false, false, m, Math.min(width, n - j), k, alpha, a, aOffset, lda,
                  b, bOffset + j * k, width, beta, c, cOffset + j, ldc);
        }
    }

    @Override
    public void sgemmPackedPair(int m, int n, float[] a, int aOffset, int lda, int k, float[] b, int bOffset,
                                float[] e, int eOffset, int lde, int k2, float[] f, int fOffset,
                                float[] bias, int biasOffset, float[] c, int cOffset, int ldc) {
        int width = panelWidth();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                // column j is column j % width of the strip that starts at row 0 of strip j / width
                int bj = bOffset + j / width * width * k + j % width, fj = fOffset + j / width * width * k2 + j % width;
                float sum = bias[biasOffset + j];
                for (int p = 0; p < k; p++) sum = Math.fma(a[aOffset + i * lda + p], b[bj + p * width], sum);
                for (int p = 0; p < k2; p++) sum = Math.fma(e[eOffset + i * lde + p], f[fj + p * width], sum);
                c[cOffset + i * ldc + j] = sum;
            }
        }
    }

    @Override
    public void sgemv(boolean transA, int m, int n, float alpha, float[] a, int aOffset, int lda,
                      float[] x, int xOffset, float beta, float[] y, int yOffset) {
        int rows = transA ? n : m, len = transA ? m : n;
        int rowStride = transA ? 1 : lda, colStride = transA ? lda : 1;
        for (int i = 0; i < rows; i++) {
            float sum = 0f;
            for (int p = 0; p < len; p++) {
                sum = Math.fma(a[aOffset + i * rowStride + p * colStride], x[xOffset + p], sum);
            }
            int yi = yOffset + i;
            y[yi] = beta == 0f ? alpha * sum : alpha * sum + beta * y[yi];
        }
    }

    @Override
    public float dot(float[] x, int xOffset, float[] y, int yOffset, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum = Math.fma(x[xOffset + i], y[yOffset + i], sum);
        }
        return sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = Math.fma(alpha, x[xOffset + i], y[yOffset + i]);
        }
    }

    @Override
    public void scale(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = alpha * x[xOffset + i];
        }
    }

    @Override
    public void add(float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n) {
        for (int i = 0; i < n; i++) {
            z[zOffset + i] = x[xOffset + i] + y[yOffset + i];
        }
    }

    @Override
    public void hadamard(float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n) {
        for (int i = 0; i < n; i++) {
            z[zOffset + i] = x[xOffset + i] * y[yOffset + i];
        }
    }

    @Override
    public void sigmoid(float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = Approximations.sigmoid(x[xOffset + i]);
        }
    }

    @Override
    public void tanh(float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = Approximations.tanh(x[xOffset + i]);
        }
    }

    @Override
    public void lstmCell(float[] gates, int gatesOffset, int gateStride, float[] cPrev, int cPrevOffset,
                         float[] c, int cOffset, float[] tanhC, int tanhCOffset, float[] h, int hOffset, int n) {
        lstmUnits(gates, gatesOffset, gateStride, cPrev, cPrevOffset, c, cOffset, tanhC, tanhCOffset, h, hOffset, 0, n);
    }

    /** lstmCell for the units [from, to): also the vector implementation's tail. */
    static void lstmUnits(float[] gates, int gatesOffset, int gateStride, float[] cPrev, int cPrevOffset,
                          float[] c, int cOffset, float[] tanhC, int tanhCOffset, float[] h, int hOffset, int from, int to) {
        for (int j = from; j < to; j++) {
            int input = gatesOffset + j, forget = input + gateStride, candidate = forget + gateStride, output = candidate + gateStride;
            float inputGate = gates[input] = Approximations.sigmoid(gates[input]);           // i_t
            float forgetGate = gates[forget] = Approximations.sigmoid(gates[forget]);        // f_t
            float cand = gates[candidate] = Approximations.tanh(gates[candidate]);           // g_t
            float outputGate = gates[output] = Approximations.sigmoid(gates[output]);        // o_t
            float cell = c[cOffset + j] = Math.fma(inputGate, cand, forgetGate * cPrev[cPrevOffset + j]);  // c_t
            float tanhCell = tanhC[tanhCOffset + j] = Approximations.tanh(cell);
            h[hOffset + j] = outputGate * tanhCell;                                          // h_t
        }
    }

    @Override
    public void sigmoidDerivative(float[] y, int yOffset, float[] d, int dOffset, int n) {
        for (int i = 0; i < n; i++) {
            float s = y[yOffset + i];
            d[dOffset + i] = s * (1f - s);
        }
    }

    @Override
    public void tanhDerivative(float[] y, int yOffset, float[] d, int dOffset, int n) {
        for (int i = 0; i < n; i++) {
            float t = y[yOffset + i];
            d[dOffset + i] = Math.fma(-t, t, 1f);
        }
    }
}
