package io.github.vecrnn.cells.internal;

import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.kernel.Kernels;

/**
 * One direction of one recurrent layer: a {@link Cell} (LSTM, GRU or Elman) and what every cell shares,
 * each in a class of its own: where the states of the steps live ({@link StateSlots}, {@link CarriedState}),
 * the gate rows ({@link GateRows}), the packed weights ({@link PackedWeights}), the products with them
 * ({@link GateProjection}, with {@link LayerNorm}), the loops over time ({@link Recurrence}) and the use of
 * threads ({@link SplitPlan}).
 *
 * <p>Data layout (time-major, row r = t * B + b): x is [T*B, I]; pre holds [T*B, G*H] pre-activations, then
 * the gates; h_t is [B, H] per step. Every buffer is allocated here, for maxSteps and maxBatch; forward and
 * backward allocate nothing. A frozen layer (a FrozenRnn's) only runs inference: it allocates only what that
 * reads (see {@link GateRows} and {@link StateSlots}).
 */
public final class RecurrentLayer {
    final Kernels kernels;
    final Parameters params;
    final String suffix;
    final int inputSize, hidden, gateWidth, maxSteps, maxBatch, bIh, bHh;
    final boolean layerNorm, frozen;
    final CallShape shape = new CallShape();
    final StateSlots slots;
    final CarriedState h;
    final GateRows rows;
    final PackedWeights weights;
    final GateProjection projection;
    private final Cell cell;
    private final Recurrence recurrence;
    private final SplitPlan plan;

    /** The cell and its options, as the stack's builder has them. */
    public record Options(CellKind kind, boolean peepholes, boolean inputForget, boolean linearBeforeReset, boolean layerNorm) {}

    /**
     * A layer direction of the given cell over params' tensors "weight_ih_" + suffix etc.; ones is a
     * [maxSteps * maxBatch] array of 1f the stack shares (bias gradients are column sums, computed as GEMVs).
     */
    public RecurrentLayer(Kernels kernels, Parameters params, String suffix, Options options, int inputSize, int hidden,
                          boolean reverse, int maxSteps, int maxBatch, float[] ones, boolean frozen) {
        this.kernels = kernels;
        this.params = params;
        this.suffix = suffix;
        this.inputSize = inputSize;
        this.hidden = hidden;
        this.gateWidth = options.kind().gates() * hidden;
        this.maxSteps = maxSteps;
        this.maxBatch = maxBatch;
        this.bIh = params.tensor("bias_ih_" + suffix).offset();
        this.bHh = params.tensor("bias_hh_" + suffix).offset();
        this.layerNorm = options.layerNorm();
        this.frozen = frozen;
        this.slots = new StateSlots(reverse, frozen, maxSteps, hidden);
        this.h = new CarriedState(slots, maxBatch, hidden);
        this.rows = new GateRows(gateWidth, maxSteps, maxBatch, frozen, layerNorm);
        // the reset-before GRU multiplies R_{r,z} and R_n apart: R^T in two blocks
        boolean resetBefore = options.kind() == CellKind.GRU && !options.linearBeforeReset();
        this.weights = new PackedWeights(kernels, params, params.tensor("weight_ih_" + suffix).offset(),
                                         params.tensor("weight_hh_" + suffix).offset(), inputSize, hidden, gateWidth,
                                         resetBefore ? 2 * hidden : gateWidth, frozen);
        this.projection = new GateProjection(kernels, params, suffix, weights, shape, rows, slots, h, inputSize, hidden,
                                             options.kind().gates(), layerNorm, maxSteps, maxBatch, ones, frozen);
        this.cell = switch (options.kind()) {
            case LSTM -> new LstmCell(this, options.peepholes(), options.inputForget());
            case GRU -> resetBefore ? new GruResetBeforeCell(this) : new GruCell(this);
            case RNN_TANH -> new ElmanCell(this, false);
            case RNN_RELU -> new ElmanCell(this, true);
        };
        this.recurrence = new Recurrence(this, cell);
        this.plan = new SplitPlan(this, cell, recurrence);
    }

    // x [T*B, I], h_0 (c_0) [B, H] -> h_t of every step (out [T*B, outStride] at outColumn, 0 for padding)
    /**
     * Runs the direction over x (rows from xOffset) from h0 (and c0; null means zeros), writing h_t to out.
     * With keep false (inference mode) nothing backward reads is kept, and backward must not follow.
     */
    public void forward(float[] x, int xOffset, int steps, int batch, int[] lengths, float[] h0, int h0Offset,
                        float[] c0, int c0Offset, float[] out, int outColumn, int outStride, boolean keep) {
        shape.set(steps, batch, lengths);
        slots.begin(steps, batch);
        rows.begin(batch, keep, layerNorm);
        cell.projectionBias(projection.bias);
        weights.refresh();
        h.start(h0, h0Offset, batch);
        if (cell.carried() != null) cell.carried().start(c0, c0Offset, batch);
        plan.forward(x, xOffset, out, outColumn, outStride);
    }

    /** The final hidden state, [B, H], to (to, offset). */
    public void copyFinalHidden(float[] to, int offset) {
        h.copyLast(to, offset, shape.batch);
    }

    /** The final cell state (LSTM), [B, H], to (to, offset). */
    public void copyFinalCell(float[] to, int offset) {
        cell.carried().copyLast(to, offset, shape.batch);
    }

    // dL/dh_t (dOut at dOutColumn of rows t*B+b, or null), dh_T, dc_T -> parameter gradients, dx, dh_0, dc_0
    /**
     * Backpropagates through the last forward call: dOut holds dL/dh_t at column dOutColumn of rows t*B+b
     * (null: none); dhN / dcN the gradients of the final states (null: zero). Adds the parameter gradients,
     * writes (or with accumulate adds) dL/dx into dx [T*B, I] when dx is not null, and writes dh0 / dc0.
     */
    public void backward(float[] dOut, int dOutColumn, int dOutStride, float[] dhN, int dhNOffset,
                         float[] dcN, int dcNOffset, float[] x, int xOffset, float[] dx, int dxOffset,
                         boolean accumulate, float[] dh0, int dh0Offset, float[] dc0, int dc0Offset) {
        CarriedState c = cell.carried();
        h.startBackward(dhN, dhNOffset, shape.batch);
        if (c != null) c.startBackward(dcN, dcNOffset, shape.batch);
        recurrence.backward(dOut, dOutColumn, dOutStride);
        h.finishBackward(dh0, dh0Offset, shape.batch);
        if (c != null) c.finishBackward(dc0, dc0Offset, shape.batch);
        projection.addBiasGradient(rows.dPre, 0, gateWidth, bIh);   // db_W = the column sums of dPre
        cell.recurrentGradients();                                  // dR, db_R
        projection.inputBackward(x, xOffset, dx, dxOffset, accumulate);   // dW, dx
    }
}
