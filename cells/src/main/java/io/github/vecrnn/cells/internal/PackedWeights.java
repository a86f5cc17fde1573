package io.github.vecrnn.cells.internal;

import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.kernel.Kernels;
import io.github.vecrnn.kernel.PackedMatrix;

/**
 * A layer direction's weights as its products read them: W^T [I, G*H] and R^T [H, G*H] packed in strips
 * of the GEMM tile's width ({@link PackedMatrix}), R^T in column blocks (one, or the reset-before GRU's
 * R_{r,z} and R_n apart), and R itself in the same row blocks for backward's dh_{t-1} = dPre R. Every step
 * reads them, so they are laid out once per call rather than at every step.
 *
 * <p>The packs are a cache keyed on the weights' exact bits: {@link #refresh} compares W and R with the
 * copies they were packed from and packs again only when a bit differs, so repeated inference skips the
 * packing and a training step, whose weights changed, redoes it. R for backward is packed when backward
 * first needs it after that. A frozen layer's weights never change (nobody else can write them): it packs
 * once and never compares, and packs nothing for backward.
 */
final class PackedWeights {
    final PackedMatrix input;
    final PackedMatrix[] recurrent;
    final int[] blockStarts;     // the gate row (column of R^T) where each block of R starts
    private final PackedMatrix[] recurrentRows;
    private final Kernels kernels;
    private final Parameters params;
    private final int wIh, wHh, inputSize, hidden, gateWidth;
    private final boolean frozen;
    private final float[] seen;  // [G*H*I + G*H*H] W then R as they were when last packed
    private boolean valid, rowsValid;

    /** recurrentSplit: R^T is packed as the column blocks [0, split) and [split, G*H) (split = G*H: one block). */
    PackedWeights(Kernels kernels, Parameters params, int wIh, int wHh, int inputSize, int hidden, int gateWidth,
                  int recurrentSplit, boolean frozen) {
        this.kernels = kernels;
        this.params = params;
        this.wIh = wIh;
        this.wHh = wHh;
        this.inputSize = inputSize;
        this.hidden = hidden;
        this.gateWidth = gateWidth;
        this.frozen = frozen;
        this.input = kernels.newPackedMatrix(inputSize, gateWidth);
        this.blockStarts = recurrentSplit == gateWidth ? new int[] {0} : new int[] {0, recurrentSplit};
        this.recurrent = new PackedMatrix[blockStarts.length];
        this.recurrentRows = new PackedMatrix[blockStarts.length];
        for (int i = 0; i < blockStarts.length; i++) {
            int end = i + 1 < blockStarts.length ? blockStarts[i + 1] : gateWidth;
            recurrent[i] = kernels.newPackedMatrix(hidden, end - blockStarts[i]);
            if (!frozen) recurrentRows[i] = kernels.newPackedMatrix(end - blockStarts[i], hidden);
        }
        this.seen = new float[frozen ? 0 : gateWidth * (inputSize + hidden)];
    }

    /** Brings the packed W^T and R^T up to date with W and R. */
    void refresh() {
        if (valid && frozen) return;
        float[] w = params.values();
        int wSize = gateWidth * inputSize, rSize = gateWidth * hidden;
        if (valid
            && java.util.Arrays.equals(w, wIh, wIh + wSize, seen, 0, wSize)
            && java.util.Arrays.equals(w, wHh, wHh + rSize, seen, wSize, wSize + rSize)) {
            return;
        }
        kernels.pack(true, w, wIh, inputSize, input);
        for (int i = 0; i < blockStarts.length; i++) {   // rows [start, ...) of R, transposed
            kernels.pack(true, w, wHh + blockStarts[i] * hidden, hidden, recurrent[i]);
        }
        if (!frozen) {                 // what the next call compares with (a frozen layer never compares)
            System.arraycopy(w, wIh, seen, 0, wSize);
            System.arraycopy(w, wHh, seen, wSize, rSize);
        }
        valid = true;
        rowsValid = false;
    }

    /** The block of R whose first gate row is gateRow, packed for backward (packed now if the weights changed). */
    PackedMatrix recurrentRowsFrom(int gateRow) {
        if (!rowsValid) {
            float[] w = params.values();
            for (int i = 0; i < blockStarts.length; i++) {
                kernels.pack(false, w, wHh + blockStarts[i] * hidden, hidden, recurrentRows[i]);
            }
            rowsValid = true;
        }
        int block = blockStarts.length - 1;
        while (blockStarts[block] > gateRow) block--;
        if (blockStarts[block] != gateRow) throw new IllegalStateException("no block of R starts at gate row " + gateRow);
        return recurrentRows[block];
    }
}
