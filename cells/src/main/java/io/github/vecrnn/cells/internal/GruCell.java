package io.github.vecrnn.cells.internal;

import io.github.vecrnn.kernel.Kernels;

/**
 * The GRU cell with the reset gate applied after the recurrent product (PyTorch, cuDNN and Keras's
 * reset_after; ONNX's linear_before_reset = 1). Gate rows in PyTorch order: reset r, update z, new n.
 * <pre>
 *   r_t = sigmoid(W_r x_t + b_Wr + R_r h_{t-1} + b_Rr)
 *   z_t = sigmoid(W_z x_t + b_Wz + R_z h_{t-1} + b_Rz)
 *   n_t = tanh(W_n x_t + b_Wn + r_t * (R_n h_{t-1} + b_Rn))
 *   h_t = (1 - z_t) * n_t + z_t * h_{t-1}
 * </pre>
 * z weights the old state, as in PyTorch, ONNX and Keras (the course writes the same family with z and
 * 1 - z swapped). Each step keeps R h_{t-1} + b_R, [B, 3H], for backward. With layer norm, r, z and n see
 * gamma_x * LN(W x_t) + b_W and gamma_h * LN(R h_{t-1}) + b_R (see {@link GateProjection}).
 * {@link GruResetBeforeCell} is the other form, which shares {@link #blend} and {@link #updateGradients}.
 */
final class GruCell implements Cell {
    private final RecurrentLayer layer;   // the direction this cell computes: its layer.rows, states, products
    private final int hidden, gateWidth, bIh, bHh;
    private final boolean layerNorm;
    private final float[] recurrent;   // [T*B, 3H] R h_{t-1} + b_R of every step, kept for backward
    private final float[] dRecurrent;  // [T*B, 3H] dL/d(R h_{t-1} + b_R)

    GruCell(RecurrentLayer layer) {
        this.layer = layer;
        this.hidden = layer.hidden;
        this.gateWidth = 3 * hidden;
        this.bIh = layer.bIh;
        this.bHh = layer.bHh;
        this.layerNorm = layer.layerNorm;
        this.recurrent = new float[layer.rows.keptRows * gateWidth];
        this.dRecurrent = new float[layer.frozen ? 0 : layer.maxSteps * layer.maxBatch * gateWidth];
    }

    /** b_W alone: b_R lives in the step's R h + b_R, because b_Rn sits inside r_t * (...). */
    @Override
    public void projectionBias(float[] bias) {
        System.arraycopy(layer.params.values(), bIh, bias, 0, gateWidth);
    }

    @Override
    public boolean takesWholeRecurrentProduct() {
        return false;           // r_t multiplies R_n h_{t-1} + b_Rn apart from W_n x_t
    }

    @Override
    public boolean splitsSteps() {
        return !layerNorm;
    }

    @Override
    public float[] kept() {
        return recurrent;
    }

    @Override
    public int keptWidth() {
        return gateWidth;
    }


    // gates [B, 3H] (W x_t + b_W), h_{t-1} [B, H] -> r, z, n [B, 3H], R h_{t-1} + b_R [B, 3H] (kept), h_t [B, H]
    @Override
    public void forward(int t, int b0, int b1, int h0, int h1, Kernels k, boolean fused, StepRows step) {
        final int n = h1 - h0;
        float[] w = layer.params.values(), gate = step.gates, rec = step.kept;
        int row = step.gates0, recRow = step.kept0;
        int previous = layer.slots.offset(layer.slots.previous(t)) + h0, current = layer.slots.offset(layer.slots.current(t)) + h0;
        // R h_{t-1} + b_R for all three gates ([B, H] x [3H, H]^T), or for a range of units each gate's columns
        for (int b = b0; b < b1; b++) {
            for (int g = 0; g < 3; g++) System.arraycopy(w, bHh + g * hidden + h0, rec, recRow + b * gateWidth + g * hidden + h0, n);
        }
        if (n == hidden) layer.projection.recurrentInput(k, t, b0, b1, rec, recRow, gateWidth);
        else layer.projection.recurrentUnits(k, t, b0, b1, h0, n, rec, recRow);
        for (int b = b0; b < b1; b++) {
            int resetGate = row + b * gateWidth + h0, updateGate = resetGate + hidden, newGate = resetGate + 2 * hidden;
            int recReset = recRow + b * gateWidth + h0, recUpdate = recReset + hidden, recNew = recReset + 2 * hidden;
            layer.kernels.add(gate, resetGate, rec, recReset, gate, resetGate, n);
            layer.kernels.add(gate, updateGate, rec, recUpdate, gate, updateGate, n);
            layer.kernels.sigmoid(gate, resetGate, gate, resetGate, n);                     // r_t
            layer.kernels.sigmoid(gate, updateGate, gate, updateGate, n);                   // z_t
            for (int j = 0; j < n; j++) {
                gate[newGate + j] += gate[resetGate + j] * rec[recNew + j];           // + r_t (R_n h + b_Rn)
            }
            layer.kernels.tanh(gate, newGate, gate, newGate, n);                            // n_t
            blend(gate, updateGate, newGate, layer.h.values, previous + b * hidden, current + b * hidden, n);
        }
    }

