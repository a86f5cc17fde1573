package io.github.vecrnn.cells;

import io.github.vecrnn.kernel.Kernels;

/**
 * One direction of an LSTM layer. Gate rows in PyTorch order: input i, forget f, candidate g, output o.
 * <pre>
 *   i_t = sigmoid(W_i x_t + b_Wi + R_i h_{t-1} + b_Ri [+ p_i * c_{t-1}])
 *   f_t = sigmoid(W_f x_t + b_Wf + R_f h_{t-1} + b_Rf [+ p_f * c_{t-1}])
 *   g_t = tanh   (W_g x_t + b_Wg + R_g h_{t-1} + b_Rg)
 *   c_t = f_t * c_{t-1} + i_t * g_t
 *   o_t = sigmoid(W_o x_t + b_Wo + R_o h_{t-1} + b_Ro [+ p_o * c_t])
 *   h_t = o_t * tanh(c_t)
 * </pre>
 * Peepholes are ONNX's P (Gers and Schmidhuber 2000): i and f see c_{t-1}, o sees the new c_t.
 * With {@code inputForget} (ONNX input_forget; CIFG, the coupled input and forget gate of Greff et al.
 * 2017) f_t = 1 - i_t, as ONNX Runtime and the ONNX reference implementation compute it; the forget
 * gate's weights (and p_f) are then unused and their gradients stay 0.
 *
 * <p>With layer norm (Ba et al. 2016, LN-LSTM), besides the normalized projections of {@link CellLayer},
 * the cell state is normalized before its tanh: h_t = o_t * tanh(gamma_c * LN(c_t) + beta_c). The
 * carried state c_t itself (and what the output peephole sees) stays unnormalized.
 */
final class LstmLayer extends CellLayer {
    private final int peephole; // offset of [p_i, p_f, p_o] or -1
    private final boolean inputForget;
    private final float[] cellStates; // [(T+1), B, H], same slots as the hidden states
    private final float[] tanhCell;   // [T*B, H] tanh(c_t), kept for backward
    private float[] dc, dcPrev;       // [B, H]
    private final int cellGain, cellShift;  // gamma_c, beta_c [H]; -1 without layer norm
    private final float[] cellNormalized;   // [T*B, H] LN(c_t)
    private final float[] cellRstd;         // [T*B]
    private final float[] dCellFromHidden;  // [H] scratch: dL/dc_t through h_t

    LstmLayer(Kernels kernels, Parameters params, String suffix, int inputSize, int hidden, boolean reverse,
              boolean peepholes, boolean inputForget, boolean layerNorm, int maxSteps, int maxBatch, float[] ones,
              boolean frozen) {
        super(kernels, params, suffix, inputSize, hidden, 4, 4 * hidden, reverse, layerNorm, maxSteps, maxBatch, ones, frozen);
        this.peephole = peepholes ? params.tensor("weight_peephole_" + suffix).offset() : -1;
        this.inputForget = inputForget;
        this.cellStates = new float[stateSlots * maxBatch * hidden];
        this.tanhCell = new float[keptRows * hidden];
        this.dc = new float[maxBatch * hidden];
        this.dcPrev = new float[maxBatch * hidden];
        this.cellGain = layerNorm ? params.tensor("layer_norm_cell_weight_" + suffix).offset() : -1;
        this.cellShift = layerNorm ? params.tensor("layer_norm_cell_bias_" + suffix).offset() : -1;
        this.cellNormalized = new float[layerNorm ? keptRows * hidden : 0];
        this.cellRstd = new float[layerNorm ? keptRows : 0];
        this.dCellFromHidden = new float[hidden];
    }

    @Override
    void stepForward(int t, int prev, int cur) {
        stepForwardUnits(t, prev, cur, 0, batch, 0, hidden, kernels, -1);
    }

    @Override
    boolean splitsSteps() {
        return !layerNorm;      // LN(c_t) needs the whole row of c_t
    }

    @Override
    boolean takesWholeRecurrentProduct() {
        return !layerNorm;      // with layer norm, LN(R h_{t-1}) is normalized on its own
    }

