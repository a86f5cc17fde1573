package io.github.vecrnn.kernel;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One sgemm split over threads, as a {@link ParallelTask}: C in blocks of whole columns (or of whole rows
 * when C is too narrow), a few blocks per thread, which the threads take one at a time as they finish the
 * last: a thread the operating system holds back (another process on its core) takes fewer, and the others
 * do the rest, instead of the call waiting for its fixed share. Each block is an ordinary sub-product, so
 * every element of C is computed by the same FMA chain as on one thread: the results are the same bits for
 * any thread count and any sharing of the blocks. One instance per calling thread ({@link #forThisThread})
 * holds the job in its fields, so a call allocates nothing.
 */
final class GemmSplit implements SharedQueueTask {
    /** Column blocks are multiples of this: a multiple of every strip width (16, 32 or 64). */
    private static final int COLUMN_ALIGN = 64;
    /** Blocks per thread, at most: enough for the threads to even out, few enough to keep each block's work long. */
    private static final int BLOCKS_PER_THREAD = 4;
    /** Row blocks are multiples of this, the register tile's rows. */
    private static final int ROW_ALIGN = 6;
    private static final ThreadLocal<GemmSplit> OWN = ThreadLocal.withInitial(GemmSplit::new);

    private final AtomicInteger nextBlock = new AtomicInteger();
    private int[] taken = new int[0];   // the blocks each part took in the job
    private KernelSupport support;
    private boolean transA, transB, splitColumns;
    private int blocks, units;   // the job's blocks, over units of COLUMN_ALIGN columns or ROW_ALIGN rows
    private int m, n, k, lda, ldb, ldc, aOffset, bOffset, cOffset;
    private float alpha, beta;
    private float[] a, b, c;
    private PackedMatrix packed;   // non-null: B is this packed matrix (b, bOffset, ldb and transB unused)
    // non-null: the job is C = A B + E F + bias over B's columns [column, column + n) (gatePreactivations)
    private PackedMatrix second;
    private float[] e, bias;
    private int eOffset, lde, column, biasOffset;

    static GemmSplit forThisThread() {
        return OWN.get();
    }

    /** C = alpha op(A) op(B) + beta C, B row-major. */
    GemmSplit rowMajor(KernelSupport support, boolean transA, boolean transB, int m, int n, int k, float alpha,
                       float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta,
                       float[] c, int cOffset, int ldc) {
        set(support, transA, m, n, k, alpha, a, aOffset, lda, beta, c, cOffset, ldc);
        this.transB = transB;
        this.b = b; this.bOffset = bOffset; this.ldb = ldb;
        return this;
    }

    /** C = alpha A B + beta C, B packed (its strips align with the column blocks). */
    GemmSplit packed(KernelSupport support, int m, float alpha, float[] a, int aOffset, int lda, PackedMatrix b,
                     float beta, float[] c, int cOffset, int ldc) {
        set(support, false, m, b.cols, b.rows, alpha, a, aOffset, lda, beta, c, cOffset, ldc);
        this.packed = b;
        return this;
    }

    /** C = A B + E F + bias over the columns [column, column + columns) of B and F, both packed. */
    GemmSplit pair(KernelSupport support, int m, float[] a, int aOffset, int lda, PackedMatrix b, float[] e, int eOffset,
                   int lde, PackedMatrix f, int column, int columns, float[] bias, int biasOffset,
                   float[] c, int cOffset, int ldc) {
        set(support, false, m, columns, b.rows, 1f, a, aOffset, lda, 0f, c, cOffset, ldc);
        this.packed = b;
        this.second = f;
        this.e = e; this.eOffset = eOffset; this.lde = lde;
        this.bias = bias; this.biasOffset = biasOffset; this.column = column;
        return this;
    }

    private void set(KernelSupport support, boolean transA, int m, int n, int k, float alpha, float[] a, int aOffset,
                     int lda, float beta, float[] c, int cOffset, int ldc) {
        this.support = support;
        this.transA = transA;
        this.transB = false;
        this.m = m; this.n = n; this.k = k; this.alpha = alpha; this.beta = beta;
        this.a = a; this.aOffset = aOffset; this.lda = lda;
        this.c = c; this.cOffset = cOffset; this.ldc = ldc;
        this.b = null; this.packed = this.second = null; this.e = this.bias = null;
    }

    /** Runs the job on the pool with up to threads threads; false (nothing done) when the pool is busy. */
    boolean tryOn(WorkerPool pool, int threads) {
        int parts = Math.min(threads, pool.maxThreads());
        int columnUnits = (n + COLUMN_ALIGN - 1) / COLUMN_ALIGN, rowUnits = (m + ROW_ALIGN - 1) / ROW_ALIGN;
        splitColumns = columnUnits >= parts;   // rows only when C is too narrow: each row block reads all of B
        units = splitColumns ? columnUnits : rowUnits;
        blocks = Math.min(units, parts * BLOCKS_PER_THREAD);
        nextBlock.set(0);
        if (taken.length < parts) taken = new int[parts];
        Arrays.fill(taken, 0);   // a part withdrawn before it starts takes none
        try {
            return pool.tryRunShared(Math.min(parts, blocks), this);
        } finally {
            a = b = c = e = bias = null;   // do not keep the caller's arrays alive
            packed = second = null;
        }
    }

    /** Each thread, whatever its part: the next block not taken, until none is left. */
    @Override
    public void run(int part, int parts) {
        int count = 0;
        for (int block; (block = nextBlock.getAndIncrement()) < blocks; count++) {
            int from = units * block / blocks, to = units * (block + 1) / blocks;
            if (splitColumns) {
                columns(Math.min(n, from * COLUMN_ALIGN), Math.min(n, to * COLUMN_ALIGN));
            } else {
                rows(Math.min(m, from * ROW_ALIGN), Math.min(m, to * ROW_ALIGN));
            }
        }
        taken[part] = count;
    }

    @Override
    public boolean unevenlyShared(int parts) {
        if (blocks < 2 * parts) return false;   // too few blocks to tell
        for (int p = 0; p < parts; p++) {
            if (2 * parts * taken[p] < blocks) return true;
        }
        return false;
    }

    /** Columns [j0, j1) of C (j0 a multiple of COLUMN_ALIGN), as a sub-product. */
    private void columns(int j0, int j1) {
        if (second != null) {   // column blocks are multiples of 64, so they start on a strip of B and F
            support.sgemmPackedPair(m, j1 - j0, a, aOffset, lda, k, packed.data, packed.stripOffset(column + j0),
                                    e, eOffset, lde, second.rows, second.data, second.stripOffset(column + j0),
                                    bias, biasOffset + j0, c, cOffset + j0, ldc);
        } else if (packed != null) {
            support.sgemmPacked(m, j1 - j0, k, alpha, a, aOffset, lda, packed.data, packed.stripOffset(j0),
                                beta, c, cOffset + j0, ldc);
        } else if (m == 1 && !transA && !transB) { // one row: the vertical matrix-vector form, same FMA chains
            support.sgemv(true, k, j1 - j0, alpha, b, bOffset + j0, ldb, a, aOffset, beta, c, cOffset + j0);
        } else {
            support.sgemm(transA, transB, m, j1 - j0, k, alpha, a, aOffset, lda, b, bOffset + j0 * (transB ? ldb : 1), ldb,
                          beta, c, cOffset + j0, ldc);
        }
    }

    /** Rows [i0, i1) of C, as a sub-product. */
    private void rows(int i0, int i1) {
        int aStart = aOffset + i0 * (transA ? 1 : lda);
        if (second != null) {
            support.sgemmPackedPair(i1 - i0, n, a, aStart, lda, k, packed.data, packed.stripOffset(column),
                                    e, eOffset + i0 * lde, lde, second.rows, second.data, second.stripOffset(column),
                                    bias, biasOffset, c, cOffset + i0 * ldc, ldc);
        } else if (packed != null) {
            support.sgemmPacked(i1 - i0, n, k, alpha, a, aStart, lda, packed.data, 0, beta, c, cOffset + i0 * ldc, ldc);
        } else {
            support.sgemm(transA, transB, i1 - i0, n, k, alpha, a, aStart, lda, b, bOffset, ldb,
                          beta, c, cOffset + i0 * ldc, ldc);
        }
    }
}
