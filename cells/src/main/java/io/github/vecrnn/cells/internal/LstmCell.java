package io.github.vecrnn.cells.internal;

import io.github.vecrnn.kernel.Kernels;

/**
 * The LSTM cell (Hochreiter and Schmidhuber 1997, with the forget gate of Gers et al. 2000). Gate rows in
 * PyTorch order: input i, forget f, candidate g, output o.
 * <pre>
 *   i_t = sigmoid(W_i x_t + b_Wi + R_i h_{t-1} + b_Ri [+ p_i * c_{t-1}])
 *   f_t = sigmoid(W_f x_t + b_Wf + R_f h_{t-1} + b_Rf [+ p_f * c_{t-1}])
 *   g_t = tanh   (W_g x_t + b_Wg + R_g h_{t-1} + b_Rg)
 *   c_t = f_t * c_{t-1} + i_t * g_t
 *   o_t = sigmoid(W_o x_t + b_Wo + R_o h_{t-1} + b_Ro [+ p_o * c_t])
 *   h_t = o_t * tanh(c_t)
 * </pre>
 * Peepholes are ONNX's P (Gers and Schmidhuber 2000): i and f see c_{t-1}, o sees the new c_t. With
 * {@code inputForget} (ONNX input_forget; CIFG, the coupled input and forget gate of Greff et al. 2017)
 * f_t = 1 - i_t, as ONNX Runtime and the ONNX reference implementation compute it; the forget gate's
 * weights (and p_f) are then unused and their gradients stay 0. With layer norm (Ba et al. 2016, LN-LSTM)
 * the projections are normalized ({@link GateProjection}) and so is the cell state before its tanh:
 * h_t = o_t * tanh(gamma_c * LN(c_t) + beta_c); the carried c_t (and what the output peephole sees) stays
 * unnormalized.
 *
 * <p>Two paths compute the forward step. Without peepholes, CIFG or layer norm (the common LSTM) one fused
 * kernel, {@link Kernels#lstmCell}, computes the gates, c_t, tanh(c_t) and h_t in one pass over the units;
 * otherwise the step goes equation by equation as above. Both use the same activation functions and give
 * the same bits where both apply. Backward follows the equations in reverse, one line per derivative.
 */
final class LstmCell implements Cell {
    private final RecurrentLayer layer;   // the direction this cell computes: its layer.rows, states, products
    private final CarriedState c;      // c_t of every step
    private final int hidden, gateWidth, bIh, bHh;
    private final boolean peepholes, inputForget, layerNorm;
    private final int peephole;                 // offset of [p_i, p_f, p_o] (3H), if peepholes
    private final int cellGain, cellShift;      // offsets of gamma_c, beta_c [H], with layer norm
    private final float[] tanhCell;             // [T*B, H] tanh(c_t) (of gamma_c LN(c_t) + beta_c), kept for backward
    private final float[] cellNormalized;       // [T*B, H] LN(c_t), with layer norm
    private final float[] cellRstd;             // [T*B]
    private final float[] dCellFromHidden;      // [H] scratch: dL/dc_t through h_t

    LstmCell(RecurrentLayer layer, boolean peepholes, boolean inputForget) {
        this.layer = layer;
        this.hidden = layer.hidden;
        this.gateWidth = 4 * hidden;
        this.bIh = layer.bIh;
        this.bHh = layer.bHh;
        this.peepholes = peepholes;
        this.inputForget = inputForget;
        this.layerNorm = layer.layerNorm;
        this.peephole = peepholes ? layer.params.tensor("weight_peephole_" + layer.suffix).offset() : 0;
        this.cellGain = layerNorm ? layer.params.tensor("layer_norm_cell_weight_" + layer.suffix).offset() : 0;
        this.cellShift = layerNorm ? layer.params.tensor("layer_norm_cell_bias_" + layer.suffix).offset() : 0;
        this.c = new CarriedState(layer.slots, layer.maxBatch, hidden);
        this.tanhCell = new float[layer.rows.keptRows * hidden];
        this.cellNormalized = new float[layerNorm ? layer.rows.keptRows * hidden : 0];
        this.cellRstd = new float[layerNorm ? layer.rows.keptRows : 0];
        this.dCellFromHidden = new float[hidden];
    }

    @Override
    public void projectionBias(float[] bias) {
        float[] w = layer.params.values();
        for (int j = 0; j < gateWidth; j++) bias[j] = w[bIh + j] + w[bHh + j];   // b_W + b_R
    }