    @Override
    void stepForwardUnits(int t, int prev, int cur, int b0, int b1, int h0, int h1, Kernels k, int part) {
        final int h = hidden, n = h1 - h0;
        float[] w = params.values();
        int rowT = preRow(t) * gateWidth;
        float[] gate = part < 0 ? pre : partRows(part);   // this step's rows of pre-activations, then gates
        int row = part < 0 ? rowT : 0;
        // + R h_{t-1} for all four gates: [B, H] x [4H, H]^T (normalized with layer norm); for a range of
        // units, each gate's columns of those units. Unless gateInput computed W x_t + R h_{t-1} + b at once.
        if (!gateInputFused()) {
            if (n == h) recurrentInput(k, t, prev, b0, b1, gate, row, gateWidth);
            else recurrentUnits(k, prev, b0, b1, h0, n, gate, row);
        }
        for (int b = b0; b < b1; b++) {
            int inputGate = row + b * gateWidth + h0, forgetGate = inputGate + h;
            int candidate = inputGate + 2 * h, outputGate = inputGate + 3 * h;
            int cPrev = slotOffset(prev) + b * h + h0, cNow = slotOffset(cur) + b * h + h0;
            int tc = (keptRow(t) + b) * h + h0, p = peephole + h0;
            if (peephole < 0 && !inputForget && !layerNorm) {
                // i_t, f_t, g_t, o_t, c_t, tanh(c_t) and h_t in one pass (the equations above, one FMA for c_t)
                kernels.lstmCell(gate, inputGate, h, cellStates, cPrev, cellStates, cNow, tanhCell, tc, states, cNow, n);
                continue;
            }
            if (peephole >= 0) {
                for (int j = 0; j < n; j++) {
                    gate[inputGate + j] += w[p + j] * cellStates[cPrev + j];          // p_i * c_{t-1}
                    gate[forgetGate + j] += w[p + h + j] * cellStates[cPrev + j];     // p_f * c_{t-1}
                }
            }
            kernels.sigmoid(gate, inputGate, gate, inputGate, n);        // i_t
            kernels.sigmoid(gate, forgetGate, gate, forgetGate, n);      // f_t
            kernels.tanh(gate, candidate, gate, candidate, n);           // g_t
            if (inputForget) {
                for (int j = 0; j < n; j++) gate[forgetGate + j] = 1f - gate[inputGate + j];  // f_t = 1 - i_t
            }
            for (int j = 0; j < n; j++) {                                // c_t = f_t c_{t-1} + i_t g_t
                cellStates[cNow + j] = Math.fma(gate[inputGate + j], gate[candidate + j], gate[forgetGate + j] * cellStates[cPrev + j]);
            }
            if (peephole >= 0) {
                for (int j = 0; j < n; j++) gate[outputGate + j] += w[p + 2 * h + j] * cellStates[cNow + j];
            }
            kernels.sigmoid(gate, outputGate, gate, outputGate, n);      // o_t
            // tanh of c_t, or with layer norm of gamma_c LN(c_t) + beta_c (written to tanhCell first)
            if (layerNorm) normalizeCell(keptRow(t) + b, cNow, tc);
            kernels.tanh(layerNorm ? tanhCell : cellStates, layerNorm ? tc : cNow, tanhCell, tc, n);
            kernels.hadamard(gate, outputGate, tanhCell, tc, states, cNow, n);  // h_t = o_t tanh(c_t)
        }
        if (part >= 0) keepColumns(gate, row, pre, rowT, h0, n);         // i, f, g, o for backward
    }

    /**
     * tanhCell[tc..] = gamma_c * LN(c_t) + beta_c for the row at cNow, keeping LN(c_t) and its 1/std.
     * Kept out of stepForward: a larger stepForward made C2 give up inlining the Vector API calls of the
     * kernels it inlines, which then boxed every vector (measured 737 KB per step in some JVM runs).
     */
    private void normalizeCell(int row, int cNow, int tc) {
        float[] w = params.values();
        System.arraycopy(cellStates, cNow, cellNormalized, tc, hidden);
        cellRstd[row] = normalize(cellNormalized, tc, hidden);
        for (int j = 0; j < hidden; j++) tanhCell[tc + j] = w[cellGain + j] * cellNormalized[tc + j] + w[cellShift + j];
    }