    /**
     * h_t = (1 - z_t) n_t + z_t h_{t-1}, written as n_t + z_t (h_{t-1} - n_t), for the given count of units:
     * z_t and n_t from gate, h_{t-1} and h_t in states.
     */
    static void blend(float[] gate, int updateGate, int newGate, float[] states, int previous, int current, int units) {
        for (int j = 0; j < units; j++) {
            float z = gate[updateGate + j], n = gate[newGate + j];
            states[current + j] = n + z * (states[previous + j] - n);
        }
    }

    /**
     * Back through h_t = n_t + z_t (h_{t-1} - n_t) for one row: dPre of z and n (dL/d their pre-activations)
     * and the direct path dh_{t-1} = dh_t z_t, the row's gates at gatesRow (r, z, n) of pre and dPre.
     */
    static void updateGradients(float[] pre, float[] dPre, int gatesRow, float[] dh, float[] dhPrevious, int bh,
                                float[] states, int previous, int hidden) {
        int updateGate = gatesRow + hidden, newGate = gatesRow + 2 * hidden;
        for (int j = 0; j < hidden; j++) {
            float z = pre[updateGate + j], n = pre[newGate + j], dhj = dh[bh + j];
            dPre[newGate + j] = dhj * (1f - z) * (1f - n * n);                       // dn_t = dh_t (1 - z_t)
            dPre[updateGate + j] = dhj * (states[previous + j] - n) * z * (1f - z);  // dz_t = dh_t (h_{t-1} - n_t)
            dhPrevious[bh + j] = dhj * z;                                            // the direct path z_t h_{t-1}
        }
    }

    // dh_t [B, H], r, z, n [B, 3H], R h_{t-1} + b_R [B, 3H] -> dPre_t [B, 3H], dL/d(R h + b_R) [B, 3H], dh_{t-1} [B, H]
    @Override
    public void backward(int t) {
        float[] pre = layer.rows.pre, dPre = layer.rows.dPre;
        int batch = layer.shape.batch, rowT = t * batch * gateWidth, previous = layer.slots.offset(layer.slots.previous(t));
        for (int b = 0; b < batch; b++) {
            int resetGate = rowT + b * gateWidth, updateGate = resetGate + hidden, newGate = resetGate + 2 * hidden;
            if (layer.shape.isPadding(t, b)) {
                java.util.Arrays.fill(dRecurrent, resetGate, resetGate + gateWidth, 0f);
                continue;
            }
            updateGradients(pre, dPre, resetGate, layer.h.grad, layer.h.gradPrevious, b * hidden, layer.h.values, previous + b * hidden, hidden);
            for (int j = 0; j < hidden; j++) {
                float r = pre[resetGate + j], dNewPre = dPre[newGate + j];
                float dResetPre = dNewPre * recurrent[newGate + j] * r * (1f - r);   // dr_t = dn_t (R_n h + b_Rn)
                dPre[resetGate + j] = dResetPre;
                dRecurrent[resetGate + j] = dResetPre;
                dRecurrent[updateGate + j] = dPre[updateGate + j];
                dRecurrent[newGate + j] = dNewPre * r;                               // d(R_n h + b_Rn) = dn_t r_t
            }
        }
        // dh_{t-1} += dRecurrent_t R : [B, 3H] x [3H, H] (through the normalization with layer norm)
        layer.projection.recurrentInputBackward(t, dRecurrent, rowT, 1f, layer.h.gradPrevious);
    }

    @Override
    public void recurrentGradients() {
        layer.projection.recurrentGradients(dRecurrent, bHh);
    }
}
