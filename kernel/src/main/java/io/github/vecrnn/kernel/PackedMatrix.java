package io.github.vecrnn.kernel;

/**
 * A k x n matrix stored for repeated use as the right operand of an sgemm
 * ({@link Kernels#sgemm(int, float, float[], int, int, PackedMatrix, float, float[], int, int)}): in
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

    /** Offset in {@link #data} of the strip that starts at column j (a multiple of the panel width). */
    int stripOffset(int j) {
        return j / panelWidth * panelWidth * rows;
    }

    @Override
    public String toString() {
        return "PackedMatrix[" + rows + " x " + cols + ", strips of " + panelWidth + "]";
    }
}
