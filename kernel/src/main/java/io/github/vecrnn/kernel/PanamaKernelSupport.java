package io.github.vecrnn.kernel;

import static io.github.vecrnn.kernel.PanamaShape.L;
import static io.github.vecrnn.kernel.PanamaShape.NR;
import static io.github.vecrnn.kernel.PanamaShape.SPECIES;
import static io.github.vecrnn.kernel.PanamaShape.STRIP_VECTORS;

/**
 * The Vector API implementation: each operation is a call into the class that does it ({@link PanamaGemm},
 * {@link PanamaGemv}, {@link PanamaLevel1}, {@link PanamaActivations}), with the shape {@link PanamaShape}
 * decided. Loaded reflectively by {@link KernelProvider} only when the module {@code jdk.incubator.vector} is
 * present, so that a JVM without it never touches these classes.
 */
final class PanamaKernelSupport implements KernelSupport {

    PanamaKernelSupport() {}

    @Override
    public String description() {
        return "Panama " + SPECIES.vectorBitSize() + "-bit (" + L + " float lanes, GEMM tiles 6 x " + STRIP_VECTORS + " vectors)";
    }

    @Override public int vectorBits() { return SPECIES.vectorBitSize(); }

    @Override public int panelWidth() { return NR; }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                      float beta, float[] c, int cOffset, int ldc) {
        PanamaGemm.sgemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    @Override
    public void sgemmPacked(int m, int n, int k, float alpha, float[] a, int aOffset, int lda,
                            float[] b, int bOffset, float beta, float[] c, int cOffset, int ldc) {
        PanamaGemm.sgemmPacked(m, n, k, alpha, a, aOffset, lda, b, bOffset, beta, c, cOffset, ldc);
    }

    @Override
    public void sgemmPackedBlocks(int m, int n, int k, int blocks, int blockStride, float alpha, float[] a,
                                  int aOffset, int lda, float[] b, int bOffset, float beta,
                                  float[] c, int cOffset, int ldc) {
        if (m == 1 && n % NR == 0) {
            PanamaGemm.sgemmPackedBlocks(m, n, k, blocks, blockStride, alpha, a, aOffset, b, bOffset, beta, c, cOffset);
        } else {
            KernelSupport.super.sgemmPackedBlocks(m, n, k, blocks, blockStride, alpha, a, aOffset, lda, b, bOffset,
                                                  beta, c, cOffset, ldc);
        }
    }

    @Override
    public void sgemmPackedPair(int m, int n, float[] a, int aOffset, int lda, int k, float[] b, int bOffset,
                                float[] e, int eOffset, int lde, int k2, float[] f, int fOffset,
                                float[] bias, int biasOffset, float[] c, int cOffset, int ldc) {
        PanamaGemm.sgemmPackedPair(m, n, a, aOffset, lda, k, b, bOffset, e, eOffset, lde, k2, f, fOffset,
                                   bias, biasOffset, c, cOffset, ldc);
    }

    @Override
    public void sgemv(boolean transA, int m, int n, float alpha, float[] a, int aOffset, int lda,
                      float[] x, int xOffset, float beta, float[] y, int yOffset) {
        if (transA) {
            PanamaGemv.transposed(m, n, alpha, a, aOffset, lda, x, xOffset, beta, y, yOffset);
        } else {
            PanamaGemv.rows(m, n, alpha, a, aOffset, lda, x, xOffset, beta, y, yOffset);
        }
    }

    @Override
    public float dot(float[] x, int xOffset, float[] y, int yOffset, int n) {
        return PanamaLevel1.dot(x, xOffset, y, yOffset, n);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        PanamaLevel1.axpy(alpha, x, xOffset, y, yOffset, n);
    }

    @Override
    public void scale(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        PanamaLevel1.scale(alpha, x, xOffset, y, yOffset, n);
    }

    @Override
    public void add(float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n) {
        PanamaLevel1.add(x, xOffset, y, yOffset, z, zOffset, n);
    }

    @Override
    public void hadamard(float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n) {
        PanamaLevel1.hadamard(x, xOffset, y, yOffset, z, zOffset, n);
    }

    @Override
    public void sigmoid(float[] x, int xOffset, float[] y, int yOffset, int n) {
        PanamaActivations.sigmoid(x, xOffset, y, yOffset, n);
    }

    @Override
    public void tanh(float[] x, int xOffset, float[] y, int yOffset, int n) {
        PanamaActivations.tanh(x, xOffset, y, yOffset, n);
    }

    @Override
    public void lstmCell(float[] gates, int gatesOffset, int gateStride, float[] cPrev, int cPrevOffset,
                         float[] c, int cOffset, float[] tanhC, int tanhCOffset, float[] h, int hOffset, int n) {
        PanamaActivations.lstmCell(gates, gatesOffset, gateStride, cPrev, cPrevOffset, c, cOffset, tanhC, tanhCOffset,
                                   h, hOffset, n);
    }

    @Override
    public void sigmoidDerivative(float[] y, int yOffset, float[] d, int dOffset, int n) {
        PanamaLevel1.sigmoidDerivative(y, yOffset, d, dOffset, n);
    }

    @Override
    public void tanhDerivative(float[] y, int yOffset, float[] d, int dOffset, int n) {
        PanamaLevel1.tanhDerivative(y, yOffset, d, dOffset, n);
    }
}
