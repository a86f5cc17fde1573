package io.github.vecrnn.cells.internal;

import io.github.vecrnn.kernel.Kernels;

/**
 * The Elman RNN cell (Elman 1990), PyTorch's nn.RNN:
 * <pre>
 *   h_t = act(W x_t + b_W + R h_{t-1} + b_R),   act = tanh, or relu
 * </pre>
 * A step's pre-activation is W x_t + R h_{t-1} + b and nothing else, so it is one product when the input is
 * projected per step. Backward: da_t = dh_t * act'(a_t), from the kept output h_t (1 - h_t^2 for tanh,
 * [h_t > 0] for relu), then dh_{t-1} = da_t R.
 */
final class ElmanCell implements Cell {
    private final RecurrentLayer layer;   // the direction this cell computes: its layer.rows, states, products
    private final int hidden, bIh, bHh;
    private final boolean relu;

    ElmanCell(RecurrentLayer layer, boolean relu) {
        this.layer = layer;
        this.hidden = layer.hidden;
        this.bIh = layer.bIh;
        this.bHh = layer.bHh;
        this.relu = relu;
    }

    @Override
    public void projectionBias(float[] bias) {
        float[] w = layer.params.values();
        for (int j = 0; j < hidden; j++) bias[j] = w[bIh + j] + w[bHh + j];   // b_W + b_R
    }

    @Override
    public boolean takesWholeRecurrentProduct() {
        return true;
    }

    @Override
    public boolean splitsSteps() {
        return false;
    }




    // a [B, H] (W x_t + b, with R h_{t-1} when fused), h_{t-1} [B, H] -> h_t [B, H] (also kept in the gate layer.rows)
    @Override
    public void forward(int t, int b0, int b1, int h0, int h1, Kernels k, boolean fused, StepRows step) {
        float[] a = step.gates;
        int row = step.gates0, n = layer.shape.batch * hidden;
        // + R h_{t-1}: [B, H] x [H, H]^T, unless the step's input was one product
        if (!fused) layer.projection.recurrent(layer.kernels, layer.h.values, layer.slots.offset(layer.slots.previous(t)), layer.shape.batch, 0, hidden, a, row, hidden);
        if (relu) {
            for (int j = 0; j < n; j++) a[row + j] = Math.max(a[row + j], 0f);   // h_t = max(0, a_t)
        } else {
            layer.kernels.tanh(a, row, a, row, n);                                      // h_t = tanh(a_t)
        }
        System.arraycopy(a, row, layer.h.values, layer.slots.offset(layer.slots.current(t)), n);
    }

    // dh_t [B, H], h_t [B, H] -> da_t [B, H], dh_{t-1} [B, H]
    @Override
    public void backward(int t) {
        float[] out = layer.rows.pre, da = layer.rows.dPre, dh = layer.h.grad;
        int rowT = t * layer.shape.batch * hidden, n = layer.shape.batch * hidden;
        for (int j = 0; j < n; j++) {
            float ht = out[rowT + j];
            da[rowT + j] = relu ? (ht > 0f ? dh[j] : 0f) : dh[j] * (1f - ht * ht);   // dL/da_t
        }
        layer.projection.recurrentBackward(da, rowT, hidden, 0, 0f, layer.h.gradPrevious);     // dh_{t-1} = da_t R
    }

    @Override
    public void recurrentGradients() {
        layer.projection.recurrentGradients(layer.rows.dPre, bHh);
    }
}
