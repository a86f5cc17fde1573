package io.github.vecrnn.cells;

import io.github.vecrnn.kernel.Kernels;

/**
 * One direction of a GRU layer. Gate rows in PyTorch order: reset r, update z, new n.
 * <pre>
 *   r_t = sigmoid(W_r x_t + b_Wr + R_r h_{t-1} + b_Rr)
 *   z_t = sigmoid(W_z x_t + b_Wz + R_z h_{t-1} + b_Rz)
 *   reset after  (linearBeforeReset = true, PyTorch/cuDNN/Keras):
 *       n_t = tanh(W_n x_t + b_Wn + r_t * (R_n h_{t-1} + b_Rn))
 *   reset before (linearBeforeReset = false, Cho et al. 2014, the ONNX default):
 *       n_t = tanh(W_n x_t + b_Wn + R_n (r_t * h_{t-1}) + b_Rn)
 *   h_t = (1 - z_t) * n_t + z_t * h_{t-1}
 * </pre>
 * z weights the OLD state, as in PyTorch, ONNX and Keras (the course writes the same family with z and
 * 1 - z swapped).
 *
 * <p>With layer norm (reset after only): r, z and n see gamma_x * LN(W x_t) + b_W and
 * gamma_h * LN(R h_{t-1}) + b_R in place of W x_t + b_W and R h_{t-1} + b_R (see {@link CellLayer}).
 */
final class GruLayer extends CellLayer {
    private final boolean linearBeforeReset;
    /** Reset after: R h_{t-1} + b_R per step [T*B, 3H]. Reset before: r_t * h_{t-1} per step [T*B, H]. */
    private final float[] recurrent;
    private final float[] dRecurrent; // reset after: dL/d(R h + b_R) [T*B, 3H]; before: scratch [B, H]

    GruLayer(Kernels kernels, Parameters params, String suffix, int inputSize, int hidden, boolean reverse,
             boolean linearBeforeReset, boolean layerNorm, int maxSteps, int maxBatch, float[] ones, boolean frozen) {
        super(kernels, params, suffix, inputSize, hidden, 3, linearBeforeReset ? 3 * hidden : 2 * hidden, reverse, layerNorm,
              maxSteps, maxBatch, ones, frozen);
        this.linearBeforeReset = linearBeforeReset;
        this.recurrent = new float[keptRows * (linearBeforeReset ? 3 * hidden : hidden)];
        this.dRecurrent = new float[frozen ? 0 : linearBeforeReset ? maxRows * 3 * hidden : maxBatch * hidden];
    }

    @Override
    void prepareProjectionBias() {
        // Reset after: the recurrent biases b_R live in the per-step R h + b_R (b_Rn sits inside r * (...)).
        // Reset before: every bias simply adds, so b_W + b_R goes into the projection.
        float[] w = params.values();
        for (int j = 0; j < gateWidth; j++) projectionBias[j] = w[bIh + j] + (linearBeforeReset ? 0f : w[bHh + j]);
    }

    @Override
    boolean splitsSteps() {
        return linearBeforeReset && !layerNorm;   // reset before: R_n multiplies r_t * h_{t-1}, all units of it
    }

    @Override
    int stepBuffers() {
        return 2;   // pre and recurrent
    }

    @Override
    void stepForwardUnits(int t, int prev, int cur, int b0, int b1, int h0, int h1, Kernels k, int part) {
        final int h = hidden, n = h1 - h0;
        float[] w = params.values();
        int rowT = preRow(t) * gateWidth, recT = keptRow(t) * gateWidth;
        int prevH = slotOffset(prev) + h0, curH = slotOffset(cur) + h0;
        // this step's rows of pre-activations (then gates) and of R h_{t-1} + b_R
        float[] gate = part < 0 ? pre : partRows(part), rec = part < 0 ? recurrent : gate;
        int row = part < 0 ? rowT : 0, recRow = part < 0 ? recT : batch * gateWidth;
        // R h_{t-1} + b_R for all three gates, kept for backward: [B, H] x [3H, H]^T; for a range of
        // units, each gate's columns of those units
        for (int b = b0; b < b1; b++) {
            for (int g = 0; g < gates; g++) System.arraycopy(w, bHh + g * h + h0, rec, recRow + b * gateWidth + g * h + h0, n);
        }
        if (n == h) {
            recurrentInput(k, t, prev, b0, b1, rec, recRow, gateWidth);
        } else {
            recurrentUnits(k, prev, b0, b1, h0, n, rec, recRow);
        }
        for (int b = b0; b < b1; b++) {
            int resetGate = row + b * gateWidth + h0, updateGate = resetGate + h, newGate = resetGate + 2 * h;
            int recReset = recRow + b * gateWidth + h0, recUpdate = recReset + h, recNew = recReset + 2 * h;
            kernels.add(gate, resetGate, rec, recReset, gate, resetGate, n);
            kernels.add(gate, updateGate, rec, recUpdate, gate, updateGate, n);
            kernels.sigmoid(gate, resetGate, gate, resetGate, n);                     // r_t
            kernels.sigmoid(gate, updateGate, gate, updateGate, n);                   // z_t
            for (int j = 0; j < n; j++) {
                gate[newGate + j] += gate[resetGate + j] * rec[recNew + j];           // + r_t (R_n h + b_Rn)
            }
            kernels.tanh(gate, newGate, gate, newGate, n);                            // n_t
            blend(gate, updateGate, newGate, prevH + b * h, curH + b * h, n);
        }
        if (part >= 0) {                                                      // r, z, n and R h + b_R for backward
            keepColumns(gate, row, pre, rowT, h0, n);
            keepColumns(rec, recRow, recurrent, recT, h0, n);
        }
    }

