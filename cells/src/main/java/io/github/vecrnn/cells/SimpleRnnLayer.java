package io.github.vecrnn.cells;

import io.github.vecrnn.kernel.Kernels;

/**
 * One direction of an Elman RNN layer:
 * <pre>
 *   h_t = act(W x_t + b_W + R h_{t-1} + b_R),   act = tanh or relu
 * </pre>
 */
final class SimpleRnnLayer extends CellLayer {
    private final boolean relu;

    SimpleRnnLayer(Kernels kernels, Parameters params, String suffix, int inputSize, int hidden, boolean reverse,
                   boolean relu, int maxSteps, int maxBatch, float[] ones, boolean frozen) {
        super(kernels, params, suffix, inputSize, hidden, 1, hidden, reverse, false, maxSteps, maxBatch, ones, frozen);
        this.relu = relu;
    }

    @Override
    boolean takesWholeRecurrentProduct() {
        return true;
    }

    @Override
    void stepForward(int t, int prev, int cur) {
        int rowT = preRow(t) * hidden, n = batch * hidden;
        // + R h_{t-1}: [B, H] x [H, H]^T, unless the step's input was one product (gateInput)
        if (!gateInputFused()) recurrentProduct(kernels, states, slotOffset(prev), batch, 0, hidden, pre, rowT, hidden);
        if (relu) {
            for (int j = 0; j < n; j++) pre[rowT + j] = Math.max(pre[rowT + j], 0f);   // h_t = max(0, a_t)
        } else {
            kernels.tanh(pre, rowT, pre, rowT, n);                                     // h_t = tanh(a_t)
        }
        System.arraycopy(pre, rowT, states, slotOffset(cur), n);
    }

    @Override
    void stepBackward(int t, int prev, int cur) {
        int rowT = t * batch * hidden, n = batch * hidden;
        for (int j = 0; j < n; j++) {
            float h = pre[rowT + j];
            dPre[rowT + j] = relu ? (h > 0f ? dh[j] : 0f) : dh[j] * (1f - h * h);   // dL/da_t
        }
        // dh_{t-1} = dPre_t R
        recurrentProductBackward(dPre, rowT, hidden, 0, 0f, dhPrev);
    }
}