    @Override
    void stepBackward(int t, int prev, int cur) {
        final int h = hidden;
        float[] w = params.values();
        float[] grad = params.gradients();
        int rowT = t * batch * gateWidth;
        for (int b = 0; b < batch; b++) {
            if (isPadding(t, b)) continue;
            int inputGate = rowT + b * gateWidth, forgetGate = inputGate + h;
            int candidate = inputGate + 2 * h, outputGate = inputGate + 3 * h;
            int cPrev = slotOffset(prev) + b * h, cNow = slotOffset(cur) + b * h;
            int tc = (t * batch + b) * h, bh = b * h;
            for (int j = 0; j < h; j++) {                              // dL/dc_t through h_t = o_t tanh(.)
                float tanhC = tanhCell[tc + j];
                dCellFromHidden[j] = dh[bh + j] * pre[outputGate + j] * (1f - tanhC * tanhC);
            }
            if (layerNorm) {                                           // back through gamma_c LN(c_t) + beta_c
                for (int j = 0; j < h; j++) grad[cellShift + j] += dCellFromHidden[j];
                normalizeBackward(dCellFromHidden, 0, cellGain, cellNormalized, tc, cellRstd[t * batch + b],
                                  dCellFromHidden, 0, h);
            }
            for (int j = 0; j < h; j++) {
                float i = pre[inputGate + j], f = pre[forgetGate + j], g = pre[candidate + j], o = pre[outputGate + j];
                float tanhC = tanhCell[tc + j], dhj = dh[bh + j], cp = cellStates[cPrev + j];
                float dOutputPre = dhj * tanhC * o * (1f - o);
                float dCell = dc[bh + j] + dCellFromHidden[j];
                if (peephole >= 0) dCell += dOutputPre * w[peephole + 2 * h + j];
                float dInputPre, dForgetPre;
                if (inputForget) {                     // c_t = (1 - i_t) c_{t-1} + i_t g_t
                    dInputPre = dCell * (g - cp) * i * (1f - i);
                    dForgetPre = 0f;
                } else {
                    dInputPre = dCell * g * i * (1f - i);
                    dForgetPre = dCell * cp * f * (1f - f);
                }
                float dCandidatePre = dCell * i * (1f - g * g);
                float dCellPrev = dCell * f;
                if (peephole >= 0) {
                    dCellPrev += dInputPre * w[peephole + j] + dForgetPre * w[peephole + h + j];
                    grad[peephole + j] += dInputPre * cp;
                    grad[peephole + h + j] += dForgetPre * cp;
                    grad[peephole + 2 * h + j] += dOutputPre * cellStates[cNow + j];
                }
                dPre[inputGate + j] = dInputPre;
                dPre[forgetGate + j] = dForgetPre;
                dPre[candidate + j] = dCandidatePre;
                dPre[outputGate + j] = dOutputPre;
                dcPrev[bh + j] = dCellPrev;
            }
        }
        // dh_{t-1} = dPre_t R : [B, 4H] x [4H, H] (through the normalization with layer norm)
        recurrentInputBackward(t, dPre, rowT, 0f);
        float[] swap = dc;
        dc = dcPrev;
        dcPrev = swap;
    }

    @Override
    void carryExtraState(int b, int prev, int cur, int h0, int n) {
        System.arraycopy(cellStates, slotOffset(prev) + b * hidden + h0, cellStates, slotOffset(cur) + b * hidden + h0, n);
    }

    @Override
    void passExtraGradient(int b) {
        // stepBackward already swapped: dc holds the new (previous-step) gradient, dcPrev the incoming one.
        System.arraycopy(dcPrev, b * hidden, dc, b * hidden, hidden);
    }

    @Override
    void setExtraInitialState(float[] c0, int c0Offset) {
        int first = slotOffset(reverse ? steps : 0);
        if (c0 == null) java.util.Arrays.fill(cellStates, first, first + batch * hidden, 0f);
        else System.arraycopy(c0, c0Offset, cellStates, first, batch * hidden);
    }

    @Override
    void beginExtraBackward(float[] dcN, int dcNOffset) {
        if (dcN == null) java.util.Arrays.fill(dc, 0, batch * hidden, 0f);
        else System.arraycopy(dcN, dcNOffset, dc, 0, batch * hidden);
    }

    @Override
    void endExtraBackward(float[] dc0, int dc0Offset) {
        if (dc0 != null) System.arraycopy(dc, 0, dc0, dc0Offset, batch * hidden);
    }

    /** The final cell state of row block [B, H] (slot T forward, slot 0 reverse). */
    void copyFinalCell(float[] dst, int offset) {
        System.arraycopy(cellStates, slotOffset(finalSlot()), dst, offset, batch * hidden);
    }
}