    @Override
    void stepForward(int t, int prev, int cur) {
        final int h = hidden;
        int rowT = preRow(t) * gateWidth, prevH = slotOffset(prev), curH = slotOffset(cur);
        if (linearBeforeReset) {
            stepForwardUnits(t, prev, cur, 0, batch, 0, h, kernels, -1);
        } else {
            // R_{r,z} h_{t-1} into the r and z columns: [B, H] x [2H, H]^T
            recurrentProduct(kernels, states, prevH, batch, 0, 2 * h, pre, rowT, gateWidth);
            int rowH = keptRow(t) * h;
            for (int b = 0; b < batch; b++) {
                int resetGate = rowT + b * gateWidth;
                kernels.sigmoid(pre, resetGate, pre, resetGate, 2 * h);                    // r_t, z_t
                kernels.hadamard(pre, resetGate, states, prevH + b * h, recurrent, rowH + b * h, h); // r_t * h_{t-1}
            }
            // + R_n (r_t * h_{t-1}) into the n columns: [B, H] x [H, H]^T
            recurrentProduct(kernels, recurrent, rowH, batch, 2 * h, h, pre, rowT + 2 * h, gateWidth);
            for (int b = 0; b < batch; b++) {
                int updateGate = rowT + b * gateWidth + h, newGate = updateGate + h;
                kernels.tanh(pre, newGate, pre, newGate, h);                               // n_t
                blend(pre, updateGate, newGate, prevH + b * h, curH + b * h, h);
            }
        }
    }

    /**
     * h_t = (1 - z_t) n_t + z_t h_{t-1}, written as n_t + z_t (h_{t-1} - n_t), for the given count of units,
     * z_t and n_t read from gate.
     */
    private void blend(float[] gate, int updateGate, int newGate, int prevH, int curH, int units) {
        for (int j = 0; j < units; j++) {
            float z = gate[updateGate + j], n = gate[newGate + j];
            states[curH + j] = n + z * (states[prevH + j] - n);
        }
    }

    @Override
    void stepBackward(int t, int prev, int cur) {
        final int h = hidden;
        int rowT = t * batch * gateWidth, prevH = slotOffset(prev);
        for (int b = 0; b < batch; b++) {
            if (isPadding(t, b)) continue;
            int resetGate = rowT + b * gateWidth, updateGate = resetGate + h, newGate = resetGate + 2 * h;
            int hp = prevH + b * h, bh = b * h;
            for (int j = 0; j < h; j++) {
                float z = pre[updateGate + j], n = pre[newGate + j], dhj = dh[bh + j];
                float dNewPre = dhj * (1f - z) * (1f - n * n);
                float dUpdatePre = dhj * (states[hp + j] - n) * z * (1f - z);
                dPre[updateGate + j] = dUpdatePre;
                dPre[newGate + j] = dNewPre;
                dhPrev[bh + j] = dhj * z;                // the direct path z_t h_{t-1}
            }
            if (linearBeforeReset) {
                for (int j = 0; j < h; j++) {
                    float r = pre[resetGate + j], dNewPre = dPre[newGate + j];
                    float dResetPre = dNewPre * recurrent[newGate + j] * r * (1f - r);
                    dPre[resetGate + j] = dResetPre;
                    dRecurrent[resetGate + j] = dResetPre;
                    dRecurrent[updateGate + j] = dPre[updateGate + j];
                    dRecurrent[newGate + j] = dNewPre * r;
                }
            }
        }
        if (linearBeforeReset) {
            for (int b = 0; b < batch; b++) {
                if (isPadding(t, b)) {
                    int r = rowT + b * gateWidth;
                    java.util.Arrays.fill(dRecurrent, r, r + gateWidth, 0f);
                }
            }
            // dh_{t-1} += dRecurrent_t R : [B, 3H] x [3H, H] (through the normalization with layer norm)
            recurrentInputBackward(t, dRecurrent, rowT, 1f);
        } else {
            // d(r_t * h_{t-1}) = dPre_n R_n : [B, H] x [H, H]
            recurrentProductBackward(dPre, rowT + 2 * h, gateWidth, 2 * h, 0f, dRecurrent);
            for (int b = 0; b < batch; b++) {
                if (isPadding(t, b)) continue;
                int resetGate = rowT + b * gateWidth, hp = prevH + b * h, bh = b * h;
                for (int j = 0; j < h; j++) {
                    float r = pre[resetGate + j], dReset = dRecurrent[bh + j];
                    dPre[resetGate + j] = dReset * states[hp + j] * r * (1f - r);
                    dhPrev[bh + j] += dReset * r;
                }
            }
            // dh_{t-1} += dPre_{r,z} R_{r,z} : [B, 2H] x [2H, H]
            recurrentProductBackward(dPre, rowT, gateWidth, 0, 1f, dhPrev);
        }
    }

    @Override
    void recurrentGradients() {
        int rows = steps * batch, h = hidden;
        float[] grad = params.gradients();
        if (linearBeforeReset) {
            addWeightGradient(gateWidth, h, rows, layerNorm ? dRecurrentProjection : dRecurrent, 0, gateWidth,
                              states, previousStatesOffset(), wHh);
            kernels.sgemv(true, rows, gateWidth, 1f, dRecurrent, 0, gateWidth, ones, 0, 1f, grad, bHh);
        } else {
            addWeightGradient(2 * h, h, rows, dPre, 0, gateWidth, states, previousStatesOffset(), wHh);
            addWeightGradient(h, h, rows, dPre, 2 * h, gateWidth, recurrent, 0, wHh + 2 * h * h);
            kernels.sgemv(true, rows, gateWidth, 1f, dPre, 0, gateWidth, ones, 0, 1f, grad, bHh);
        }
    }
}
