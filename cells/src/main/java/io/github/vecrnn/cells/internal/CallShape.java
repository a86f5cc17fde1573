package io.github.vecrnn.cells.internal;

/** The shape of the call a layer direction is running: T steps, B rows, each row's length (null: all T). */
final class CallShape {
    int steps, batch;
    int[] lengths;

    void set(int steps, int batch, int[] lengths) {
        this.steps = steps;
        this.batch = batch;
        this.lengths = lengths;
    }

    /** Whether row b is past its length at step t: it keeps its state, outputs 0 and gets no gradient. */
    boolean isPadding(int t, int b) {
        return lengths != null && t >= lengths[b];
    }

    int rows() {
        return steps * batch;
    }
}
