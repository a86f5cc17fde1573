package io.github.vecrnn.cells;

/**
 * What {@link Rnn#forward} computed. The arrays are the layer's own workspace, reused by the next
 * call (that is what makes a step allocation-free): read or copy them before calling forward again.
 * They may be longer than the valid data, which is the first {@code steps * batch * features}
 * (output) or {@code slices * batch * hidden} (final states) elements.
 */
public final class RnnOutput {
    float[] output, finalHidden, finalCell;
    int steps, batch, features, slices, hidden;
    boolean batchFirst;

    RnnOutput() {
    }

    /** Outputs [T, B, F] (or [B, T, F] when batch-first), F = directions * H for concat, else H. Padding is 0. */
    /** What a forward call produced (Rnn fills the one instance it reuses). */
    void set(float[] output, float[] finalHidden, float[] finalCell, int steps, int batch, int features, int slices,
             int hidden, boolean batchFirst) {
        this.output = output;
        this.finalHidden = finalHidden;
        this.finalCell = finalCell;
        this.steps = steps;
        this.batch = batch;
        this.features = features;
        this.slices = slices;
        this.hidden = hidden;
        this.batchFirst = batchFirst;
    }

    public float[] output() {
        return output;
    }

    /** h_n, [layers * directions, B, H]: the last valid step forward; for reverse, the state after x_0. */
    public float[] finalHidden() {
        return finalHidden;
    }

    /** c_n for the LSTM (layout of h_n), null for other cells. */
    public float[] finalCell() {
        return finalCell;
    }

    public int steps() {
        return steps;
    }

    public int batch() {
        return batch;
    }

    public int features() {
        return features;
    }

    public int stateSlices() {
        return slices;
    }

    public int hiddenSize() {
        return hidden;
    }

    /** Number of valid elements of {@link #output()}. */
    public int outputLength() {
        return steps * batch * features;
    }

    /** Index of output element (t, b, f) in {@link #output()}, whichever layout. */
    public int index(int t, int b, int f) {
        if (t < 0 || t >= steps || b < 0 || b >= batch || f < 0 || f >= features) {
            throw new IllegalArgumentException("index (t=" + t + ", b=" + b + ", f=" + f + ") is outside the output's shape [T="
                    + steps + ", B=" + batch + ", F=" + features + "]");
        }
        return (batchFirst ? b * steps + t : t * batch + b) * features + f;
    }

    /** A copy of the valid outputs (allocates; for tests and notebooks, not for training loops). */
    public float[] outputCopy() {
        return java.util.Arrays.copyOf(output, outputLength());
    }

    /** A copy of the valid h_n. */
    public float[] finalHiddenCopy() {
        return java.util.Arrays.copyOf(finalHidden, slices * batch * hidden);
    }

    /** A copy of the valid c_n, or null. */
    public float[] finalCellCopy() {
        return finalCell == null ? null : java.util.Arrays.copyOf(finalCell, slices * batch * hidden);
    }
}
