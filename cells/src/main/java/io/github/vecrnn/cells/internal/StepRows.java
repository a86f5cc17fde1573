package io.github.vecrnn.cells.internal;

/**
 * Where one step's rows are for the part of a call that computes them: the gate rows (G*H wide, step t's
 * input projection in, its gates out) and, for a cell that keeps a second buffer per step, that buffer's
 * rows. A call on one thread (or split by batch rows) points them at the layer's own buffers; a part of a
 * call split by hidden units at rows of its own, which it copies back once its step is done.
 */
final class StepRows {
    float[] gates, kept;
    int gates0, kept0;

    StepRows at(float[] gates, int gates0, float[] kept, int kept0) {
        this.gates = gates;
        this.gates0 = gates0;
        this.kept = kept;
        this.kept0 = kept0;
        return this;
    }
}
