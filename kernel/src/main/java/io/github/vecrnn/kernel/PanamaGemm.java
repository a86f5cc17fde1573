package io.github.vecrnn.kernel;

import static io.github.vecrnn.kernel.PanamaShape.L;
import static io.github.vecrnn.kernel.PanamaShape.NR;
import static io.github.vecrnn.kernel.PanamaShape.SPECIES;

import jdk.incubator.vector.FloatVector;

/**
 * The GEMM on the Vector API. C is computed in strips of {@link PanamaShape#NR} columns and blocks of at most
 * 6 rows; a register tile of {@link PanamaMicroKernels} keeps the 6 x NR block of C in registers and, for each
 * p, broadcasts six elements of op(A) and multiplies them by row p of op(B)'s strip. op(B) is read in place
 * when it is B (a k x NR strip stays in L2); B transposed is packed into a per-thread k x NR buffer first, and
 * so are the last n % NR columns (zero-padded, so the same tile serves them). Every element of C is one FMA
 * chain over p = 0..k-1, exactly as the scalar twin computes it: the results are bitwise identical to it,
 * whatever the width, the tile or the split.
 */
final class PanamaGemm {
    /** Where a register tile's accumulators start when they start from zero: one zero row (read with stride 0). */
    static final float[] ZEROS = new float[NR];
    /** The blocks of sgemm: MC rows of C, KC rows of op(B) (a KC x NR strip stays in L1), NC columns of op(B). */
    static final int MC = 256, KC = 256, NC = 128;
    /**
     * A row-major B is read in place when C has fewer rows than this, to repay no copy; with more, it is packed:
     * read in place, its strips' rows lie ldb apart, and with ldb a multiple of a page they compete for a few
     * cache sets and defeat the prefetcher.
     */
    static final int PACK_MIN_M = 12;

    /**
     * Per-thread scratch: the packed k x NR strip of op(B), the m x NR sums of the tail columns, and the
     * 6 x NR tile into which a register tile spills its accumulators. Vectors are never passed to a helper
     * method: if C2 declines to inline the helper, the vectors are boxed, even in the hot loop.
     */
    static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    static final class Scratch {
        final float[] tile = new float[6 * NR];
        final float[] bias = new float[NR];   // a narrow strip's bias, zero-padded (sgemmPackedPair)
        float[] pack = new float[0];
        float[] sums = new float[0];
        float[] narrow = new float[0];
        boolean backwards;  // the direction of the last matrix-vector product's passes (sgemmPacked)

        /** Room for a packed block of op(B): rows x NR floats. */
        float[] pack(int rows) {
            if (pack.length < rows * NR) pack = new float[rows * NR];
            return pack;
        }

        /** Room for the partial sums of a block of C: rows x NR floats. */
        float[] sums(int rows) {
            if (sums.length < rows * NR) sums = new float[rows * NR];
            return sums;
        }

        /** Room for a narrow strip's full tiles: rows x NR floats. */
        float[] narrow(int rows) {
            if (narrow.length < rows * NR) narrow = new float[rows * NR];
            return narrow;
        }
    }

    private PanamaGemm() {
    }

