package io.github.vecrnn.kernel;

/**
 * A k x n matrix stored for repeated use as the right operand of an sgemm
 * ({@link Kernels#sgemmPacked}): in
 * strips of {@code panelWidth} columns, each strip its k rows of {@code panelWidth} contiguous floats,
 * the last strip zero-padded. The GEMM's register tile then reads its strip as one contiguous
 * stream; in a row-major matrix whose row length is a multiple of 4 KB, every row of a strip falls
 * in the same few L1 cache sets. Meant for operands that many calls share, such as an RNN's weights
 * across the steps of a sequence (packing costs about as much as one transpose).
 *
 * <p>Made by {@link Kernels#newPackedMatrix}, filled by {@link Kernels#pack}; the layout belongs to the
 * implementation that made it, and a {@link Kernels} of another vector width refuses it.
 */
public final class PackedMatrix {
    final int rows, cols, panelWidth;
    final float[] data;

    PackedMatrix(int rows, int cols, int panelWidth) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("PackedMatrix: shape must be non-negative, got " + rows + " x " + cols);
        }
        long strips = (cols + (long) panelWidth - 1) / panelWidth;
        long size = strips * panelWidth * rows;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("PackedMatrix: " + rows + " x " + cols + " is too large for one array");
        }
        this.rows = rows;
        this.cols = cols;
        this.panelWidth = panelWidth;
        this.data = new float[(int) size];
    }

    /** k: the rows of the matrix (the inner dimension of the product). */
    public int rows() {
        return rows;
    }

    /** n: the columns of the matrix (the columns of the product). */
    public int cols() {
        return cols;
    }

    /** The width of a strip: column ranges of a product start at a multiple of it. */
    public int panelWidth() {
        return panelWidth;
    }

    /** Offset in {@link #data} of the strip that starts at column j (a multiple of the panel width). */
    int stripOffset(int j) {
        return j / panelWidth * panelWidth * rows;
    }

    /**
     * Writes one strip: dst[dst0 + p * panelWidth + j] = op(B)[p][j] for the k rows and the width real
     * columns, 0 for width &lt;= j &lt; panelWidth. op(B)[p][j] is b[b0 + p * ldb + j], or with trans
     * b[b0 + j * ldb + p]. Also how the vector sgemm packs a strip of a transposed or narrow B per call.
     */
    static void packStrip(boolean trans, float[] b, int b0, int ldb, int k, int width, int panelWidth, float[] dst, int dst0) {
        if (trans) {     // column j of op(B) is row j of B: read it contiguously, write with stride panelWidth
            for (int j = 0; j < width; j++) {
                int bj = b0 + j * ldb;
                for (int p = 0; p < k; p++) dst[dst0 + p * panelWidth + j] = b[bj + p];
            }
        } else {
            for (int p = 0; p < k; p++) System.arraycopy(b, b0 + p * ldb, dst, dst0 + p * panelWidth, width);
        }
        if (width < panelWidth) {
            for (int p = 0; p < k; p++) {
                java.util.Arrays.fill(dst, dst0 + p * panelWidth + width, dst0 + (p + 1) * panelWidth, 0f);
            }
        }
    }

    @Override
    public String toString() {
        return "PackedMatrix[" + rows + " x " + cols + ", strips of " + panelWidth + "]";
    }
}
