package io.github.vecrnn.cells.internal;

/**
 * A layer direction's gate rows: pre, [T*B, G*H], where each step's input projection becomes its
 * pre-activations and then its gates, kept for backward; dPre, their gradients; and which rows step t
 * uses.
 *
 * <p>A call that keeps what backward reads (training) uses rows t*B.. of every buffer. Inference mode
 * keeps nothing: each step reuses the first rows of the buffers that only backward reads (keptRow), and of
 * pre too when the input is projected step by step (preRow): they stay in cache, where a new block of
 * rows at each step was written out to memory. A frozen layer only runs in inference mode, so it
 * allocates those rows only (and no dPre): one step's B rows, or, below {@link #PER_STEP_PROJECTION_MIN_BATCH}
 * rows where the projection of every step is computed before the loop, T steps' worth of them.
 */
final class GateRows {
    /**
     * From this batch on, each step's input projection is computed just before the step; below it, a
     * per-step projection would be a matrix-vector product that streams W^T at every step.
     */
    static final int PER_STEP_PROJECTION_MIN_BATCH = 4;

    final int width;            // G*H
    final int keptRows;         // rows of the buffers a step keeps for backward: T*B, or B in a frozen layer
    final float[] pre, dPre;
    private boolean keep, perStep;
    private int batch;

    GateRows(int width, int maxSteps, int maxBatch, boolean frozen, boolean layerNorm) {
        this.width = width;
        int maxRows = maxSteps * maxBatch;
        this.keptRows = frozen ? maxBatch : maxRows;
        int preRows = frozen && !layerNorm
                      ? Math.max(maxBatch, Math.min(maxBatch, PER_STEP_PROJECTION_MIN_BATCH - 1) * maxSteps) : maxRows;
        this.pre = new float[preRows * width];
        this.dPre = new float[frozen ? 0 : maxRows * width];
    }

    /**
     * A call of batch rows: keep says whether it keeps what backward reads; the input is projected per
     * step from {@link #PER_STEP_PROJECTION_MIN_BATCH} rows without layer norm (whose statistics cover a
     * whole row of G*H).
     */
    void begin(int batch, boolean keep, boolean layerNorm) {
        this.batch = batch;
        this.keep = keep;
        this.perStep = !layerNorm && batch >= PER_STEP_PROJECTION_MIN_BATCH;
    }

    /** Whether this call projects the input step by step, just before each step. */
    boolean perStep() {
        return perStep;
    }

    /** Whether this call keeps what backward reads. */
    boolean keep() {
        return keep;
    }

    /** The first of step t's rows in pre: t * B, or 0 in inference mode when the input is projected per step. */
    int preRow(int t) {
        return keep || !perStep ? t * batch : 0;
    }

    /** The first of step t's rows in the buffers a step writes only for backward: t * B, or 0 in inference mode. */
    int keptRow(int t) {
        return keep ? t * batch : 0;
    }
}
