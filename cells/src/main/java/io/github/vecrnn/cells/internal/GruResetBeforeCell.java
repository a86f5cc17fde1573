package io.github.vecrnn.cells.internal;

import io.github.vecrnn.kernel.Kernels;

/**
 * The GRU cell with the reset gate applied before the recurrent product (Cho et al. 2014; ONNX's default,
 * linear_before_reset = 0). Gate rows: reset r, update z, new n.
 * <pre>
 *   r_t = sigmoid(W_r x_t + b_Wr + R_r h_{t-1} + b_Rr)
 *   z_t = sigmoid(W_z x_t + b_Wz + R_z h_{t-1} + b_Rz)
 *   n_t = tanh(W_n x_t + b_Wn + R_n (r_t * h_{t-1}) + b_Rn)
 *   h_t = (1 - z_t) * n_t + z_t * h_{t-1}
 * </pre>
 * R^T is packed in two blocks, R_{r,z} and R_n, because R_n multiplies r_t * h_{t-1}, which needs r_t
 * first: a step is two products, and all of its units at once (it does not split). Each step keeps
 * r_t * h_{t-1}, [B, H], for backward. No layer norm.
 */
final class GruResetBeforeCell implements Cell {
    private final RecurrentLayer layer;   // the direction this cell computes: its layer.rows, states, products
    private final int hidden, gateWidth, bIh, bHh, wHh;
    private final float[] resetState;   // [T*B, H] r_t * h_{t-1} of every step, kept for backward
    private final float[] dResetState;  // [B, H] dL/d(r_t * h_{t-1}) of the step being processed

    GruResetBeforeCell(RecurrentLayer layer) {
        this.layer = layer;
        this.hidden = layer.hidden;
        this.gateWidth = 3 * hidden;
        this.bIh = layer.bIh;
        this.bHh = layer.bHh;
        this.wHh = layer.params.tensor("weight_hh_" + layer.suffix).offset();
        this.resetState = new float[layer.rows.keptRows * hidden];
        this.dResetState = new float[layer.frozen ? 0 : layer.maxBatch * hidden];
    }

    @Override
    public void projectionBias(float[] bias) {
        float[] w = layer.params.values();
        for (int j = 0; j < gateWidth; j++) bias[j] = w[bIh + j] + w[bHh + j];   // every bias simply adds
    }

    @Override
    public boolean takesWholeRecurrentProduct() {
        return false;
    }

    @Override
    public boolean splitsSteps() {
        return false;
    }

    @Override
    public float[] kept() {
        return resetState;
    }

    @Override
    public int keptWidth() {
        return hidden;
    }


    // gates [B, 3H] (W x_t + b), h_{t-1} [B, H] -> r, z, n [B, 3H], r_t * h_{t-1} [B, H] (kept), h_t [B, H]
    @Override
    public void forward(int t, int b0, int b1, int h0, int h1, Kernels k, boolean fused, StepRows step) {
        float[] gate = step.gates, states = layer.h.values;
        int row = step.gates0, resetRow = step.kept0, batch = layer.shape.batch;
        int previous = layer.slots.offset(layer.slots.previous(t)), current = layer.slots.offset(layer.slots.current(t));
        // + R_{r,z} h_{t-1} into the r and z columns: [B, H] x [2H, H]^T
        layer.projection.recurrent(layer.kernels, states, previous, batch, 0, 2 * hidden, gate, row, gateWidth);
        for (int b = 0; b < batch; b++) {
            int resetGate = row + b * gateWidth;
            layer.kernels.sigmoid(gate, resetGate, gate, resetGate, 2 * hidden);                              // r_t, z_t
            layer.kernels.hadamard(gate, resetGate, states, previous + b * hidden, resetState, resetRow + b * hidden, hidden); // r_t * h_{t-1}
        }
        // + R_n (r_t * h_{t-1}) into the n columns: [B, H] x [H, H]^T
        layer.projection.recurrent(layer.kernels, resetState, resetRow, batch, 2 * hidden, hidden, gate, row + 2 * hidden, gateWidth);
        for (int b = 0; b < batch; b++) {
            int updateGate = row + b * gateWidth + hidden, newGate = updateGate + hidden;
            layer.kernels.tanh(gate, newGate, gate, newGate, hidden);                                           // n_t
            GruCell.blend(gate, updateGate, newGate, states, previous + b * hidden, current + b * hidden, hidden);
        }
    }

    // dh_t [B, H], r, z, n [B, 3H], r_t * h_{t-1} [B, H] -> dPre_t [B, 3H], dh_{t-1} [B, H]
    @Override
    public void backward(int t) {
        float[] pre = layer.rows.pre, dPre = layer.rows.dPre, states = layer.h.values;
        int batch = layer.shape.batch, rowT = t * batch * gateWidth, previous = layer.slots.offset(layer.slots.previous(t));
        for (int b = 0; b < batch; b++) {
            if (layer.shape.isPadding(t, b)) continue;
            GruCell.updateGradients(pre, dPre, rowT + b * gateWidth, layer.h.grad, layer.h.gradPrevious, b * hidden, states,
                                    previous + b * hidden, hidden);
        }
        // d(r_t * h_{t-1}) = dPre_n R_n : [B, H] x [H, H]
        layer.projection.recurrentBackward(dPre, rowT + 2 * hidden, gateWidth, 2 * hidden, 0f, dResetState);
        for (int b = 0; b < batch; b++) {
            if (layer.shape.isPadding(t, b)) continue;
            int resetGate = rowT + b * gateWidth, hp = previous + b * hidden, bh = b * hidden;
            for (int j = 0; j < hidden; j++) {
                float r = pre[resetGate + j], dReset = dResetState[bh + j];
                dPre[resetGate + j] = dReset * states[hp + j] * r * (1f - r);    // dr_t = d(r h) h_{t-1}
                layer.h.gradPrevious[bh + j] += dReset * r;                             // dh_{t-1} += d(r h) r_t
            }
        }
        // dh_{t-1} += dPre_{r,z} R_{r,z} : [B, 2H] x [2H, H]
        layer.projection.recurrentBackward(dPre, rowT, gateWidth, 0, 1f, layer.h.gradPrevious);
    }

    /** dR_{r,z} += dPre_{r,z}^T h_{t-1}, dR_n += dPre_n^T (r_t * h_{t-1}), db_R += the column sums of dPre. */
    @Override
    public void recurrentGradients() {
        int count = layer.shape.rows();
        layer.projection.addWeightGradient(2 * hidden, hidden, count, layer.rows.dPre, 0, gateWidth, layer.h.values, layer.slots.fedStates(), wHh);
        layer.projection.addWeightGradient(hidden, hidden, count, layer.rows.dPre, 2 * hidden, gateWidth, resetState, 0,
                                     wHh + 2 * hidden * hidden);
        layer.projection.addBiasGradient(layer.rows.dPre, 0, gateWidth, bHh);
    }
}