    @Override
    public boolean takesWholeRecurrentProduct() {
        return !layerNorm;      // with layer norm, LN(R h_{t-1}) is normalized on its own
    }

    @Override
    public boolean splitsSteps() {
        return !layerNorm;      // LN(c_t) needs the whole row of c_t
    }



    @Override
    public CarriedState carried() {
        return c;
    }

    // gates [B, 4H] (W x_t + b, with R h_{t-1} when fused), h_{t-1}, c_{t-1} [B, H] -> i, f, g, o [B, 4H], c_t, h_t [B, H]
    @Override
    public void forward(int t, int b0, int b1, int h0, int h1, Kernels k, boolean fused, StepRows step) {
        final int n = h1 - h0;
        float[] w = layer.params.values(), gate = step.gates, cs = c.values;
        int row = step.gates0;
        // + R h_{t-1} for all four gates ([B, H] x [4H, H]^T, normalized with layer norm), or for a range of
        // units each gate's columns of those units; nothing when the input was W x_t + R h_{t-1} + b at once
        if (!fused) {
            if (n == hidden) layer.projection.recurrentInput(k, t, b0, b1, gate, row, gateWidth);
            else layer.projection.recurrentUnits(k, t, b0, b1, h0, n, gate, row);
        }
        int previous = layer.slots.offset(layer.slots.previous(t)), current = layer.slots.offset(layer.slots.current(t));
        for (int b = b0; b < b1; b++) {
            int inputGate = row + b * gateWidth + h0, forgetGate = inputGate + hidden;
            int candidate = inputGate + 2 * hidden, outputGate = inputGate + 3 * hidden;
            int cPrev = previous + b * hidden + h0, cNow = current + b * hidden + h0;
            int tc = (layer.rows.keptRow(t) + b) * hidden + h0, p = peephole + h0;
            if (!peepholes && !inputForget && !layerNorm) {
                // i_t, f_t, g_t, o_t, c_t, tanh(c_t) and h_t in one pass (the equations above, one FMA for c_t)
                layer.kernels.lstmCell(gate, inputGate, hidden, cs, cPrev, cs, cNow, tanhCell, tc, layer.h.values, cNow, n);
                continue;
            }
            if (peepholes) {
                for (int j = 0; j < n; j++) {
                    gate[inputGate + j] += w[p + j] * cs[cPrev + j];               // p_i * c_{t-1}
                    gate[forgetGate + j] += w[p + hidden + j] * cs[cPrev + j];     // p_f * c_{t-1}
                }
            }
            layer.kernels.sigmoid(gate, inputGate, gate, inputGate, n);        // i_t
            layer.kernels.sigmoid(gate, forgetGate, gate, forgetGate, n);      // f_t
            layer.kernels.tanh(gate, candidate, gate, candidate, n);           // g_t
            if (inputForget) {
                for (int j = 0; j < n; j++) gate[forgetGate + j] = 1f - gate[inputGate + j];  // f_t = 1 - i_t
            }
            for (int j = 0; j < n; j++) {                                // c_t = f_t c_{t-1} + i_t g_t
                cs[cNow + j] = Math.fma(gate[inputGate + j], gate[candidate + j], gate[forgetGate + j] * cs[cPrev + j]);
            }
            if (peepholes) {
                for (int j = 0; j < n; j++) gate[outputGate + j] += w[p + 2 * hidden + j] * cs[cNow + j];  // p_o * c_t
            }
            layer.kernels.sigmoid(gate, outputGate, gate, outputGate, n);      // o_t
            // tanh of c_t, or with layer norm of gamma_c LN(c_t) + beta_c (written to tanhCell first)
            if (layerNorm) normalizeCell(layer.rows.keptRow(t) + b, cNow, tc);
            layer.kernels.tanh(layerNorm ? tanhCell : cs, layerNorm ? tc : cNow, tanhCell, tc, n);
            layer.kernels.hadamard(gate, outputGate, tanhCell, tc, layer.h.values, cNow, n);  // h_t = o_t tanh(c_t)
        }
    }

    /**
     * tanhCell[tc..] = gamma_c * LN(c_t) + beta_c for the row at cNow, keeping LN(c_t) and its rstd. Kept
     * out of forward: a larger forward made C2 give up inlining the Vector API calls of the kernels it
     * inlines, which then boxed every vector.
     */
    private void normalizeCell(int row, int cNow, int tc) {
        float[] w = layer.params.values();
        System.arraycopy(c.values, cNow, cellNormalized, tc, hidden);
        cellRstd[row] = LayerNorm.forward(cellNormalized, tc, hidden);
        for (int j = 0; j < hidden; j++) tanhCell[tc + j] = w[cellGain + j] * cellNormalized[tc + j] + w[cellShift + j];
    }

