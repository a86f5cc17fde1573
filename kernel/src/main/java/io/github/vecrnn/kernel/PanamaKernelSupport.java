package io.github.vecrnn.kernel;

import static io.github.vecrnn.kernel.Approximations.*;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API implementation. Loaded reflectively by {@link Kernels} only when the module
 * {@code jdk.incubator.vector} is present, so that a JVM without it never touches this class.
 *
 * <p>The species is chosen once, here: the platform's preferred one, or the width that the system
 * property {@value Kernels#BITS_PROPERTY} forces (128, 256 or 512), so one machine can test them all.
 * It is a {@code static final} constant, which C2 needs to compile vector code without boxing.
 *
 * <h2>GEMM</h2>
 * C is computed in strips of {@code NR = 4 * lanes} columns and blocks of at most 6 rows; a
 * micro-kernel keeps the 6 x 4 vector tile of C in 24 registers and, for each p, broadcasts six
 * elements of op(A) and multiplies them by four vectors of row p of op(B). op(B) is read in place
 * when it is B (a K x NR strip stays in L2, packing does not pay here); B transposed is packed into
 * a per-thread K x NR buffer first, and so are the last n % NR columns (zero-padded, so the same
 * kernel serves them). Every element of C is one FMA chain over p = 0..k-1, exactly as the scalar
 * twin computes it: the results are bitwise identical to it, whatever the width or the split.
 */
final class PanamaKernelSupport implements KernelSupport {

    static final VectorSpecies<Float> SPECIES = chooseSpecies();
    private static final int L = SPECIES.length();
    /** Width of a column strip of C: four vectors. */
    private static final int NR = 4 * L;
    // Lane permutations i -> i ^ d for the fixed-order tree sum in sumLanes (null where d >= L).
    private static final VectorShuffle<Float> SWAP8 = swap(8), SWAP4 = swap(4), SWAP2 = swap(2), SWAP1 = swap(1);
    private static final FloatVector ONE = FloatVector.broadcast(SPECIES, 1f);
    private static final FloatVector TWO = FloatVector.broadcast(SPECIES, 2f);
    // The constants of Approximations that an FMA adds or multiplies as a vector operand.
    private static final FloatVector MINUS_LN2_HI = FloatVector.broadcast(SPECIES, -LN2_HI);
    private static final FloatVector MINUS_LN2_LO = FloatVector.broadcast(SPECIES, -LN2_LO);
    private static final FloatVector E4 = FloatVector.broadcast(SPECIES, EXP_E4);
    private static final FloatVector E3 = FloatVector.broadcast(SPECIES, EXP_E3);
    private static final FloatVector E2 = FloatVector.broadcast(SPECIES, EXP_E2);
    private static final FloatVector R2 = FloatVector.broadcast(SPECIES, TANH_R2);
    private static final FloatVector R1 = FloatVector.broadcast(SPECIES, TANH_R1);
    private static final FloatVector R0 = FloatVector.broadcast(SPECIES, TANH_R0);
    private static final int SIGN_BIT = 0x8000_0000;
    /** Where a micro-kernel's accumulators start when they start from zero: one zero row (read with stride 0). */
    private static final float[] ZEROS = new float[NR];
    /**
     * Products with k at least this long go through blockedStrip, KC rows of op(B) at a time, if C has enough
     * rows to repay the copy of op(B) that blocking makes (a batch-32 RNN step, 32 x 256 x 1024, lost 20% to it).
     */
    static final int BLOCKED_MIN_K = 1024, BLOCKED_MIN_M = 64, KC = 256, MC = 512;

    /**
     * Per-thread scratch: the packed K x NR strip of op(B), the M x NR sums of the tail columns, and
     * the 6 x NR tile into which a micro-kernel spills its accumulators. Vectors are never passed to a
     * helper method: if C2 declines to inline the helper, the vectors are boxed, even in the hot loop.
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final float[] tile = new float[6 * NR];
        final float[] bias = new float[NR];   // a narrow strip's bias, zero-padded (sgemmPackedPair)
        float[] pack = new float[0];
        float[] sums = new float[0];
        boolean backwards;  // the direction of the last matrix-vector product's passes (sgemmPacked)

        float[] pack(int k) {
            if (pack.length < k * NR) pack = new float[k * NR];
            return pack;
        }

        float[] sums(int m) {
            if (sums.length < m * NR) sums = new float[m * NR];
            return sums;
        }
    }

    PanamaKernelSupport() {}

    private static VectorSpecies<Float> chooseSpecies() {
        return switch (KernelProperties.WIDTH) {
            case BITS_128 -> FloatVector.SPECIES_128;
            case BITS_256 -> FloatVector.SPECIES_256;
            case BITS_512 -> FloatVector.SPECIES_512;
            case PREFERRED, SCALAR -> FloatVector.SPECIES_PREFERRED;
        };
    }

    @Override public String description() { return "Panama " + SPECIES.vectorBitSize() + "-bit (" + L + " float lanes)"; }

    @Override public int vectorBits() { return SPECIES.vectorBitSize(); }

    // ------------------------------------------------------------------------------------ GEMM

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                      float beta, float[] c, int cOffset, int ldc) {
        int aRowStride = transA ? 1 : lda, aColStride = transA ? lda : 1;
        Scratch scratch = SCRATCH.get();
        int fullStrips = n - n % NR;
        for (int j = 0; j < fullStrips; j += NR) {
            int bStrip = bOffset + j * (transB ? ldb : 1);
            if (k >= BLOCKED_MIN_K && m >= BLOCKED_MIN_M) {
                blockedStrip(m, k, a, aOffset, aRowStride, aColStride, transB, b, bStrip, ldb, alpha, beta, c, cOffset + j, ldc, scratch);
            } else if (transB) {
                float[] pack = scratch.pack(k);
                PackedMatrix.packStrip(true, b, bStrip, ldb, k, NR, NR, pack, 0);
                rowBlocks(m, k, a, aOffset, aRowStride, aColStride, pack, 0, NR, ZEROS, 0, 0, alpha, beta, c, cOffset + j, ldc, scratch.tile);
            } else {
                rowBlocks(m, k, a, aOffset, aRowStride, aColStride, b, bStrip, ldb, ZEROS, 0, 0, alpha, beta, c, cOffset + j, ldc, scratch.tile);
            }
        }
        if (fullStrips < n) {
            int width = n - fullStrips;
            float[] pack = scratch.pack(k);
            PackedMatrix.packStrip(transB, b, bOffset + fullStrips * (transB ? ldb : 1), ldb, k, width, NR, pack, 0);
            narrowStrip(m, k, a, aOffset, aRowStride, aColStride, pack, 0, width, alpha, beta, c, cOffset + fullStrips, ldc, scratch);
        }
    }

    /**
     * One NR-wide strip of C for a long product (k >= BLOCKED_MIN_K): op(B)'s strip is packed KC rows at a
     * time (KC x NR contiguous, which stays in L1/L2 while every row block of A passes over it), and the
     * tiles carry their partial sums from one block of rows of op(B) to the next in scratch (MC x NR: C's rows
     * go MC at a time, so that the sums stay in L2 beside the block; measured on 3200 x 128 x 1024). Read in
     * place, a long strip of a row-major B (k rows of NR floats at a stride of ldb) does not stay in L2: with
     * ldb a multiple of 256 floats its rows fall in a fraction of the L2 sets. Each element is still one FMA
     * chain over p = 0..k-1 (its partial sum is stored as a float between blocks, exactly), so the bits are
     * those of the unblocked kernel.
     */
    private static void blockedStrip(int m, int k, float[] a, int a0, int aRowStride, int aColStride,
                                     boolean transB, float[] b, int b0, int ldb, float alpha, float beta,
                                     float[] c, int c0, int ldc, Scratch scratch) {
        float[] pack = scratch.pack(KC), sums = scratch.sums(Math.min(m, MC));
        for (int i0 = 0; i0 < m; i0 += MC) {
            int chunk = Math.min(MC, m - i0);
            blockedRows(chunk, k, a, a0 + i0 * aRowStride, aRowStride, aColStride, transB, b, b0, ldb, alpha, beta,
                        c, c0 + i0 * ldc, ldc, pack, sums, scratch.tile);
        }
    }

    private static void blockedRows(int m, int k, float[] a, int a0, int aRowStride, int aColStride,
                                    boolean transB, float[] b, int b0, int ldb, float alpha, float beta,
                                    float[] c, int c0, int ldc, float[] pack, float[] sums, float[] tile) {
        for (int p0 = 0; p0 < k; p0 += KC) {
            int rows = Math.min(KC, k - p0);
            boolean first = p0 == 0, last = p0 + rows == k;
            if (transB) {
                PackedMatrix.packStrip(true, b, b0 + p0, ldb, rows, NR, NR, pack, 0);
            } else {
                // packStrip's copy, as four vectors a row: packStrip's arraycopy per 256-byte row measured 3% slower
                // on the whole 256x1024x3200 product
                for (int p = 0, from = b0 + p0 * ldb, to = 0; p < rows; p++, from += ldb, to += NR) {
                    FloatVector.fromArray(SPECIES, b, from).intoArray(pack, to);
                    FloatVector.fromArray(SPECIES, b, from + L).intoArray(pack, to + L);
                    FloatVector.fromArray(SPECIES, b, from + 2 * L).intoArray(pack, to + 2 * L);
                    FloatVector.fromArray(SPECIES, b, from + 3 * L).intoArray(pack, to + 3 * L);
                }
            }
            // the first block starts from zero, the others from the sums so far; the last one writes C
            rowBlocks(m, rows, a, a0 + p0 * aColStride, aRowStride, aColStride, pack, 0, NR,
                      first ? ZEROS : sums, 0, first ? 0 : NR,
                      last ? alpha : 1f, last ? beta : 0f, last ? c : sums, last ? c0 : 0, last ? ldc : NR, tile);
        }
    }

    @Override public int panelWidth() { return NR; }

    @Override
    public void sgemmPacked(int m, int n, int k, float alpha, float[] a, int aOffset, int lda,
                            float[] b, int bOffset, float beta, float[] c, int cOffset, int ldc) {
        Scratch scratch = SCRATCH.get();
        int j = 0;
        if (m == 1) {   // a matrix-vector product: four strips per pass, as gemvTransposed (measured: one strip
                        // per pass made a batch-1 GRU step 35% slower)
            int passes = n / (4 * NR);
            j = passes * 4 * NR;
            // A recurrent step multiplies the same B again and again, and a B of 1 MB (LSTM, H = 256) does not
            // stay in L2 whole. Every other call on a thread runs the passes last to first, so that it starts
            // on the part of B that the call before read last, which is still in cache (measured 12.1 -> 10.5
            // us per 1024 x 256 product, 8.0 -> 7.3 per 768 x 256: throwaway harness, one thread). Each
            // column's sum is the same FMA chain either way.
            boolean backwards = scratch.backwards = !scratch.backwards;
            for (int q = 0; q < passes; q++) {
                int i = (backwards ? passes - 1 - q : q) * 4 * NR;
                int b0 = bOffset + i * k, stripStep = k * NR;
                fourStrips(k, a, aOffset, b, b0, b0 + stripStep, b0 + 2 * stripStep, b0 + 3 * stripStep, NR, alpha, beta,
                           c, cOffset + i, cOffset + i + NR, cOffset + i + 2 * NR, cOffset + i + 3 * NR, scratch.tile);
            }
        }
        for (; j + NR <= n; j += NR) {
            rowBlocks(m, k, a, aOffset, lda, 1, b, bOffset + j * k, NR, ZEROS, 0, 0, alpha, beta, c, cOffset + j, ldc, scratch.tile);
        }
        if (j < n) {
            narrowStrip(m, k, a, aOffset, lda, 1, b, bOffset + j * k, n - j, alpha, beta, c, cOffset + j, ldc, scratch);
        }
    }

    @Override
    public void sgemmPackedBlocks(int m, int n, int k, int blocks, int blockStride, float alpha, float[] a,
                                  int aOffset, int lda, float[] b, int bOffset, float beta,
                                  float[] c, int cOffset, int ldc) {
        if (m != 1 || n % NR != 0) {
            KernelSupport.super.sgemmPackedBlocks(m, n, k, blocks, blockStride, alpha, a, aOffset, lda, b, bOffset,
                                                  beta, c, cOffset, ldc);
            return;
        }
        // One row: the blocks' strips four at a time, wherever they lie, as sgemmPacked runs four adjacent
        // ones (one block by one, a block of two strips would run one strip per pass).
        float[] tile = SCRATCH.get().tile;
        int perBlock = n / NR, strips = blocks * perBlock, s = 0;
        for (; s + 4 <= strips; s += 4) {
            fourStrips(k, a, aOffset, b, stripStart(s, perBlock, blockStride, k, bOffset), stripStart(s + 1, perBlock, blockStride, k, bOffset),
                       stripStart(s + 2, perBlock, blockStride, k, bOffset), stripStart(s + 3, perBlock, blockStride, k, bOffset), NR,
                       alpha, beta, c, stripColumn(s, perBlock, blockStride, cOffset), stripColumn(s + 1, perBlock, blockStride, cOffset),
                       stripColumn(s + 2, perBlock, blockStride, cOffset), stripColumn(s + 3, perBlock, blockStride, cOffset), tile);
        }
        for (; s < strips; s++) {
            kernel1x4(k, a, aOffset, 1, b, stripStart(s, perBlock, blockStride, k, bOffset), NR, 0, a, 0, b, 0, ZEROS, 0,
                      alpha, beta, c, stripColumn(s, perBlock, blockStride, cOffset), tile);
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

    @Override
    public void sgemmPackedPair(int m, int n, float[] a, int aOffset, int lda, int k, float[] b, int bOffset,
                                float[] e, int eOffset, int lde, int k2, float[] f, int fOffset,
                                float[] bias, int biasOffset, float[] c, int cOffset, int ldc) {
        Scratch scratch = SCRATCH.get();
        int j = 0;
        for (; j + NR <= n; j += NR) {  // each tile's accumulators start from the bias (one row, read with stride 0)
            rowBlocks(m, k, a, aOffset, lda, 1, b, bOffset + j * k, NR, k2, e, eOffset, lde, f, fOffset + j * k2,
                      bias, biasOffset + j, 0, 1f, 0f, c, cOffset + j, ldc, scratch.tile);
        }
        if (j < n) {                    // the narrow last strip: its bias zero-padded to NR, its sums in scratch
            int width = n - j;
            float[] padded = scratch.bias, sums = scratch.sums(m);
            System.arraycopy(bias, biasOffset + j, padded, 0, width);
            java.util.Arrays.fill(padded, width, NR, 0f);
            rowBlocks(m, k, a, aOffset, lda, 1, b, bOffset + j * k, NR, k2, e, eOffset, lde, f, fOffset + j * k2,
                      padded, 0, 0, 1f, 0f, sums, 0, NR, scratch.tile);
            for (int i = 0; i < m; i++) System.arraycopy(sums, i * NR, c, cOffset + i * ldc + j, width);
        }
    }

    /**
     * alpha * x B + beta * y for four strips of B (k x NR each) with 16 accumulators: row p of strip q
     * starts at bq + p * rowStride (row-major B: rowStride ldb; packed B: NR), and strip q's NR sums go to
     * c[cq ..]. The strips need not be adjacent: four strips in flight keep sixteen loads per row going.
     */
    private static void fourStrips(int k, float[] x, int x0, float[] b, int b0, int b1, int b2, int b3, int rowStride,
                                   float alpha, float beta, float[] c, int c0, int c1, int c2, int c3, float[] tile) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        FloatVector s8 = s0, s9 = s0, s10 = s0, s11 = s0, s12 = s0, s13 = s0, s14 = s0, s15 = s0;
        for (int p = 0, q0 = b0, q1 = b1, q2 = b2, q3 = b3; p < k;
             p++, q0 += rowStride, q1 += rowStride, q2 += rowStride, q3 += rowStride) {
            FloatVector xv = FloatVector.broadcast(SPECIES, x[x0 + p]);
            s0 = xv.fma(FloatVector.fromArray(SPECIES, b, q0), s0);
            s1 = xv.fma(FloatVector.fromArray(SPECIES, b, q0 + L), s1);
            s2 = xv.fma(FloatVector.fromArray(SPECIES, b, q0 + 2 * L), s2);
            s3 = xv.fma(FloatVector.fromArray(SPECIES, b, q0 + 3 * L), s3);
            s4 = xv.fma(FloatVector.fromArray(SPECIES, b, q1), s4);
            s5 = xv.fma(FloatVector.fromArray(SPECIES, b, q1 + L), s5);
            s6 = xv.fma(FloatVector.fromArray(SPECIES, b, q1 + 2 * L), s6);
            s7 = xv.fma(FloatVector.fromArray(SPECIES, b, q1 + 3 * L), s7);
            s8 = xv.fma(FloatVector.fromArray(SPECIES, b, q2), s8);
            s9 = xv.fma(FloatVector.fromArray(SPECIES, b, q2 + L), s9);
            s10 = xv.fma(FloatVector.fromArray(SPECIES, b, q2 + 2 * L), s10);
            s11 = xv.fma(FloatVector.fromArray(SPECIES, b, q2 + 3 * L), s11);
            s12 = xv.fma(FloatVector.fromArray(SPECIES, b, q3), s12);
            s13 = xv.fma(FloatVector.fromArray(SPECIES, b, q3 + L), s13);
            s14 = xv.fma(FloatVector.fromArray(SPECIES, b, q3 + 2 * L), s14);
            s15 = xv.fma(FloatVector.fromArray(SPECIES, b, q3 + 3 * L), s15);
        }
        s0.intoArray(tile, 0); s1.intoArray(tile, L); s2.intoArray(tile, 2 * L); s3.intoArray(tile, 3 * L);
        s4.intoArray(tile, NR); s5.intoArray(tile, NR + L); s6.intoArray(tile, NR + 2 * L); s7.intoArray(tile, NR + 3 * L);
        s8.intoArray(tile, 2 * NR); s9.intoArray(tile, 2 * NR + L); s10.intoArray(tile, 2 * NR + 2 * L); s11.intoArray(tile, 2 * NR + 3 * L);
        s12.intoArray(tile, 3 * NR); s13.intoArray(tile, 3 * NR + L); s14.intoArray(tile, 3 * NR + 2 * L); s15.intoArray(tile, 3 * NR + 3 * L);
        epilogueRow(tile, 0, NR, alpha, beta, c, c0);
        epilogueRow(tile, NR, NR, alpha, beta, c, c1);
        epilogueRow(tile, 2 * NR, NR, alpha, beta, c, c2);
        epilogueRow(tile, 3 * NR, NR, alpha, beta, c, c3);
    }

    /**
     * C's last strip, narrower than NR: b holds it zero-padded to NR (k x NR from b0); the full tiles
     * go to scratch sums and only the width real columns reach C.
     */
    private static void narrowStrip(int m, int k, float[] a, int a0, int aRowStride, int aColStride,
                                    float[] b, int b0, int width, float alpha, float beta,
                                    float[] c, int c0, int ldc, Scratch scratch) {
        float[] sums = scratch.sums(m);
        rowBlocks(m, k, a, a0, aRowStride, aColStride, b, b0, NR, ZEROS, 0, 0, 1f, 0f, sums, 0, NR, scratch.tile);
        for (int i = 0; i < m; i++) {
            int ci = c0 + i * ldc;
            for (int jj = 0; jj < width; jj++) {
                float sum = sums[i * NR + jj];
                c[ci + jj] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci + jj];
            }
        }
    }

    /**
     * One NR-wide strip of C (m rows) in register tiles of 6 rows, then 4, 2 or 1 for what is left
     * (8 rows go as 4 + 4 rather than 6 + 1 + 1).
     */
    private static void rowBlocks(int m, int k, float[] a, int a0, int aRowStride, int aColStride,
                                  float[] b, int b0, int ldb, float[] s, int s0, int lds, float alpha, float beta,
                                  float[] c, int c0, int ldc, float[] tile) {
        rowBlocks(m, k, a, a0, aRowStride, aColStride, b, b0, ldb, 0, a, 0, 0, b, 0, s, s0, lds, alpha, beta, c, c0, ldc, tile);
    }

    /**
     * The same strip for a sum of two products, A B + E F: after its k rows of B, each tile's accumulators
     * go on over the k2 rows of F (packed: rows of NR floats from f0) against E's columns (row-major, row
     * stride ers, from e0), so every element is one FMA chain over both. k2 = 0: A B alone.
     */
    private static void rowBlocks(int m, int k, float[] a, int a0, int aRowStride, int aColStride,
                                  float[] b, int b0, int ldb, int k2, float[] e, int e0, int ers, float[] f, int f0,
                                  float[] s, int s0, int lds, float alpha, float beta,
                                  float[] c, int c0, int ldc, float[] tile) {
        int i = 0;
        while (i < m) {
            int left = m - i;
            int ai = a0 + i * aRowStride, ei = e0 + i * ers, ci = c0 + i * ldc, si = s0 + i * lds;
            if (left >= 6 && left != 8) {
                kernel6x4(k, a, ai, aRowStride, aColStride, b, b0, ldb, k2, e, ei, ers, f, f0, s, si, lds, alpha, beta, c, ci, ldc, tile);
                i += 6;
            } else if (left >= 4) {
                kernel4x4(k, a, ai, aRowStride, aColStride, b, b0, ldb, k2, e, ei, ers, f, f0, s, si, lds, alpha, beta, c, ci, ldc, tile);
                i += 4;
            } else if (left >= 2) {
                kernel2x4(k, a, ai, aRowStride, aColStride, b, b0, ldb, k2, e, ei, ers, f, f0, s, si, lds, alpha, beta, c, ci, ldc, tile);
                i += 2;
            } else {
                kernel1x4(k, a, ai, aColStride, b, b0, ldb, k2, e, ei, f, f0, s, si, alpha, beta, c, ci, tile);
                i += 1;
            }
        }
    }

    /** C[0..6, 0..NR] of the strip: 24 accumulators, 4 loads of B and 6 broadcasts of A per p. */
    private static void kernel6x4(int k, float[] a, int a0, int ars, int acs, float[] b, int b0, int ldb,
                                  int k2, float[] e, int e0, int ers, float[] f, int f0, float[] s, int s0, int lds,
                                  float alpha, float beta, float[] c, int c0, int ldc, float[] tile) {
        FloatVector c00 = FloatVector.fromArray(SPECIES, s, s0), c01 = FloatVector.fromArray(SPECIES, s, s0 + L), c02 = FloatVector.fromArray(SPECIES, s, s0 + 2 * L), c03 = FloatVector.fromArray(SPECIES, s, s0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(SPECIES, s, s0 + lds), c11 = FloatVector.fromArray(SPECIES, s, s0 + lds + L), c12 = FloatVector.fromArray(SPECIES, s, s0 + lds + 2 * L), c13 = FloatVector.fromArray(SPECIES, s, s0 + lds + 3 * L);
        FloatVector c20 = FloatVector.fromArray(SPECIES, s, s0 + 2 * lds), c21 = FloatVector.fromArray(SPECIES, s, s0 + 2 * lds + L), c22 = FloatVector.fromArray(SPECIES, s, s0 + 2 * lds + 2 * L), c23 = FloatVector.fromArray(SPECIES, s, s0 + 2 * lds + 3 * L);
        FloatVector c30 = FloatVector.fromArray(SPECIES, s, s0 + 3 * lds), c31 = FloatVector.fromArray(SPECIES, s, s0 + 3 * lds + L), c32 = FloatVector.fromArray(SPECIES, s, s0 + 3 * lds + 2 * L), c33 = FloatVector.fromArray(SPECIES, s, s0 + 3 * lds + 3 * L);
        FloatVector c40 = FloatVector.fromArray(SPECIES, s, s0 + 4 * lds), c41 = FloatVector.fromArray(SPECIES, s, s0 + 4 * lds + L), c42 = FloatVector.fromArray(SPECIES, s, s0 + 4 * lds + 2 * L), c43 = FloatVector.fromArray(SPECIES, s, s0 + 4 * lds + 3 * L);
        FloatVector c50 = FloatVector.fromArray(SPECIES, s, s0 + 5 * lds), c51 = FloatVector.fromArray(SPECIES, s, s0 + 5 * lds + L), c52 = FloatVector.fromArray(SPECIES, s, s0 + 5 * lds + 2 * L), c53 = FloatVector.fromArray(SPECIES, s, s0 + 5 * lds + 3 * L);
        // A B over its k rows, then E F (packed: rows of NR floats) over its k2: each element one FMA chain
        for (int segment = 0; segment < 2; segment++) {
            boolean first = segment == 0;
            float[] x = first ? a : e, y = first ? b : f;
            int rows = first ? k : k2, xcs = first ? acs : 1, xrs = first ? ars : ers, yrs = first ? ldb : NR;
            int x0 = first ? a0 : e0, x1 = x0 + xrs, x2 = x1 + xrs, x3 = x2 + xrs, x4 = x3 + xrs, x5 = x4 + xrs;
            for (int p = 0, xp = 0, yp = first ? b0 : f0; p < rows; p++, xp += xcs, yp += yrs) {
                FloatVector b0v = FloatVector.fromArray(SPECIES, y, yp);
                FloatVector b1v = FloatVector.fromArray(SPECIES, y, yp + L);
                FloatVector b2v = FloatVector.fromArray(SPECIES, y, yp + 2 * L);
                FloatVector b3v = FloatVector.fromArray(SPECIES, y, yp + 3 * L);
                FloatVector av = FloatVector.broadcast(SPECIES, x[x0 + xp]);
                c00 = av.fma(b0v, c00); c01 = av.fma(b1v, c01); c02 = av.fma(b2v, c02); c03 = av.fma(b3v, c03);
                av = FloatVector.broadcast(SPECIES, x[x1 + xp]);
                c10 = av.fma(b0v, c10); c11 = av.fma(b1v, c11); c12 = av.fma(b2v, c12); c13 = av.fma(b3v, c13);
                av = FloatVector.broadcast(SPECIES, x[x2 + xp]);
                c20 = av.fma(b0v, c20); c21 = av.fma(b1v, c21); c22 = av.fma(b2v, c22); c23 = av.fma(b3v, c23);
                av = FloatVector.broadcast(SPECIES, x[x3 + xp]);
                c30 = av.fma(b0v, c30); c31 = av.fma(b1v, c31); c32 = av.fma(b2v, c32); c33 = av.fma(b3v, c33);
                av = FloatVector.broadcast(SPECIES, x[x4 + xp]);
                c40 = av.fma(b0v, c40); c41 = av.fma(b1v, c41); c42 = av.fma(b2v, c42); c43 = av.fma(b3v, c43);
                av = FloatVector.broadcast(SPECIES, x[x5 + xp]);
                c50 = av.fma(b0v, c50); c51 = av.fma(b1v, c51); c52 = av.fma(b2v, c52); c53 = av.fma(b3v, c53);
            }
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
        c10.intoArray(tile, NR); c11.intoArray(tile, NR + L); c12.intoArray(tile, NR + 2 * L); c13.intoArray(tile, NR + 3 * L);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + L); c22.intoArray(tile, 2 * NR + 2 * L); c23.intoArray(tile, 2 * NR + 3 * L);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + L); c32.intoArray(tile, 3 * NR + 2 * L); c33.intoArray(tile, 3 * NR + 3 * L);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + L); c42.intoArray(tile, 4 * NR + 2 * L); c43.intoArray(tile, 4 * NR + 3 * L);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + L); c52.intoArray(tile, 5 * NR + 2 * L); c53.intoArray(tile, 5 * NR + 3 * L);
        epilogue(tile, 6, NR, alpha, beta, c, c0, ldc);
    }

    private static void kernel4x4(int k, float[] a, int a0, int ars, int acs, float[] b, int b0, int ldb,
                                  int k2, float[] e, int e0, int ers, float[] f, int f0, float[] s, int s0, int lds,
                                  float alpha, float beta, float[] c, int c0, int ldc, float[] tile) {
        FloatVector c00 = FloatVector.fromArray(SPECIES, s, s0), c01 = FloatVector.fromArray(SPECIES, s, s0 + L), c02 = FloatVector.fromArray(SPECIES, s, s0 + 2 * L), c03 = FloatVector.fromArray(SPECIES, s, s0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(SPECIES, s, s0 + lds), c11 = FloatVector.fromArray(SPECIES, s, s0 + lds + L), c12 = FloatVector.fromArray(SPECIES, s, s0 + lds + 2 * L), c13 = FloatVector.fromArray(SPECIES, s, s0 + lds + 3 * L);
        FloatVector c20 = FloatVector.fromArray(SPECIES, s, s0 + 2 * lds), c21 = FloatVector.fromArray(SPECIES, s, s0 + 2 * lds + L), c22 = FloatVector.fromArray(SPECIES, s, s0 + 2 * lds + 2 * L), c23 = FloatVector.fromArray(SPECIES, s, s0 + 2 * lds + 3 * L);
        FloatVector c30 = FloatVector.fromArray(SPECIES, s, s0 + 3 * lds), c31 = FloatVector.fromArray(SPECIES, s, s0 + 3 * lds + L), c32 = FloatVector.fromArray(SPECIES, s, s0 + 3 * lds + 2 * L), c33 = FloatVector.fromArray(SPECIES, s, s0 + 3 * lds + 3 * L);
        // A B over its k rows, then E F (packed: rows of NR floats) over its k2: each element one FMA chain
        for (int segment = 0; segment < 2; segment++) {
            boolean first = segment == 0;
            float[] x = first ? a : e, y = first ? b : f;
            int rows = first ? k : k2, xcs = first ? acs : 1, xrs = first ? ars : ers, yrs = first ? ldb : NR;
            int x0 = first ? a0 : e0, x1 = x0 + xrs, x2 = x1 + xrs, x3 = x2 + xrs;
            for (int p = 0, xp = 0, yp = first ? b0 : f0; p < rows; p++, xp += xcs, yp += yrs) {
                FloatVector b0v = FloatVector.fromArray(SPECIES, y, yp);
                FloatVector b1v = FloatVector.fromArray(SPECIES, y, yp + L);
                FloatVector b2v = FloatVector.fromArray(SPECIES, y, yp + 2 * L);
                FloatVector b3v = FloatVector.fromArray(SPECIES, y, yp + 3 * L);
                FloatVector av = FloatVector.broadcast(SPECIES, x[x0 + xp]);
                c00 = av.fma(b0v, c00); c01 = av.fma(b1v, c01); c02 = av.fma(b2v, c02); c03 = av.fma(b3v, c03);
                av = FloatVector.broadcast(SPECIES, x[x1 + xp]);
                c10 = av.fma(b0v, c10); c11 = av.fma(b1v, c11); c12 = av.fma(b2v, c12); c13 = av.fma(b3v, c13);
                av = FloatVector.broadcast(SPECIES, x[x2 + xp]);
                c20 = av.fma(b0v, c20); c21 = av.fma(b1v, c21); c22 = av.fma(b2v, c22); c23 = av.fma(b3v, c23);
                av = FloatVector.broadcast(SPECIES, x[x3 + xp]);
                c30 = av.fma(b0v, c30); c31 = av.fma(b1v, c31); c32 = av.fma(b2v, c32); c33 = av.fma(b3v, c33);
            }
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
        c10.intoArray(tile, NR); c11.intoArray(tile, NR + L); c12.intoArray(tile, NR + 2 * L); c13.intoArray(tile, NR + 3 * L);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + L); c22.intoArray(tile, 2 * NR + 2 * L); c23.intoArray(tile, 2 * NR + 3 * L);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + L); c32.intoArray(tile, 3 * NR + 2 * L); c33.intoArray(tile, 3 * NR + 3 * L);
        epilogue(tile, 4, NR, alpha, beta, c, c0, ldc);
    }

    private static void kernel2x4(int k, float[] a, int a0, int ars, int acs, float[] b, int b0, int ldb,
                                  int k2, float[] e, int e0, int ers, float[] f, int f0, float[] s, int s0, int lds,
                                  float alpha, float beta, float[] c, int c0, int ldc, float[] tile) {
        FloatVector c00 = FloatVector.fromArray(SPECIES, s, s0), c01 = FloatVector.fromArray(SPECIES, s, s0 + L), c02 = FloatVector.fromArray(SPECIES, s, s0 + 2 * L), c03 = FloatVector.fromArray(SPECIES, s, s0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(SPECIES, s, s0 + lds), c11 = FloatVector.fromArray(SPECIES, s, s0 + lds + L), c12 = FloatVector.fromArray(SPECIES, s, s0 + lds + 2 * L), c13 = FloatVector.fromArray(SPECIES, s, s0 + lds + 3 * L);
        // A B over its k rows, then E F (packed: rows of NR floats) over its k2: each element one FMA chain
        for (int segment = 0; segment < 2; segment++) {
            boolean first = segment == 0;
            float[] x = first ? a : e, y = first ? b : f;
            int rows = first ? k : k2, xcs = first ? acs : 1, xrs = first ? ars : ers, yrs = first ? ldb : NR;
            int x0 = first ? a0 : e0, x1 = x0 + xrs;
            for (int p = 0, xp = 0, yp = first ? b0 : f0; p < rows; p++, xp += xcs, yp += yrs) {
                FloatVector b0v = FloatVector.fromArray(SPECIES, y, yp);
                FloatVector b1v = FloatVector.fromArray(SPECIES, y, yp + L);
                FloatVector b2v = FloatVector.fromArray(SPECIES, y, yp + 2 * L);
                FloatVector b3v = FloatVector.fromArray(SPECIES, y, yp + 3 * L);
                FloatVector av = FloatVector.broadcast(SPECIES, x[x0 + xp]);
                c00 = av.fma(b0v, c00); c01 = av.fma(b1v, c01); c02 = av.fma(b2v, c02); c03 = av.fma(b3v, c03);
                av = FloatVector.broadcast(SPECIES, x[x1 + xp]);
                c10 = av.fma(b0v, c10); c11 = av.fma(b1v, c11); c12 = av.fma(b2v, c12); c13 = av.fma(b3v, c13);
            }
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
        c10.intoArray(tile, NR); c11.intoArray(tile, NR + L); c12.intoArray(tile, NR + 2 * L); c13.intoArray(tile, NR + 3 * L);
        epilogue(tile, 2, NR, alpha, beta, c, c0, ldc);
    }

    private static void kernel1x4(int k, float[] a, int a0, int acs, float[] b, int b0, int ldb,
                                  int k2, float[] e, int e0, float[] f, int f0, float[] s, int s0,
                                  float alpha, float beta, float[] c, int c0, float[] tile) {
        FloatVector c00 = FloatVector.fromArray(SPECIES, s, s0), c01 = FloatVector.fromArray(SPECIES, s, s0 + L), c02 = FloatVector.fromArray(SPECIES, s, s0 + 2 * L), c03 = FloatVector.fromArray(SPECIES, s, s0 + 3 * L);
        // A B over its k rows, then E F (packed: rows of NR floats) over its k2: each element one FMA chain
        for (int segment = 0; segment < 2; segment++) {
            boolean first = segment == 0;
            float[] x = first ? a : e, y = first ? b : f;
            int rows = first ? k : k2, xcs = first ? acs : 1, yrs = first ? ldb : NR;
            for (int p = 0, xp = first ? a0 : e0, yp = first ? b0 : f0; p < rows; p++, xp += xcs, yp += yrs) {
                FloatVector av = FloatVector.broadcast(SPECIES, x[xp]);
                c00 = av.fma(FloatVector.fromArray(SPECIES, y, yp), c00);
                c01 = av.fma(FloatVector.fromArray(SPECIES, y, yp + L), c01);
                c02 = av.fma(FloatVector.fromArray(SPECIES, y, yp + 2 * L), c02);
                c03 = av.fma(FloatVector.fromArray(SPECIES, y, yp + 3 * L), c03);
            }
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
        epilogue(tile, 1, NR, alpha, beta, c, c0, NR);
    }

    /** c[row r][0 .. width) = alpha * tile[r * NR ..] + beta * c (c is not read when beta == 0). */
    private static void epilogue(float[] tile, int rows, int width, float alpha, float beta, float[] c, int c0, int ldc) {
        for (int r = 0; r < rows; r++) epilogueRow(tile, r * NR, width, alpha, beta, c, c0 + r * ldc);
    }

    /** c[ci .. ci + width) = alpha * tile[t0 ..] + beta * c (c is not read when beta == 0). */
    private static void epilogueRow(float[] tile, int t0, int width, float alpha, float beta, float[] c, int ci) {
        for (int j = 0; j < width; j += L) {
            FloatVector sum = FloatVector.fromArray(SPECIES, tile, t0 + j).mul(alpha);
            if (beta != 0f) {
                sum = sum.add(FloatVector.fromArray(SPECIES, c, ci + j).mul(beta));
            }
            sum.intoArray(c, ci + j);
        }
    }

    // ------------------------------------------------------------------------------------ GEMV

    @Override
    public void sgemv(boolean transA, int m, int n, float alpha, float[] a, int aOffset, int lda,
                      float[] x, int xOffset, float beta, float[] y, int yOffset) {
        if (transA) {
            gemvTransposed(m, n, alpha, a, aOffset, lda, x, xOffset, beta, y, yOffset);
        } else {
            gemvRows(m, n, alpha, a, aOffset, lda, x, xOffset, beta, y, yOffset);
        }
    }

    /** y = alpha * A x + beta * y: dot products of rows with x, four rows at a time. */
    private static void gemvRows(int m, int n, float alpha, float[] a, int a0, int lda,
                                 float[] x, int x0, float beta, float[] y, int y0) {
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
            float d0 = sumLanes(s0), d1 = sumLanes(s1), d2 = sumLanes(s2), d3 = sumLanes(s3);
            for (int p = bound; p < n; p++) {
                float xp = x[x0 + p];
                d0 = Math.fma(a[r0 + p], xp, d0);
                d1 = Math.fma(a[r1 + p], xp, d1);
                d2 = Math.fma(a[r2 + p], xp, d2);
                d3 = Math.fma(a[r3 + p], xp, d3);
            }
            storeScalar(d0, alpha, beta, y, y0 + i);
            storeScalar(d1, alpha, beta, y, y0 + i + 1);
            storeScalar(d2, alpha, beta, y, y0 + i + 2);
            storeScalar(d3, alpha, beta, y, y0 + i + 3);
        }
        for (; i < m; i++) {
            storeScalar(dotVector(a, a0 + i * lda, x, x0, n), alpha, beta, y, y0 + i);
        }
    }

    /** y = alpha * A^T x + beta * y: for strips of y, accumulate x[i] * row i of A over all rows i. */
    private static void gemvTransposed(int m, int n, float alpha, float[] a, int a0, int lda,
                                       float[] x, int x0, float beta, float[] y, int y0) {
        float[] tile = SCRATCH.get().tile;
        int j = 0;
        // Four strips at a time (sixteen loads in flight per row of A, 4 NR floats contiguous), then the
        // strips left one by one, then single vectors and single columns.
        for (; j + 4 * NR <= n; j += 4 * NR) {
            int aj = a0 + j, yj = y0 + j;
            fourStrips(m, x, x0, a, aj, aj + NR, aj + 2 * NR, aj + 3 * NR, lda, alpha, beta, y, yj, yj + NR, yj + 2 * NR, yj + 3 * NR, tile);
        }
        for (; j + NR <= n; j += NR) {   // one strip: the GEMM's one-row tile, x as A
            kernel1x4(m, x, x0, 1, a, a0 + j, lda, 0, x, 0, a, 0, ZEROS, 0, alpha, beta, y, y0 + j, tile);
        }
        for (; j + L <= n; j += L) {
            FloatVector s = FloatVector.zero(SPECIES);
            for (int i = 0, ai = a0 + j; i < m; i++, ai += lda) {
                s = FloatVector.broadcast(SPECIES, x[x0 + i]).fma(FloatVector.fromArray(SPECIES, a, ai), s);
            }
            s.intoArray(tile, 0);
            epilogue(tile, 1, L, alpha, beta, y, y0 + j, NR);
        }
        for (; j < n; j++) {
            float s = 0f;
            for (int i = 0, ai = a0 + j; i < m; i++, ai += lda) {
                s = Math.fma(a[ai], x[x0 + i], s);
            }
            storeScalar(s, alpha, beta, y, y0 + j);
        }
    }

    private static void storeScalar(float sum, float alpha, float beta, float[] y, int yi) {
        y[yi] = beta == 0f ? alpha * sum : alpha * sum + beta * y[yi];
    }

    // ------------------------------------------------------------------------- level 1, element-wise

    @Override
    public float dot(float[] x, int xOffset, float[] y, int yOffset, int n) {
        return dotVector(x, xOffset, y, yOffset, n);
    }

    /**
     * The sum of a vector's lanes as a fixed tree: lane i adds lane i ^ d for d = L/2, ..., 1. Not
     * {@code reduceLanes(ADD)}, whose order is unspecified: the interpreter sums lane by lane and C2 as a
     * tree, so a result would change bits once the caller gets compiled (found by ConcurrencyTest).
     * Permutes and lane-wise adds are exact, so this gives the same bits at every stage of the JIT.
     */
    private static float sumLanes(FloatVector v) {
        if (L >= 16) v = v.add(v.rearrange(SWAP8));
        if (L >= 8) v = v.add(v.rearrange(SWAP4));
        if (L >= 4) v = v.add(v.rearrange(SWAP2));
        v = v.add(v.rearrange(SWAP1));
        return v.lane(0);
    }

    private static VectorShuffle<Float> swap(int d) {
        return d < L ? VectorShuffle.fromOp(SPECIES, i -> i ^ d) : null;
    }

    /** Four independent accumulators (an FMA's latency is four of its issue slots), then a scalar tail. */
    private static float dotVector(float[] x, int x0, float[] y, int y0, int n) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            s0 = FloatVector.fromArray(SPECIES, x, x0 + i).fma(FloatVector.fromArray(SPECIES, y, y0 + i), s0);
            s1 = FloatVector.fromArray(SPECIES, x, x0 + i + L).fma(FloatVector.fromArray(SPECIES, y, y0 + i + L), s1);
            s2 = FloatVector.fromArray(SPECIES, x, x0 + i + 2 * L).fma(FloatVector.fromArray(SPECIES, y, y0 + i + 2 * L), s2);
            s3 = FloatVector.fromArray(SPECIES, x, x0 + i + 3 * L).fma(FloatVector.fromArray(SPECIES, y, y0 + i + 3 * L), s3);
        }
        for (; i + L <= n; i += L) {
            s0 = FloatVector.fromArray(SPECIES, x, x0 + i).fma(FloatVector.fromArray(SPECIES, y, y0 + i), s0);
        }
        float sum = sumLanes(s0.add(s1).add(s2.add(s3)));
        for (; i < n; i++) {
            sum = Math.fma(x[x0 + i], y[y0 + i], sum);
        }
        return sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        FloatVector av = FloatVector.broadcast(SPECIES, alpha);
        int bound = SPECIES.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            av.fma(FloatVector.fromArray(SPECIES, x, xOffset + i), FloatVector.fromArray(SPECIES, y, yOffset + i))
              .intoArray(y, yOffset + i);
        }
        for (; i < n; i++) {
            y[yOffset + i] = Math.fma(alpha, x[xOffset + i], y[yOffset + i]);
        }
    }

    @Override
    public void scale(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        int bound = SPECIES.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(SPECIES, x, xOffset + i).mul(alpha).intoArray(y, yOffset + i);
        }
        for (; i < n; i++) {
            y[yOffset + i] = alpha * x[xOffset + i];
        }
    }

    @Override
    public void add(float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n) {
        int bound = SPECIES.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(SPECIES, x, xOffset + i).add(FloatVector.fromArray(SPECIES, y, yOffset + i))
                       .intoArray(z, zOffset + i);
        }
        for (; i < n; i++) {
            z[zOffset + i] = x[xOffset + i] + y[yOffset + i];
        }
    }

    @Override
    public void hadamard(float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n) {
        int bound = SPECIES.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(SPECIES, x, xOffset + i).mul(FloatVector.fromArray(SPECIES, y, yOffset + i))
                       .intoArray(z, zOffset + i);
        }
        for (; i < n; i++) {
            z[zOffset + i] = x[xOffset + i] * y[yOffset + i];
        }
    }

    // --------------------------------------------------------------------------------- activations

    // The vector math below is written out inside each loop on purpose, with nothing but Vector API
    // calls (which are all force-inlined): a FloatVector passed to a helper method that C2 does not
    // inline is boxed on the heap. Measured: 200-960 bytes per call on short rows where the helper's call
    // site is cold; and 737 KB per training step of a layer-norm LSTM, where sigmoid was inlined into a
    // cell's large step method whose inlining budget then ran out before a small fma helper (removed).
    // The tail runs the scalar twin, which gives the same bits, so no masked call site is needed either.

    @Override
    public void sigmoid(float[] x, int xOffset, float[] y, int yOffset, int n) {
        int bound = SPECIES.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            // sigmoid(x) = 1 / (1 + exp(clamp(-x))), exp as in Approximations.exp
            FloatVector z = FloatVector.fromArray(SPECIES, x, xOffset + i).neg().max(EXP_MIN).min(EXP_MAX);
            FloatVector shifted = z.fma(LOG2E, -0.5f).add(ROUND_MAGIC);
            FloatVector k = shifted.sub(ROUND_MAGIC);
            FloatVector r = k.fma(MINUS_LN2_LO, k.fma(MINUS_LN2_HI, z));
            FloatVector er = r.fma(EXP_E6, EXP_E5).fma(r, E4).fma(r, E3).fma(r, E2).fma(r, ONE).fma(r, ONE);
            FloatVector twoToK = shifted.reinterpretAsInts()
                    .lanewise(VectorOperators.LSHL, 23).add(EXP_BIAS_BITS).reinterpretAsFloats();
            ONE.div(er.mul(twoToK).add(1f)).intoArray(y, yOffset + i);
        }
        for (; i < n; i++) {
            y[yOffset + i] = Approximations.sigmoid(x[xOffset + i]);
        }
    }

    @Override
    public void tanh(float[] x, int xOffset, float[] y, int yOffset, int n) {
        int bound = SPECIES.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(SPECIES, x, xOffset + i);
            FloatVector ax = v.abs();
            // |x| < 0.55: odd polynomial |x| + |x|^3 R(x^2)
            FloatVector u = ax.mul(ax);
            FloatVector rp = u.fma(TANH_R4, TANH_R3).fma(u, R2).fma(u, R1).fma(u, R0);
            FloatVector small = ax.mul(u).fma(rp, ax);
            // otherwise 1 - 2 / (1 + exp(2|x|)), exp as in Approximations.exp
            FloatVector z = ax.mul(2f).min(EXP_MAX);
            FloatVector shifted = z.fma(LOG2E, -0.5f).add(ROUND_MAGIC);
            FloatVector k = shifted.sub(ROUND_MAGIC);
            FloatVector r = k.fma(MINUS_LN2_LO, k.fma(MINUS_LN2_HI, z));
            FloatVector er = r.fma(EXP_E6, EXP_E5).fma(r, E4).fma(r, E3).fma(r, E2).fma(r, ONE).fma(r, ONE);
            FloatVector twoToK = shifted.reinterpretAsInts()
                    .lanewise(VectorOperators.LSHL, 23).add(EXP_BIAS_BITS).reinterpretAsFloats();
            FloatVector large = ONE.sub(TWO.div(er.mul(twoToK).add(1f)));
            FloatVector magnitude = large.blend(small, ax.lt(TANH_SMALL));
            magnitude.reinterpretAsInts().or(v.reinterpretAsInts().and(SIGN_BIT)).reinterpretAsFloats()
                     .intoArray(y, yOffset + i);
        }
        for (; i < n; i++) {
            y[yOffset + i] = Approximations.tanh(x[xOffset + i]);
        }
    }

    @Override
    public void lstmCell(float[] gates, int gatesOffset, int gateStride, float[] cPrev, int cPrevOffset,
                         float[] c, int cOffset, float[] tanhC, int tanhCOffset, float[] h, int hOffset, int n) {
        // Two passes over the units instead of seven (three sigmoids, two tanh, c_t and h_t): the first
        // takes the four gates' activations in place, the second c_t, tanh(c_t) and h_t, from registers to
        // h_t. One pass for all of it was slower: a vector's chain (activations, then c_t, then tanh(c_t))
        // is about three exp's long, and the out-of-order window held little more than one vector's
        // instructions, so the vectors hardly overlapped; each pass's chains are short enough to overlap
        // (measured 0.80-1.08 -> 0.70-0.98 us per call for 256 units, medians 0.93 -> 0.76, five
        // interleaved JVMs each; the gate rows stay in L1 between the passes). The math is that of
        // sigmoid and tanh above, written out again for the reason given there.
        int bound = SPECIES.loopBound(n), j = 0;
        for (; j < bound; j += L) {
            // gates q = 0, 1, 3: i_t, f_t and o_t, each sigmoid(x) = 1 / (1 + exp(clamp(-x))), in place
            for (int q = 0; q < 4; q += q == 1 ? 2 : 1) {
                int at = gatesOffset + q * gateStride + j;
                FloatVector z = FloatVector.fromArray(SPECIES, gates, at).neg().max(EXP_MIN).min(EXP_MAX);
                FloatVector shifted = z.fma(LOG2E, -0.5f).add(ROUND_MAGIC);
                FloatVector k = shifted.sub(ROUND_MAGIC);
                FloatVector r = k.fma(MINUS_LN2_LO, k.fma(MINUS_LN2_HI, z));
                FloatVector er = r.fma(EXP_E6, EXP_E5).fma(r, E4).fma(r, E3).fma(r, E2).fma(r, ONE).fma(r, ONE);
                FloatVector twoToK = shifted.reinterpretAsInts()
                        .lanewise(VectorOperators.LSHL, 23).add(EXP_BIAS_BITS).reinterpretAsFloats();
                ONE.div(er.mul(twoToK).add(1f)).intoArray(gates, at);
            }
            int candidate = gatesOffset + 2 * gateStride + j;
            // g_t = tanh, as in tanh above
            FloatVector v = FloatVector.fromArray(SPECIES, gates, candidate);
            FloatVector ax = v.abs();
            FloatVector u = ax.mul(ax);
            FloatVector rp = u.fma(TANH_R4, TANH_R3).fma(u, R2).fma(u, R1).fma(u, R0);
            FloatVector small = ax.mul(u).fma(rp, ax);
            FloatVector z = ax.mul(2f).min(EXP_MAX);
            FloatVector shifted = z.fma(LOG2E, -0.5f).add(ROUND_MAGIC);
            FloatVector k = shifted.sub(ROUND_MAGIC);
            FloatVector r = k.fma(MINUS_LN2_LO, k.fma(MINUS_LN2_HI, z));
            FloatVector er = r.fma(EXP_E6, EXP_E5).fma(r, E4).fma(r, E3).fma(r, E2).fma(r, ONE).fma(r, ONE);
            FloatVector twoToK = shifted.reinterpretAsInts()
                    .lanewise(VectorOperators.LSHL, 23).add(EXP_BIAS_BITS).reinterpretAsFloats();
            FloatVector large = ONE.sub(TWO.div(er.mul(twoToK).add(1f)));
            FloatVector candidateGate = large.blend(small, ax.lt(TANH_SMALL)).reinterpretAsInts()
                    .or(v.reinterpretAsInts().and(SIGN_BIT)).reinterpretAsFloats();
            candidateGate.intoArray(gates, candidate);
        }
        for (j = 0; j < bound; j += L) {
            // c_t = f_t c_{t-1} + i_t g_t
            FloatVector candidateGate = FloatVector.fromArray(SPECIES, gates, gatesOffset + 2 * gateStride + j);
            FloatVector inputGate = FloatVector.fromArray(SPECIES, gates, gatesOffset + j);
            FloatVector forgetGate = FloatVector.fromArray(SPECIES, gates, gatesOffset + gateStride + j);
            FloatVector cell = inputGate.fma(candidateGate, forgetGate.mul(FloatVector.fromArray(SPECIES, cPrev, cPrevOffset + j)));
            cell.intoArray(c, cOffset + j);
            // tanh(c_t), as in tanh above
            FloatVector ax = cell.abs();
            FloatVector u = ax.mul(ax);
            FloatVector rp = u.fma(TANH_R4, TANH_R3).fma(u, R2).fma(u, R1).fma(u, R0);
            FloatVector small = ax.mul(u).fma(rp, ax);
            FloatVector z = ax.mul(2f).min(EXP_MAX);
            FloatVector shifted = z.fma(LOG2E, -0.5f).add(ROUND_MAGIC);
            FloatVector k = shifted.sub(ROUND_MAGIC);
            FloatVector r = k.fma(MINUS_LN2_LO, k.fma(MINUS_LN2_HI, z));
            FloatVector er = r.fma(EXP_E6, EXP_E5).fma(r, E4).fma(r, E3).fma(r, E2).fma(r, ONE).fma(r, ONE);
            FloatVector twoToK = shifted.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(EXP_BIAS_BITS).reinterpretAsFloats();
            FloatVector large = ONE.sub(TWO.div(er.mul(twoToK).add(1f)));
            FloatVector tanhCell = large.blend(small, ax.lt(TANH_SMALL)).reinterpretAsInts()
                    .or(cell.reinterpretAsInts().and(SIGN_BIT)).reinterpretAsFloats();
            tanhCell.intoArray(tanhC, tanhCOffset + j);
            // h_t = o_t tanh(c_t)
            FloatVector.fromArray(SPECIES, gates, gatesOffset + 3 * gateStride + j).mul(tanhCell).intoArray(h, hOffset + j);
        }
        ScalarKernelSupport.lstmUnits(gates, gatesOffset, gateStride, cPrev, cPrevOffset, c, cOffset, tanhC, tanhCOffset,
                                      h, hOffset, j, n);
    }

    @Override
    public void sigmoidDerivative(float[] y, int yOffset, float[] d, int dOffset, int n) {
        int bound = SPECIES.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            FloatVector s = FloatVector.fromArray(SPECIES, y, yOffset + i);
            s.mul(s.neg().add(1f)).intoArray(d, dOffset + i);
        }
        for (; i < n; i++) {
            float s = y[yOffset + i];
            d[dOffset + i] = s * (1f - s);
        }
    }

    @Override
    public void tanhDerivative(float[] y, int yOffset, float[] d, int dOffset, int n) {
        int bound = SPECIES.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            FloatVector t = FloatVector.fromArray(SPECIES, y, yOffset + i);
            t.neg().fma(t, ONE).intoArray(d, dOffset + i);
        }
        for (; i < n; i++) {
            float t = y[yOffset + i];
            d[dOffset + i] = Math.fma(-t, t, 1f);
        }
    }
}
