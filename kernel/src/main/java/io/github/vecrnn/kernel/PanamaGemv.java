package io.github.vecrnn.kernel;

import static io.github.vecrnn.kernel.PanamaShape.L;
import static io.github.vecrnn.kernel.PanamaShape.NR;
import static io.github.vecrnn.kernel.PanamaShape.SPECIES;

import jdk.incubator.vector.FloatVector;

/** The matrix-vector product on the Vector API. */
final class PanamaGemv {
    private PanamaGemv() {
    }

    // y [m] = alpha A [m,n] x [n] + beta y: dot products of rows with x, four rows at a time
    static void rows(int m, int n, float alpha, float[] a, int a0, int lda, float[] x, int x0, float beta, float[] y, int y0) {
        int bound = SPECIES.loopBound(n);
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int r0 = a0 + i * lda, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda;
            FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
            for (int p = 0; p < bound; p += L) {
                FloatVector xv = FloatVector.fromArray(SPECIES, x, x0 + p);
                s0 = FloatVector.fromArray(SPECIES, a, r0 + p).fma(xv, s0);
                s1 = FloatVector.fromArray(SPECIES, a, r1 + p).fma(xv, s1);
                s2 = FloatVector.fromArray(SPECIES, a, r2 + p).fma(xv, s2);
                s3 = FloatVector.fromArray(SPECIES, a, r3 + p).fma(xv, s3);
            }
            float d0 = PanamaLevel1.sumLanes(s0), d1 = PanamaLevel1.sumLanes(s1);
            float d2 = PanamaLevel1.sumLanes(s2), d3 = PanamaLevel1.sumLanes(s3);
            for (int p = bound; p < n; p++) {
                float xp = x[x0 + p];
                d0 = Math.fma(a[r0 + p], xp, d0);
                d1 = Math.fma(a[r1 + p], xp, d1);
                d2 = Math.fma(a[r2 + p], xp, d2);
                d3 = Math.fma(a[r3 + p], xp, d3);
            }
            store(d0, alpha, beta, y, y0 + i);
            store(d1, alpha, beta, y, y0 + i + 1);
            store(d2, alpha, beta, y, y0 + i + 2);
            store(d3, alpha, beta, y, y0 + i + 3);
        }
        for (; i < m; i++) {
            store(PanamaLevel1.dot(a, a0 + i * lda, x, x0, n), alpha, beta, y, y0 + i);
        }
    }

    // y [n] = alpha A^T [n,m] x [m] + beta y: for strips of y, x[i] times row i of A summed over the rows i
    static void transposed(int m, int n, float alpha, float[] a, int a0, int lda, float[] x, int x0, float beta, float[] y, int y0) {
        float[] tile = PanamaGemm.SCRATCH.get().tile;
        int j = 0;
        // Four strips at a time (4 NR floats contiguous per row of A), then the strips left one by one, then
        // single vectors and single columns.
        for (; j + 4 * NR <= n; j += 4 * NR) {
            int aj = a0 + j, yj = y0 + j;
            PanamaMicroKernels.fourStrips(m, x, x0, a, aj, aj + NR, aj + 2 * NR, aj + 3 * NR, lda, alpha, beta, y, yj, yj + NR, yj + 2 * NR, yj + 3 * NR, tile);
        }
        for (; j + NR <= n; j += NR) {   // one strip: the GEMM's one-row tile, x as A
            PanamaGemm.oneRow(m, x, x0, a, a0 + j, lda, alpha, beta, y, y0 + j, tile);
        }
        for (; j + L <= n; j += L) {
            FloatVector s = FloatVector.zero(SPECIES);
            for (int i = 0, ai = a0 + j; i < m; i++, ai += lda) {
                s = FloatVector.broadcast(SPECIES, x[x0 + i]).fma(FloatVector.fromArray(SPECIES, a, ai), s);
            }
            s.intoArray(tile, 0);
            PanamaGemm.epilogueRow(tile, 0, L, alpha, beta, y, y0 + j);
        }
        for (; j < n; j++) {
            float s = 0f;
            for (int i = 0, ai = a0 + j; i < m; i++, ai += lda) {
                s = Math.fma(a[ai], x[x0 + i], s);
            }
            store(s, alpha, beta, y, y0 + j);
        }
    }

    private static void store(float sum, float alpha, float beta, float[] y, int yi) {
        y[yi] = beta == 0f ? alpha * sum : alpha * sum + beta * y[yi];
    }
}
