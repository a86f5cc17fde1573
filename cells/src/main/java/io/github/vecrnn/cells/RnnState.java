package io.github.vecrnn.cells;

/**
 * Hidden (and for the LSTM, cell) states of every layer and direction, PyTorch's h_0 / c_0 layout
 * [layers * directions, batch, hidden] with index layer * directions + direction.
 *
 * <p>For stateful use across batches, pass a state to {@link Rnn#forward} and call
 * {@link #carryFrom(RnnOutput)} afterwards: row i of the next batch continues row i of this one.
 * Gradients never flow across that boundary (it is truncated BPTT with the batch as the window).
 *
 * <p>A state serves any batch up to its own: a call with batch B reads rows 0 .. B-1 of each slice, and
 * {@link #carryFrom} writes them (e.g. one state made with {@code newState(maxBatch)} for every batch size).
 */
public final class RnnState {
    private final int slices, batch, hidden;
    private final float[] hiddenState;
    private final float[] cellState; // null for cells without a cell state

    public RnnState(int slices, int batch, int hidden, boolean withCell) {
        if (slices <= 0 || batch <= 0 || hidden <= 0) {
            throw new IllegalArgumentException("state shape must be positive, got [" + slices + ", " + batch + ", " + hidden + "]");
        }
        this.slices = slices;
        this.batch = batch;
        this.hidden = hidden;
        this.hiddenState = new float[Shapes.elements("state [slices, batch, hidden]", slices, batch, hidden)];
        this.cellState = withCell ? new float[hiddenState.length] : null;
    }

    /** h, [layers * directions, batch, hidden]. Writable. */
    public float[] hidden() {
        return hiddenState;
    }

    /** c for the LSTM (same layout as h), null otherwise. Writable. */
    public float[] cell() {
        return cellState;
    }

    public int batch() {
        return batch;
    }

    public int slices() {
        return slices;
    }

    public int hiddenSize() {
        return hidden;
    }

    public String shapeString() {
        return "[" + slices + ", " + batch + ", " + hidden + "]";
    }

    /** Sets h (and c) to zero: the start of new, unrelated sequences. */
    public void reset() {
        java.util.Arrays.fill(hiddenState, 0f);
        if (cellState != null) java.util.Arrays.fill(cellState, 0f);
    }

    /** Copies another state of the same shape into this one. */
    public void copyFrom(RnnState other) {
        if (other.batch != batch || other.slices != slices || other.hidden != hidden || (other.cellState == null) != (cellState == null)) {
            throw new IllegalArgumentException("cannot copy a state of shape " + other.shapeString() + " into " + shapeString());
        }
        System.arraycopy(other.hiddenState, 0, hiddenState, 0, hiddenState.length);
        if (cellState != null) System.arraycopy(other.cellState, 0, cellState, 0, cellState.length);
    }

    /**
     * Copies the final states of a forward call into this state's first rows of each slice (the next batch
     * continues from them); the state's other rows keep their values.
     */
    public void carryFrom(RnnOutput output) {
        if (output.batch() > batch || output.stateSlices() != slices || output.hiddenSize() != hidden) {
            throw new IllegalArgumentException("cannot carry final states of shape [" + output.stateSlices() + ", "
                    + output.batch() + ", " + output.hiddenSize() + "] into a state of shape " + shapeString());
        }
        int rows = output.batch() * hidden;
        for (int slice = 0; slice < slices; slice++) {
            System.arraycopy(output.finalHidden(), slice * rows, hiddenState, slice * batch * hidden, rows);
            if (cellState != null) System.arraycopy(output.finalCell(), slice * rows, cellState, slice * batch * hidden, rows);
        }
    }
}
