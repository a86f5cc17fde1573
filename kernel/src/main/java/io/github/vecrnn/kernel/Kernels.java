package io.github.vecrnn.kernel;

/**
 * A set of vecrnn's numeric operations bound to one implementation and a thread count.
 *
 * <ul>
 *   <li>{@link #preferred()}: the Vector API implementation when the JVM runs with
 *       {@code --add-modules jdk.incubator.vector}, otherwise the scalar one (with one warning, logged:
 *       see {@link KernelProvider}). The static facades {@link Gemm}, {@link Activations} and
 *       {@link ArrayOps} use it.</li>
 *   <li>{@link #scalar()}: the scalar twin, plain loops; the reference the tests compare against.</li>
 * </ul>
 *
 * <p>Every method checks all of its arguments before it reads or writes any array, and throws
 * {@link IllegalArgumentException} naming the argument and the shape; a {@code null} array gives a
 * {@link NullPointerException} naming it.
 *
 * <p>System properties, read once ({@link KernelProperties}): {@value #BITS_PROPERTY} = 128, 256 or 512
 * forces that vector width (to test every width on one machine), {@code scalar} forces the scalar twin;
 * {@value #THREADS_PROPERTY} sets the default thread count (default: {@link Runtime#availableProcessors()}).
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class Kernels {

    /** System property forcing the vector width in bits (128, 256, 512) or {@code scalar}. */
    public static final String BITS_PROPERTY = "vecrnn.vector.bits";
    /** System property setting the default sgemm thread count. */
    public static final String THREADS_PROPERTY = "vecrnn.threads";
    /** System property forcing the GEMM register tile's width in vectors (2 or 4), to test both on one machine. */
    public static final String STRIP_PROPERTY = "vecrnn.gemm.strip";

    /** Below this many flops (2mnk) an sgemm stays on the calling thread: a hand-off costs more. */
    static final long PARALLEL_MIN_FLOPS = 1L << 22;
    /**
     * A one-row product (m == 1, B not transposed) is shared from this many elements of B (256 KB): it is
     * bound by reading B, and each thread then streams its own part (the hand-off costs about a microsecond).
     */
    static final long PARALLEL_MIN_GEMV_ELEMENTS = 1L << 16;

    private static final Kernels SCALAR = new Kernels(ScalarKernelSupport.INSTANCE, 1);
    private static final Kernels PREFERRED = new Kernels(KernelProvider.SUPPORT, KernelProperties.THREADS);

    private final KernelSupport support;
    private final int threads;

    private Kernels(KernelSupport support, int threads) {
        this.support = support;
        this.threads = threads;
    }

    /** The fastest implementation this JVM can run, with the default thread count. */
    public static Kernels preferred() {
        return PREFERRED;
    }

    /** The scalar twin: plain loops, one thread. */
    public static Kernels scalar() {
        return SCALAR;
    }

    /**
     * The same implementation using at most {@code threads} threads for large sgemm calls (the
     * calling thread included). Results do not depend on the thread count.
     */
    public Kernels withThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        return threads == this.threads ? this : new Kernels(support, threads);
    }

    /** The thread count used for large sgemm calls. */
    public int threads() {
        return threads;
    }

    /** Vector width in bits, or 0 for the scalar implementation. */
    public int vectorBits() {
        return support.vectorBits();
    }

    /** True when this runs on the Vector API. */
    public boolean isVectorized() {
        return support.vectorBits() > 0;
    }

    @Override
    public String toString() {
        return "Kernels[" + support.description() + ", " + threads + (threads == 1 ? " thread]" : " threads]");
    }

    // ------------------------------------------------------------------------------------ GEMM

    /**
     * C = alpha * op(A) * op(B) + beta * C, with op(A) m x k, op(B) k x n and C m x n, all row-major.
     * op(X) is X, or its transpose when transX is true (then X is stored k x m or n x k).
     * BLAS semantics: beta == 0 sets C without reading it (NaN in C is ignored); k == 0 or
     * alpha == 0 scales C by beta without reading A or B; m == 0 or n == 0 does nothing.
     *
     * <p>Accuracy: each element of the product is one float32 FMA chain over p = 0..k-1, then
     * {@code alpha * sum + beta * c}. Error: |c - exact| &lt;= (k + 2) * 2^-24 * (|alpha| * sum_p |a_ip b_pj|
     * + |beta c|) (plus underflow). The vector implementation gives the same bits as the scalar twin
     * for any width and thread count, except when m == 1 and only B is transposed: that case is a dot
     * product per element, summed lane-wise, and differs from the scalar twin by rounding only.
     */
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                      float beta, float[] c, int cOffset, int ldc) {
        String op = "sgemm";
        Checks.nonNegative(op, "m", m);
        Checks.nonNegative(op, "n", n);
        Checks.nonNegative(op, "k", k);
        Checks.matrix(op, "A", "a", a, aOffset, "lda", lda, transA ? k : m, transA ? m : k, transA);
        Checks.matrix(op, "B", "b", b, bOffset, "ldb", ldb, transB ? n : k, transB ? k : n, transB);
        Checks.matrix(op, "C", "c", c, cOffset, "ldc", ldc, m, n, false);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scaleMatrix(beta, c, cOffset, ldc, m, n);
            return;
        }
        if (transA && m > 1 && (long) m * k >= TRANSPOSE_A_MIN && (long) m * k <= Integer.MAX_VALUE - 8) {
            // op(A) = A^T read in place walks A with a stride of lda floats per FMA step; with large
            // strides (4 KB and up) the cache ways alias and the tile kernel runs at half speed. Copy
            // A^T once (blocked transpose) and multiply in place instead. Same FMA order, same bits.
            // (m > 1 only: a one-row product would become the lane-wise dot form and change bits.)
            float[] at = transposeScratch((int) ((long) m * k));
            transpose(k, m, a, aOffset, lda, at, 0, k);
            sgemm(false, transB, m, n, k, alpha, at, 0, k, b, bOffset, ldb, beta, c, cOffset, ldc);
            return;
        }
        if (m == 1 && !transA) {
            // One row of C: a matrix-vector product with B. It reads all of B for 2n flops, so it is
            // bound by memory: split by columns, each thread streams (and its core caches) its own part.
            if (!transB && threads > 1 && (long) k * n >= PARALLEL_MIN_GEMV_ELEMENTS
                && parallel(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc)) {
                return;
            }
            support.sgemv(!transB, transB ? n : k, transB ? k : n, alpha, b, bOffset, ldb, a, aOffset, beta, c, cOffset);
            return;
        }
        if (threads > 1 && 2L * m * n * k >= PARALLEL_MIN_FLOPS
            && parallel(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc)) {
            return;
        }
        support.sgemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    /** A zeroed k x n {@link PackedMatrix} in this implementation's layout. */
    public PackedMatrix newPackedMatrix(int k, int n) {
        return new PackedMatrix(k, n, support.panelWidth());
    }

    /**
     * dst = op(B), op(B) being dst's k x n: B itself stored k x n (leading dimension ldb), or, when
     * trans is true, the transpose of B stored n x k. Every element of dst is written, padding included.
     */
    public void pack(boolean trans, float[] b, int bOffset, int ldb, PackedMatrix dst) {
        String op = "pack";
        checkLayout(op, dst);
        int k = dst.rows, n = dst.cols, width = dst.panelWidth;
        Checks.matrix(op, "B", "b", b, bOffset, "ldb", ldb, trans ? n : k, trans ? k : n, trans);
        for (int j0 = 0; j0 < n; j0 += width) {
            PackedMatrix.packStrip(trans, b, bOffset + j0 * (trans ? ldb : 1), ldb, k, Math.min(width, n - j0), width,
                                   dst.data, dst.stripOffset(j0));
        }
    }

    /**
     * C = alpha * A * B + beta * C with B packed ({@link #pack}): A is m x k (leading dimension lda), C is
     * m x n, B's shape is k x n. Same semantics, accuracy and bits as
     * {@code sgemm(false, false, m, n, k, alpha, a, aOffset, lda, B, 0, n, beta, c, cOffset, ldc)} on
     * the unpacked B, the one-row case (m == 1) included: it is computed as the vertical form.
     */
    public void sgemmPacked(int m, float alpha, float[] a, int aOffset, int lda, PackedMatrix b,
                            float beta, float[] c, int cOffset, int ldc) {
        sgemmPackedColumns(m, alpha, a, aOffset, lda, b, 0, b == null ? 0 : b.cols, beta, c, cOffset, ldc);
    }

    /**
     * The same product with the columns [column, column + columns) of the packed B alone: C is m x columns.
     * column must be a multiple of B's {@link PackedMatrix#panelWidth() panel width}. Each element of C
     * is the FMA chain it has in the product with all of B, so the parts of a product split by columns
     * (over threads, say) give the bits of the whole.
     */
    public void sgemmPackedColumns(int m, float alpha, float[] a, int aOffset, int lda, PackedMatrix b, int column,
                                   int columns, float beta, float[] c, int cOffset, int ldc) {
        String op = "sgemmPackedColumns";
        checkLayout(op, b);
        int k = b.rows;
        checkColumns(op, b, column, columns);
        int n = columns;
        Checks.nonNegative(op, "m", m);
        Checks.matrix(op, "A", "a", a, aOffset, "lda", lda, m, k, false);
        Checks.matrix(op, "C", "c", c, cOffset, "ldc", ldc, m, n, false);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scaleMatrix(beta, c, cOffset, ldc, m, n);
            return;
        }
        boolean whole = column == 0 && columns == b.cols;
        boolean large = m == 1 ? (long) k * n >= PARALLEL_MIN_GEMV_ELEMENTS : 2L * m * n * k >= PARALLEL_MIN_FLOPS;
        if (threads > 1 && large && whole
            && GemmSplit.forThisThread().packed(support, m, alpha, a, aOffset, lda, b, beta, c, cOffset, ldc).tryOn(pool(), threads)) {
            return;
        }
        support.sgemmPacked(m, n, k, alpha, a, aOffset, lda, b.data, b.stripOffset(column), beta, c, cOffset, ldc);
    }

    /**
     * The same product over blocks of B's columns, equally spaced: for q = 0 .. blocks-1, the columns
     * [column + q * blockStride, column + q * blockStride + columns) of B, into the columns
     * [q * blockStride, q * blockStride + columns) of C (m rows from cOffset, leading dimension ldc; C's
     * columns between the blocks are not touched). It is a range of hidden units' columns in each of an
     * RNN's gates (column the first unit, blockStride the hidden size): the share of one thread when a
     * step is split by units. column and blockStride must be multiples of B's panel width, and
     * blockStride &gt;= columns. Runs on the calling thread. Each element of C is the FMA chain it has in
     * the product with all of B: the same bits.
     */
    public void sgemmPackedColumnBlocks(int m, float alpha, float[] a, int aOffset, int lda, PackedMatrix b, int column,
                                        int columns, int blocks, int blockStride, float beta, float[] c, int cOffset, int ldc) {
        String op = "sgemmPackedColumnBlocks";
        checkLayout(op, b);
        Checks.nonNegative(op, "blocks", blocks);
        if (blocks > 1 && (blockStride < columns || blockStride % b.panelWidth != 0)) {
            throw new IllegalArgumentException(op + ": blockStride = " + blockStride + " must be a multiple of "
                                               + b.panelWidth + " and at least columns = " + columns);
        }
        long span = blocks == 0 ? 0 : (long) (blocks - 1) * blockStride + columns;
        if (span > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": " + blocks + " blocks of stride " + blockStride + " span past any array");
        }
        checkColumns(op, b, column, (int) span);
        int k = b.rows, n = columns;
        Checks.nonNegative(op, "m", m);
        Checks.matrix(op, "A", "a", a, aOffset, "lda", lda, m, k, false);
        Checks.matrix(op, "C", "c", c, cOffset, "ldc", ldc, m, (int) span, false);
        if (m == 0 || n == 0 || blocks == 0) return;
        if (k == 0 || alpha == 0f) {
            for (int q = 0; q < blocks; q++) scaleMatrix(beta, c, cOffset + q * blockStride, ldc, m, n);
            return;
        }
        support.sgemmPackedBlocks(m, n, k, blocks, blockStride, alpha, a, aOffset, lda, b.data, b.stripOffset(column),
                                  beta, c, cOffset, ldc);
    }

    /**
     * C = A B + E F + bias, over the columns [column, column + columns) of two packed matrices with the
     * same columns: B (k x n) and F (k2 x n), A m x k (leading dimension lda), E m x k2 (lde); bias holds
     * one float per column (from biasOffset: the bias of the first column in the range) and is added to
     * every row of C, which is m x columns and only written. It is an RNN's gate pre-activations in one
     * product, x_t W^T + h_{t-1} R^T + b, without first writing one product to C and then reading it back
     * to add the other.
     *
     * <p>Each element is one FMA chain that starts from its bias and runs over p = 0..k-1 of A B, then
     * over the k2 terms of E F: the same bits on every vector width, for any split of the columns and any
     * thread count, as the scalar twin. Error: |c - exact| &lt;= (k + k2 + 1) * 2^-24 * (|bias| + sum of
     * the |terms|) (plus underflow).
     */
    public void gatePreactivations(int m, float[] a, int aOffset, int lda, PackedMatrix b, float[] e, int eOffset, int lde,
                                   PackedMatrix f, int column, int columns, float[] bias, int biasOffset,
                                   float[] c, int cOffset, int ldc) {
        String op = "gatePreactivations";
        checkLayout(op, b);
        checkLayout(op, f);
        if (b.cols != f.cols) {
            throw new IllegalArgumentException(op + ": the packed matrices " + b + " and " + f
                                               + " must have the same columns");
        }
        checkColumns(op, b, column, columns);
        int n = columns, k = b.rows, k2 = f.rows;
        Checks.nonNegative(op, "m", m);
        Checks.matrix(op, "A", "a", a, aOffset, "lda", lda, m, k, false);
        Checks.matrix(op, "E", "e", e, eOffset, "lde", lde, m, k2, false);
        Checks.vector(op, "bias", bias, biasOffset, n);
        Checks.matrix(op, "C", "c", c, cOffset, "ldc", ldc, m, n, false);
        if (m == 0 || n == 0) return;
        if (threads > 1 && 2L * m * n * (k + k2) >= PARALLEL_MIN_FLOPS
            && GemmSplit.forThisThread().pair(support, m, a, aOffset, lda, b, e, eOffset, lde, f, column, columns,
                                              bias, biasOffset, c, cOffset, ldc).tryOn(pool(), threads)) {
            return;
        }
        support.sgemmPackedPair(m, n, a, aOffset, lda, k, b.data, b.stripOffset(column), e, eOffset, lde, k2,
                                f.data, f.stripOffset(column), bias, biasOffset, c, cOffset, ldc);
    }

    /**
     * Runs task.run(part, parts) for part = 0 .. parts-1 on up to {@link #threads()} threads, part 0 on
     * the calling thread, and returns when all parts are done (a part's exception is rethrown here). With
     * one thread, or when the shared threads are busy with another caller's work (or with this very task:
     * a part that calls this again), it runs task.run(0, 1) on the calling thread. Kernel calls inside a
     * part should use a one-thread {@link Kernels}.
     */
    public void parallel(ParallelTask task) {
        if (task == null) throw new NullPointerException("parallel: the task is null");
        if (threads > 1 && pool().tryRun(threads, task)) return;
        task.run(0, 1);
    }

    /** [column, column + columns) is a range of b's columns that starts on one of its strips. */
    private static void checkColumns(String op, PackedMatrix b, int column, int columns) {
        if (column < 0 || columns < 0 || column > b.cols - columns || column % b.panelWidth != 0) {
            throw new IllegalArgumentException(op + ": columns [" + column + ", " + ((long) column + columns) + ") are not "
                                               + "a range of " + b + " that starts at a multiple of " + b.panelWidth);
        }
    }

    private void checkLayout(String op, PackedMatrix matrix) {
        if (matrix == null) throw new NullPointerException(op + ": the packed matrix is null");
        if (matrix.panelWidth != support.panelWidth()) {
            throw new IllegalArgumentException(op + ": " + matrix + " was packed for another implementation; "
                                               + this + " uses strips of " + support.panelWidth());
        }
    }

    /** The sgemm on the shared pool's threads; false (nothing done) when the pool is busy or has no helper. */
    private boolean parallel(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                             float beta, float[] c, int cOffset, int ldc) {
        return GemmSplit.forThisThread().rowMajor(support, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb,
                                                  beta, c, cOffset, ldc).tryOn(pool(), threads);
    }

    /** The threads every Kernels shares, as many as the default thread count (one less: the caller is one). */
    private static WorkerPool pool() {
        return WorkerPool.shared(PREFERRED.threads);
    }

    /** A^T copies of at least this many elements go through {@link #transpose} first. */
    static final long TRANSPOSE_A_MIN = 1L << 15;
    private static final ThreadLocal<float[][]> TRANSPOSE_SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    private static float[] transposeScratch(int size) {
        float[][] holder = TRANSPOSE_SCRATCH.get();
        if (holder[0].length < size) holder[0] = new float[size];
        return holder[0];
    }

    /**
     * dst = src^T: src is rows x cols (leading dimension lds), dst is cols x rows (leading dimension
     * ldd). Copies 8 x 64 blocks so that reads and writes both stay within a few cache lines.
     */
    public void transpose(int rows, int cols, float[] src, int srcOffset, int lds, float[] dst, int dstOffset, int ldd) {
        transposeBlocks("transpose", false, rows, cols, src, srcOffset, lds, dst, dstOffset, ldd);
    }

    /**
     * dst += src^T, in the same blocks as {@link #transpose}: src is rows x cols (leading dimension lds),
     * dst is cols x rows (leading dimension ldd). Each element is one float addition, dst + src.
     */
    public void addTransposed(int rows, int cols, float[] src, int srcOffset, int lds, float[] dst, int dstOffset, int ldd) {
        transposeBlocks("addTransposed", true, rows, cols, src, srcOffset, lds, dst, dstOffset, ldd);
    }

    private static void transposeBlocks(String op, boolean add, int rows, int cols, float[] src, int srcOffset, int lds,
                                        float[] dst, int dstOffset, int ldd) {
        Checks.nonNegative(op, "rows", rows);
        Checks.nonNegative(op, "cols", cols);
        Checks.matrix(op, "src", "src", src, srcOffset, "lds", lds, rows, cols, false);
        Checks.matrix(op, "dst", "dst", dst, dstOffset, "ldd", ldd, cols, rows, false);
        final int blockRows = 8, blockCols = 64;
        for (int r0 = 0; r0 < rows; r0 += blockRows) {
            int r1 = Math.min(rows, r0 + blockRows);
            for (int c0 = 0; c0 < cols; c0 += blockCols) {
                int c1 = Math.min(cols, c0 + blockCols);
                for (int r = r0; r < r1; r++) {
                    int from = srcOffset + r * lds;
                    if (add) {
                        for (int c = c0; c < c1; c++) dst[dstOffset + c * ldd + r] += src[from + c];
                    } else {
                        for (int c = c0; c < c1; c++) dst[dstOffset + c * ldd + r] = src[from + c];
                    }
                }
            }
        }
    }

    private void scaleMatrix(float beta, float[] c, int cOffset, int ldc, int m, int n) {
        for (int i = 0; i < m; i++) {
            int row = cOffset + i * ldc;
            if (beta == 0f) {
                java.util.Arrays.fill(c, row, row + n, 0f);
            } else if (beta != 1f) {
                support.scale(beta, c, row, c, row, n);
            }
        }
    }

    /**
     * y = alpha * op(A) * x + beta * y for A stored m x n (row-major, leading dimension lda):
     * without transpose x has n elements and y has m; with transpose x has m and y has n.
     * BLAS semantics for beta == 0 and alpha == 0 as in {@link #sgemm}.
     * The transposed form is bitwise identical to the scalar twin; the other sums lane-wise.
     */
    public void sgemv(boolean transA, int m, int n, float alpha, float[] a, int aOffset, int lda,
                      float[] x, int xOffset, float beta, float[] y, int yOffset) {
        String op = "sgemv";
        Checks.nonNegative(op, "m", m);
        Checks.nonNegative(op, "n", n);
        Checks.matrix(op, "A", "a", a, aOffset, "lda", lda, m, n, false);
        int xLength = transA ? m : n, yLength = transA ? n : m;
        Checks.vector(op, "x", x, xOffset, xLength);
        Checks.vector(op, "y", y, yOffset, yLength);
        if (yLength == 0) return;
        if (xLength == 0 || alpha == 0f) {
            scaleMatrix(beta, y, yOffset, yLength, 1, yLength);
            return;
        }
        support.sgemv(transA, m, n, alpha, a, aOffset, lda, x, xOffset, beta, y, yOffset);
    }

    // ---------------------------------------------------------------------- level 1, element-wise

    /** The dot product of x[xOffset .. xOffset + n) and y[yOffset ..): sum of x[i] * y[i]. */
    public float dot(float[] x, int xOffset, float[] y, int yOffset, int n) {
        Checks.nonNegative("dot", "n", n);
        Checks.vector("dot", "x", x, xOffset, n);
        Checks.vector("dot", "y", y, yOffset, n);
        return support.dot(x, xOffset, y, yOffset, n);
    }

    /** y[i] += alpha * x[i] (one FMA per element). y may be x only if the ranges are the same. */
    public void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        Checks.unary("axpy", "x", x, xOffset, "y", y, yOffset, n);
        support.axpy(alpha, x, xOffset, y, yOffset, n);
    }

    /** y[i] = alpha * x[i]; in place when y == x and the offsets are equal. */
    public void scale(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        Checks.unary("scale", "x", x, xOffset, "y", y, yOffset, n);
        support.scale(alpha, x, xOffset, y, yOffset, n);
    }

    /** z[i] = x[i] + y[i]; z may be x or y (same offset). */
    public void add(float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n) {
        Checks.binary("add", x, xOffset, y, yOffset, z, zOffset, n);
        support.add(x, xOffset, y, yOffset, z, zOffset, n);
    }

    /** z[i] = x[i] * y[i] (the Hadamard product); z may be x or y (same offset). */
    public void hadamard(float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n) {
        Checks.binary("hadamard", x, xOffset, y, yOffset, z, zOffset, n);
        support.hadamard(x, xOffset, y, yOffset, z, zOffset, n);
    }

    // --------------------------------------------------------------------------------- activations

    /** y[i] = sigmoid(x[i]); see {@link Activations} for the accuracy contract. */
    public void sigmoid(float[] x, int xOffset, float[] y, int yOffset, int n) {
        Checks.unary("sigmoid", "x", x, xOffset, "y", y, yOffset, n);
        support.sigmoid(x, xOffset, y, yOffset, n);
    }

    /** y[i] = tanh(x[i]); see {@link Activations} for the accuracy contract. */
    public void tanh(float[] x, int xOffset, float[] y, int yOffset, int n) {
        Checks.unary("tanh", "x", x, xOffset, "y", y, yOffset, n);
        support.tanh(x, xOffset, y, yOffset, n);
    }

    /** How lstmCell's messages name the four blocks of a row of gates. */
    private static final String[] GATE_BLOCKS = {"the input gate block", "the forget gate block",
                                                 "the candidate block", "the output gate block"};

    /**
     * The element-wise part of an LSTM step (without peepholes) for n units, fused in one pass:
     * <pre>
     *   i = sigmoid(gates[i0 + j]), f = sigmoid(gates[i0 + s + j]), g = tanh(gates[i0 + 2s + j]),
     *   o = sigmoid(gates[i0 + 3s + j])                 (written back in place of the pre-activations)
     *   c[cOffset + j] = fma(i, g, f * cPrev[cPrevOffset + j])          c_t = f_t c_{t-1} + i_t g_t
     *   tanhC[tanhCOffset + j] = tanh(c);  h[hOffset + j] = o * tanh(c)  h_t = o_t tanh(c_t)
     * </pre>
     * with i0 = gatesOffset, s = gateStride &gt;= n, sigmoid and tanh as in {@link Activations}. c, tanhC
     * and h must not overlap the four gate blocks or each other, and tanhC and h not cPrev; c may be cPrev
     * at the same offset (an update in place), not partly overlap it. Overlaps are refused with an
     * IllegalArgumentException naming both ranges. The same bits on every vector width and in the scalar
     * twin.
     */
    public void lstmCell(float[] gates, int gatesOffset, int gateStride, float[] cPrev, int cPrevOffset,
                         float[] c, int cOffset, float[] tanhC, int tanhCOffset, float[] h, int hOffset, int n) {
        String op = "lstmCell";
        Checks.nonNegative(op, "n", n);
        if (gateStride < n) {
            throw new IllegalArgumentException(op + ": gateStride = " + gateStride + " is smaller than n = " + n
                    + ", so the four gate blocks of the row would overlap");
        }
        if (3L * gateStride + n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": gateStride = " + gateStride + " puts the row past any array");
        }
        Checks.vector(op, "gates", gates, gatesOffset, 3 * gateStride + n);
        Checks.vector(op, "cPrev", cPrev, cPrevOffset, n);
        Checks.vector(op, "c", c, cOffset, n);
        Checks.vector(op, "tanhC", tanhC, tanhCOffset, n);
        Checks.vector(op, "h", h, hOffset, n);
        for (int g = 0; g < 4; g++) {   // the outputs against the gate blocks, which are read and rewritten in place
            int block = gatesOffset + g * gateStride;
            Checks.disjoint(op, "c", c, cOffset, n, GATE_BLOCKS[g], gates, block, n);
            Checks.disjoint(op, "tanhC", tanhC, tanhCOffset, n, GATE_BLOCKS[g], gates, block, n);
            Checks.disjoint(op, "h", h, hOffset, n, GATE_BLOCKS[g], gates, block, n);
        }
        Checks.disjoint(op, "c", c, cOffset, n, "tanhC", tanhC, tanhCOffset, n);
        Checks.disjoint(op, "c", c, cOffset, n, "h", h, hOffset, n);
        Checks.disjoint(op, "tanhC", tanhC, tanhCOffset, n, "h", h, hOffset, n);
        Checks.disjoint(op, "tanhC", tanhC, tanhCOffset, n, "cPrev", cPrev, cPrevOffset, n);
        Checks.disjoint(op, "h", h, hOffset, n, "cPrev", cPrev, cPrevOffset, n);
        Checks.disjointOrSame(op, "cPrev", cPrev, cPrevOffset, "c", c, cOffset, n);
        support.lstmCell(gates, gatesOffset, gateStride, cPrev, cPrevOffset, c, cOffset, tanhC, tanhCOffset, h, hOffset, n);
    }

    /** d[i] = y[i] * (1 - y[i]): the sigmoid's derivative from its output y. */
    public void sigmoidDerivative(float[] y, int yOffset, float[] d, int dOffset, int n) {
        Checks.unary("sigmoidDerivative", "y", y, yOffset, "d", d, dOffset, n);
        support.sigmoidDerivative(y, yOffset, d, dOffset, n);
    }

    /** d[i] = 1 - y[i]^2: tanh's derivative from its output y. */
    public void tanhDerivative(float[] y, int yOffset, float[] d, int dOffset, int n) {
        Checks.unary("tanhDerivative", "y", y, yOffset, "d", d, dOffset, n);
        support.tanhDerivative(y, yOffset, d, dOffset, n);
    }
}