    // dh_t, dc_t [B, H], i, f, g, o [B, 4H] -> dPre_t [B, 4H], dh_{t-1}, dc_{t-1} [B, H] (and the peepholes' gradients)
    @Override
    public void backward(int t) {
        float[] w = layer.params.values(), grad = layer.params.gradients(), pre = layer.rows.pre, dPre = layer.rows.dPre, cs = c.values;
        float[] dh = layer.h.grad, dc = c.grad, dcPrevious = c.gradPrevious;
        int batch = layer.shape.batch, rowT = t * batch * gateWidth;
        int previous = layer.slots.offset(layer.slots.previous(t)), current = layer.slots.offset(layer.slots.current(t));
        for (int b = 0; b < batch; b++) {
            if (layer.shape.isPadding(t, b)) continue;
            int inputGate = rowT + b * gateWidth, forgetGate = inputGate + hidden;
            int candidate = inputGate + 2 * hidden, outputGate = inputGate + 3 * hidden;
            int cPrev = previous + b * hidden, cNow = current + b * hidden;
            int tc = (t * batch + b) * hidden, bh = b * hidden;
            for (int j = 0; j < hidden; j++) {                         // dL/dc_t through h_t = o_t tanh(.)
                float tanhC = tanhCell[tc + j];
                dCellFromHidden[j] = dh[bh + j] * pre[outputGate + j] * (1f - tanhC * tanhC);
            }
            if (layerNorm) {                                           // back through gamma_c LN(c_t) + beta_c
                for (int j = 0; j < hidden; j++) grad[cellShift + j] += dCellFromHidden[j];
                LayerNorm.backward(dCellFromHidden, 0, layer.params, cellGain, cellNormalized, tc, cellRstd[t * batch + b],
                                   dCellFromHidden, 0, hidden);
            }
            for (int j = 0; j < hidden; j++) {
                float i = pre[inputGate + j], f = pre[forgetGate + j], g = pre[candidate + j], o = pre[outputGate + j];
                float tanhC = tanhCell[tc + j], dhj = dh[bh + j], cp = cs[cPrev + j];
                float dOutputPre = dhj * tanhC * o * (1f - o);                       // do_t * o_t (1 - o_t)
                float dCell = dc[bh + j] + dCellFromHidden[j];                       // dc_t, both paths
                if (peepholes) dCell += dOutputPre * w[peephole + 2 * hidden + j];   //   and through p_o * c_t
                float dInputPre, dForgetPre;
                if (inputForget) {                     // c_t = (1 - i_t) c_{t-1} + i_t g_t
                    dInputPre = dCell * (g - cp) * i * (1f - i);
                    dForgetPre = 0f;
                } else {
                    dInputPre = dCell * g * i * (1f - i);                            // di_t = dc_t g_t
                    dForgetPre = dCell * cp * f * (1f - f);                          // df_t = dc_t c_{t-1}
                }
                float dCandidatePre = dCell * i * (1f - g * g);                      // dg_t = dc_t i_t
                float dCellPrev = dCell * f;                                         // dc_{t-1} = dc_t f_t
                if (peepholes) {
                    dCellPrev += dInputPre * w[peephole + j] + dForgetPre * w[peephole + hidden + j];
                    grad[peephole + j] += dInputPre * cp;
                    grad[peephole + hidden + j] += dForgetPre * cp;
                    grad[peephole + 2 * hidden + j] += dOutputPre * cs[cNow + j];
                }
                dPre[inputGate + j] = dInputPre;
                dPre[forgetGate + j] = dForgetPre;
                dPre[candidate + j] = dCandidatePre;
                dPre[outputGate + j] = dOutputPre;
                dcPrevious[bh + j] = dCellPrev;
            }
        }
        // dh_{t-1} = dPre_t R : [B, 4H] x [4H, H] (through the normalization with layer norm)
        layer.projection.recurrentInputBackward(t, dPre, rowT, 0f, layer.h.gradPrevious);
    }

    @Override
    public void recurrentGradients() {
        layer.projection.recurrentGradients(layer.rows.dPre, bHh);
    }
}