    // C [m,n] = alpha op(A) [m,k] op(B) [k,n] + beta C
    static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                      float beta, float[] c, int cOffset, int ldc) {
        int aRowStride = transA ? 1 : lda, aColStride = transA ? lda : 1;
        Scratch scratch = SCRATCH.get();
        if (!transB && m < PACK_MIN_M) {   // a few rows: B's strips read in place, only the narrow last one copied
            int fullStrips = n - n % NR;
            for (int j = 0; j < fullStrips; j += NR) {
                rowBlocks(m, k, a, aOffset, aRowStride, aColStride, b, bOffset + j, ldb, ZEROS, 0, 0, alpha, beta,
                          c, cOffset + j, ldc, scratch.tile);
            }
            if (fullStrips < n) {
                float[] pack = scratch.pack(k);
                PackedMatrix.packStrip(false, b, bOffset + fullStrips, ldb, k, n - fullStrips, NR, pack, 0);
                narrowStrip(m, k, a, aOffset, aRowStride, aColStride, pack, 0, NR, n - fullStrips, ZEROS, 0, 0,
                            alpha, beta, c, cOffset + fullStrips, ldc, scratch);
            }
            return;
        }
        // Blocks of MC rows of C by NC columns by KC rows of op(B): each KC x NC block of op(B) is packed into
        // strips (KC x NR each, in L1 while the row tiles pass over it); the tiles carry their partial sums
        // from one block of op(B)'s rows to the next in scratch (MC x NC). Each element is still one FMA chain
        // over p = 0..k-1, its partial sum stored as a float between blocks, exactly.
        for (int i0 = 0; i0 < m; i0 += MC) {
            int rowsOfC = Math.min(MC, m - i0);
            for (int j0 = 0; j0 < n; j0 += NC) {
                int cols = Math.min(NC, n - j0), strips = (cols + NR - 1) / NR;
                for (int p0 = 0; p0 < k; p0 += KC) {
                    int depth = Math.min(KC, k - p0);
                    boolean first = p0 == 0, last = p0 + depth == k;
                    float[] pack = scratch.pack(depth * strips);
                    packBlock(transB, b, bOffset + (transB ? j0 * ldb + p0 : p0 * ldb + j0), ldb, depth, cols, pack);
                    float[] sums = scratch.sums(rowsOfC * strips);
                    int aBlock = aOffset + i0 * aRowStride + p0 * aColStride;
                    for (int s = 0; s < strips; s++) {
                        int width = Math.min(NR, cols - s * NR), sumsOffset = s * rowsOfC * NR;
                        float[] from = first ? ZEROS : sums;
                        int fromOffset = first ? 0 : sumsOffset, fromStride = first ? 0 : NR;
                        int cBlock = cOffset + i0 * ldc + j0 + s * NR;
                        if (last && width < NR) {
                            narrowStrip(rowsOfC, depth, a, aBlock, aRowStride, aColStride, pack, s * depth * NR, NR, width,
                                        from, fromOffset, fromStride, alpha, beta, c, cBlock, ldc, scratch);
                        } else {   // the last block writes C, the others their partial sums
                            rowBlocks(rowsOfC, depth, a, aBlock, aRowStride, aColStride, pack, s * depth * NR, NR,
                                      from, fromOffset, fromStride, last ? alpha : 1f, last ? beta : 0f,
                                      last ? c : sums, last ? cBlock : sumsOffset, last ? ldc : NR, scratch.tile);
                        }
                    }
                }
            }
        }
    }

    /**
     * pack = op(B)'s block of depth rows and cols columns from b0 in strips of NR columns (depth x NR each,
     * contiguous, the last one zero-padded). A row-major B is read row by row, sequentially.
     */
    private static void packBlock(boolean transB, float[] b, int b0, int ldb, int depth, int cols, float[] pack) {
        if (transB) {
            for (int j = 0; j < cols; j += NR) {
                PackedMatrix.packStrip(true, b, b0 + j * ldb, ldb, depth, Math.min(NR, cols - j), NR, pack, j * depth);
            }
            return;
        }
        int full = cols - cols % NR;
        for (int p = 0; p < depth; p++) {
            int from = b0 + p * ldb, to = p * NR;
            for (int j = 0; j < full; j += NR, to += depth * NR) {
                for (int v = 0; v < NR; v += L) {
                    FloatVector.fromArray(SPECIES, b, from + j + v).intoArray(pack, to + v);
                }
            }
            if (full < cols) {
                System.arraycopy(b, from + full, pack, to, cols - full);
                java.util.Arrays.fill(pack, to + cols - full, to + NR, 0f);
            }
        }
    }

    // C [m,n] = alpha A [m,k] B [k,n] + beta C, B packed in strips of NR columns
    static void sgemmPacked(int m, int n, int k, float alpha, float[] a, int aOffset, int lda,
                            float[] b, int bOffset, float beta, float[] c, int cOffset, int ldc) {
        Scratch scratch = SCRATCH.get();
        int j = 0;
        if (m == 1) {   // a matrix-vector product: four strips per pass, as the transposed GEMV
            int passes = n / (4 * NR);
            j = passes * 4 * NR;
            // A recurrent step multiplies the same B again and again, and a B of 1 MB (LSTM, H = 256) does not
            // stay in L2 whole. Every other call on a thread runs the passes last to first, so that it starts
            // on the part of B that the call before read last, which is still in cache. Each column's sum is
            // the same FMA chain either way.
            boolean backwards = scratch.backwards = !scratch.backwards;
            for (int q = 0; q < passes; q++) {
                int i = (backwards ? passes - 1 - q : q) * 4 * NR;
                int b0 = bOffset + i * k, stripStep = k * NR;
                PanamaMicroKernels.fourStrips(k, a, aOffset, b, b0, b0 + stripStep, b0 + 2 * stripStep, b0 + 3 * stripStep, NR, alpha, beta,
                           c, cOffset + i, cOffset + i + NR, cOffset + i + 2 * NR, cOffset + i + 3 * NR, scratch.tile);
            }
        }
        for (; j + NR <= n; j += NR) {
            rowBlocks(m, k, a, aOffset, lda, 1, b, bOffset + j * k, NR, ZEROS, 0, 0, alpha, beta, c, cOffset + j, ldc, scratch.tile);
        }
        if (j < n) {
            narrowStrip(m, k, a, aOffset, lda, 1, b, bOffset + j * k, NR, n - j, ZEROS, 0, 0, alpha, beta, c, cOffset + j, ldc, scratch);
        }
    }

    // C [m, blocks x n] = alpha A [m,k] B [k, blocks x n] + beta C, the blocks blockStride columns apart
    static void sgemmPackedBlocks(int m, int n, int k, int blocks, int blockStride, float alpha, float[] a,
                                  int aOffset, float[] b, int bOffset, float beta, float[] c, int cOffset) {
        // One row (m == 1, n a multiple of NR): the blocks' strips four at a time, wherever they lie, as
        // sgemmPacked runs four adjacent ones (one block by one, a block of two strips would run one strip
        // per pass).
        float[] tile = SCRATCH.get().tile;
        int perBlock = n / NR, strips = blocks * perBlock, s = 0;
        for (; s + 4 <= strips; s += 4) {
            PanamaMicroKernels.fourStrips(k, a, aOffset, b, stripStart(s, perBlock, blockStride, k, bOffset), stripStart(s + 1, perBlock, blockStride, k, bOffset),
                       stripStart(s + 2, perBlock, blockStride, k, bOffset), stripStart(s + 3, perBlock, blockStride, k, bOffset), NR,
                       alpha, beta, c, stripColumn(s, perBlock, blockStride, cOffset), stripColumn(s + 1, perBlock, blockStride, cOffset),
                       stripColumn(s + 2, perBlock, blockStride, cOffset), stripColumn(s + 3, perBlock, blockStride, cOffset), tile);
        }
        for (; s < strips; s++) {
            oneRow(k, a, aOffset, b, stripStart(s, perBlock, blockStride, k, bOffset), NR, alpha, beta,
                   c, stripColumn(s, perBlock, blockStride, cOffset), tile);
        }
    }

    /** Where strip s of sgemmPackedBlocks starts in b: strip s % perBlock of block s / perBlock. */
    private static int stripStart(int s, int perBlock, int blockStride, int k, int bOffset) {
        return bOffset + (s / perBlock * blockStride + s % perBlock * NR) * k;
    }

    /** Where strip s of sgemmPackedBlocks goes in c. */
    private static int stripColumn(int s, int perBlock, int blockStride, int cOffset) {
        return cOffset + s / perBlock * blockStride + s % perBlock * NR;
    }

    // C [m,n] = A [m,k] B [k,n] + E [m,k2] F [k2,n] + bias [n], B and F packed
    static void sgemmPackedPair(int m, int n, float[] a, int aOffset, int lda, int k, float[] b, int bOffset,
                                float[] e, int eOffset, int lde, int k2, float[] f, int fOffset,
                                float[] bias, int biasOffset, float[] c, int cOffset, int ldc) {
        Scratch scratch = SCRATCH.get();
        int j = 0;
        for (; j + NR <= n; j += NR) {  // each tile's accumulators start from the bias (one row, read with stride 0)
            rowBlocks(m, k, a, aOffset, lda, b, bOffset + j * k, NR, k2, e, eOffset, lde, f, fOffset + j * k2,
                      bias, biasOffset + j, 0, 1f, 0f, c, cOffset + j, ldc, scratch.tile);
        }
        if (j < n) {                    // the narrow last strip: its bias zero-padded to NR, its sums in scratch
            int width = n - j;
            float[] padded = scratch.bias, sums = scratch.narrow(m);
            System.arraycopy(bias, biasOffset + j, padded, 0, width);
            java.util.Arrays.fill(padded, width, NR, 0f);
            rowBlocks(m, k, a, aOffset, lda, b, bOffset + j * k, NR, k2, e, eOffset, lde, f, fOffset + j * k2,
                      padded, 0, 0, 1f, 0f, sums, 0, NR, scratch.tile);
            for (int i = 0; i < m; i++) System.arraycopy(sums, i * NR, c, cOffset + i * ldc + j, width);
        }
    }

    /**
     * C's last strip, narrower than NR: b holds it zero-padded to NR (k rows from b0, ldb apart), the accumulators
     * start from s (row stride lds); the full tiles go to scratch sums and only the width real columns reach C.
     */
    private static void narrowStrip(int m, int k, float[] a, int a0, int aRowStride, int aColStride,
                                    float[] b, int b0, int ldb, int width, float[] s, int s0, int lds,
                                    float alpha, float beta, float[] c, int c0, int ldc, Scratch scratch) {
        float[] sums = scratch.narrow(m);
        rowBlocks(m, k, a, a0, aRowStride, aColStride, b, b0, ldb, s, s0, lds, 1f, 0f, sums, 0, NR, scratch.tile);
        for (int i = 0; i < m; i++) {
            int ci = c0 + i * ldc;
            for (int j = 0; j < width; j++) {
                float sum = sums[i * NR + j];
                c[ci + j] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci + j];
            }
        }
    }

    /**
     * One NR-wide strip of C (m rows) in register tiles of 6 rows, then 4, 2 or 1 for what is left (8 rows go as
     * 4 + 4 rather than 6 + 1 + 1). The accumulators start from s (row stride lds; 0 reads one row for every row
     * of C). Element (i, p) of A is a[a0 + i * aRowStride + p * aColStride].
     */
    private static void rowBlocks(int m, int k, float[] a, int a0, int aRowStride, int aColStride,
                                  float[] b, int b0, int ldb, float[] s, int s0, int lds, float alpha, float beta,
                                  float[] c, int c0, int ldc, float[] tile) {
        if (aColStride == 1) {
            rowBlocks(m, k, a, a0, aRowStride, b, b0, ldb, 0, a, 0, 0, b, 0, s, s0, lds, alpha, beta, c, c0, ldc, tile);
            return;
        }
        for (int i = 0, rows; i < m; i += rows) {
            rows = tileRows(m - i);
            PanamaMicroKernels.stridedTile(rows, k, a, a0 + i * aRowStride, aRowStride, aColStride, b, b0, ldb,
                                           s, s0 + i * lds, lds, alpha, beta, c, c0 + i * ldc, ldc, tile);
        }
    }

    /**
     * The same strip for a sum of two products, A B + E F, A and E row-major: after its k rows of B, each tile's
     * accumulators go on over the k2 rows of F (packed: rows of NR floats from f0), so every element is one FMA
     * chain over both. k2 = 0: A B alone.
     */
    private static void rowBlocks(int m, int k, float[] a, int a0, int lda, float[] b, int b0, int ldb,
                                  int k2, float[] e, int e0, int lde, float[] f, int f0,
                                  float[] s, int s0, int lds, float alpha, float beta,
                                  float[] c, int c0, int ldc, float[] tile) {
        for (int i = 0, rows; i < m; i += rows) {
            rows = tileRows(m - i);
            PanamaMicroKernels.rowsTile(rows, k, a, a0 + i * lda, lda, b, b0, ldb, k2, e, e0 + i * lde, lde, f, f0,
                                        s, s0 + i * lds, lds, alpha, beta, c, c0 + i * ldc, ldc, tile);
        }
    }

    /** The rows of the next register tile when left rows of C remain. */
    private static int tileRows(int left) {
        return left >= 6 && left != 8 ? 6 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
    }

    /** c[c0 .. c0 + NR) = alpha * x B + beta * c for one strip of B (k x NR, row p at b0 + p * ldb). */
    static void oneRow(int k, float[] x, int x0, float[] b, int b0, int ldb, float alpha, float beta,
                       float[] c, int c0, float[] tile) {
        PanamaMicroKernels.rowsTile(1, k, x, x0, 0, b, b0, ldb, 0, x, 0, 0, b, 0, ZEROS, 0, 0, alpha, beta, c, c0, NR, tile);
    }

    /** c[row r][0 .. width) = alpha * tile[r * width ..] + beta * c (c is not read when beta == 0). */
    static void epilogue(float[] tile, int rows, int width, float alpha, float beta, float[] c, int c0, int ldc) {
        for (int r = 0; r < rows; r++) epilogueRow(tile, r * width, width, alpha, beta, c, c0 + r * ldc);
    }

    /** c[ci .. ci + width) = alpha * tile[t0 ..] + beta * c (c is not read when beta == 0). */
    static void epilogueRow(float[] tile, int t0, int width, float alpha, float beta, float[] c, int ci) {
        for (int j = 0; j < width; j += L) {
            FloatVector sum = FloatVector.fromArray(SPECIES, tile, t0 + j).mul(alpha);
            if (beta != 0f) {
                sum = sum.add(FloatVector.fromArray(SPECIES, c, ci + j).mul(beta));
            }
            sum.intoArray(c, ci + j);
        }
    }
}
