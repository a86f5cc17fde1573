package io.github.vecrnn.cells.internal;

import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.kernel.Kernels;
import io.github.vecrnn.kernel.PackedMatrix;

/**
 * The products of a layer direction's gates with its weights, forward and backward:
 * <pre>
 *   input projection    W x_t + b        x [T*B, I], W [G*H, I]      -> pre [T*B, G*H]
 *   recurrent input     R h_{t-1}        h [B, H],   R [G*H, H]      -> added to step t's rows of pre
 *   both at once        W x_t + R h_{t-1} + b                         (one FMA chain per element)
 *   backward            dh_{t-1} += dPre_t R,  dW += dPre^T x,  dR += dPre^T h,  db = column sums of dPre,
 *                       dx = dPre W
 * </pre>
 * With layer norm (LSTM and reset-after GRU) the two projections are normalized apart, each over its row
 * of G*H, and scaled by their own gains: gamma_x * LN(W x_t) + b_W and gamma_h * LN(R h_{t-1}) + b_R; the
 * normalized rows are kept for backward.
 */
final class GateProjection {
    final float[] bias;          // [G*H] what the input projection adds: b_W + b_R, or b_W (see Cell.projectionBias)
    private final Kernels kernels;
    private final Parameters params;
    private final PackedWeights weights;
    private final CallShape shape;
    private final GateRows rows;
    private final StateSlots slots;
    private final CarriedState h;
    private final int wIh, wHh, inputSize, hidden, gateWidth;
    private final float[] ones;             // [T*B] of 1f: bias gradients are column sums, computed as GEMVs
    private final float[] weightGradientT;  // [max(I, H), G*H] a weight gradient's transpose (addWeightGradient)
    private final boolean layerNorm;
    private final int inputGain, recurrentGain;          // offsets of gamma_x, gamma_h [G*H] (layer norm)
    private final float[] inputNormalized, recurrentNormalized; // [T*B, G*H] W x_t, then LN(W x_t); LN(R h_{t-1})
    private final float[] inputRstd, recurrentRstd;      // [T*B] 1 / sqrt(var + eps) of each row
    private final float[] dRecurrentProjection;          // [T*B, G*H] dL/d(R h_{t-1}) before the normalization

    GateProjection(Kernels kernels, Parameters params, String suffix, PackedWeights weights, CallShape shape, GateRows rows,
                   StateSlots slots, CarriedState h, int inputSize, int hidden, int gates, boolean layerNorm,
                   int maxSteps, int maxBatch, float[] ones, boolean frozen) {
        this.kernels = kernels;
        this.params = params;
        this.weights = weights;
        this.shape = shape;
        this.rows = rows;
        this.slots = slots;
        this.h = h;
        this.wIh = params.tensor("weight_ih_" + suffix).offset();
        this.wHh = params.tensor("weight_hh_" + suffix).offset();
        this.inputSize = inputSize;
        this.hidden = hidden;
        this.gateWidth = gates * hidden;
        this.bias = new float[gateWidth];
        this.ones = ones;
        this.weightGradientT = new float[frozen ? 0 : Math.max(inputSize, hidden) * gateWidth];
        this.layerNorm = layerNorm;
        this.inputGain = layerNorm ? params.tensor("layer_norm_ih_weight_" + suffix).offset() : 0;
        this.recurrentGain = layerNorm ? params.tensor("layer_norm_hh_weight_" + suffix).offset() : 0;
        int maxRows = maxSteps * maxBatch;
        int normRows = layerNorm ? maxRows : 0, normKept = layerNorm ? rows.keptRows : 0;
        this.inputNormalized = new float[normRows * gateWidth];
        this.recurrentNormalized = new float[normKept * gateWidth];
        this.inputRstd = new float[normRows];
        this.recurrentRstd = new float[normKept];
        this.dRecurrentProjection = new float[frozen ? 0 : normRows * gateWidth];
    }

    // ----------------------------------------------------------------------------------- forward

    /**
     * pre rows [preRow0, preRow0 + count) = W x_r + b, the input projection of rows [row0, row0 + count) of
     * x [T*B, I]; with layer norm (then preRow0 = row0) gamma_x * LN(W x_r) + b (W x_r kept, normalized, in
     * inputNormalized). Every element is the same FMA chain whichever rows a call covers, so one call for all
     * steps and one per step give the same bits.
     */
    void input(float[] x, int xOffset, int row0, int count, int preRow0) {
        if (!layerNorm) {
            columns(kernels, x, xOffset, row0, count, 0, gateWidth, rows.pre, preRow0 * gateWidth);
            return;
        }
        kernels.sgemmPacked(count, 1f, x, xOffset + row0 * inputSize, inputSize, weights.input,   // W x_r
                            0f, inputNormalized, row0 * gateWidth, gateWidth);
        float[] w = params.values();
        for (int r = row0; r < row0 + count; r++) {                                           // gamma_x LN(W x_r) + b
            int o = r * gateWidth;
            inputRstd[r] = LayerNorm.forward(inputNormalized, o, gateWidth);
            for (int j = 0; j < gateWidth; j++) rows.pre[o + j] = w[inputGain + j] * inputNormalized[o + j] + bias[j];
        }
    }

    /**
     * W x_r + b for rows [row0, row0 + count) of x and the gate columns [col0, col0 + cols) alone (col0 a
     * multiple of the packed strips' width; no layer norm), into c: rows of G*H from cOffset, with k.
     */
    void columns(Kernels k, float[] x, int xOffset, int row0, int count, int col0, int cols, float[] c, int cOffset) {
        for (int r = 0; r < count; r++) System.arraycopy(bias, col0, c, cOffset + r * gateWidth + col0, cols);
        k.sgemmPackedColumns(count, 1f, x, xOffset + row0 * inputSize, inputSize, weights.input, col0, cols,
                             1f, c, cOffset + col0, gateWidth);
    }

    /**
     * Step t's input for the rows [b0, b1) and the gate columns [col0, col0 + cols), into c (rows of G*H from
     * cOffset), with k: W x_t + R h_{t-1} + b in one product when fused ({@link Kernels#gatePreactivations}:
     * each element one FMA chain from its bias over the input, then the previous state; R^T one packed block,
     * no layer norm), else W x_t + b, to which the cell then adds its recurrent input.
     */
    void step(Kernels k, boolean fused, float[] x, int xOffset, int t, int b0, int b1, int col0, int cols, float[] c, int cOffset) {
        int batch = shape.batch;
        if (!fused) {
            columns(k, x, xOffset, t * batch + b0, b1 - b0, col0, cols, c, cOffset + b0 * gateWidth);
            return;
        }
        k.gatePreactivations(b1 - b0, x, xOffset + (t * batch + b0) * inputSize, inputSize, weights.input,
                             h.values, slots.offset(slots.previous(t)) + b0 * hidden, hidden, weights.recurrent[0], col0, cols,
                             bias, col0, c, cOffset + b0 * gateWidth + col0, gateWidth);
    }

    /**
     * c[rows [b0, b1) of step t's rows at cOffset, ldc] += the recurrent input of step t over all G*H gate
     * columns, with k: R h_{t-1}, or with layer norm (then the whole batch, with the layer's own kernels: such
     * a step is never split) gamma_h * LN(R h_{t-1}), the normalized rows kept for backward.
     */
    void recurrentInput(Kernels k, int t, int b0, int b1, float[] c, int cOffset, int ldc) {
        int previous = slots.offset(slots.previous(t));
        if (!layerNorm) {
            recurrent(k, h.values, previous + b0 * hidden, b1 - b0, 0, gateWidth, c, cOffset + b0 * ldc, ldc);
            return;
        }
        int batch = shape.batch, row = rows.keptRow(t), base = row * gateWidth;
        java.util.Arrays.fill(recurrentNormalized, base, base + batch * gateWidth, 0f);
        recurrent(kernels, h.values, previous, batch, 0, gateWidth, recurrentNormalized, base, gateWidth);
        float[] w = params.values();
        for (int b = 0; b < batch; b++) {
            int r = base + b * gateWidth, o = cOffset + b * ldc;
            recurrentRstd[row + b] = LayerNorm.forward(recurrentNormalized, r, gateWidth);
            for (int j = 0; j < gateWidth; j++) c[o + j] += w[recurrentGain + j] * recurrentNormalized[r + j];
        }
    }

    /**
     * c[count rows, cols at cOffset, ldc] += a[count, H] R_sub^T, where R_sub is R's gate rows [gateOffset,
     * gateOffset + cols), a whole number of R^T's packed column blocks, with k (a part of a split call passes
     * a one-thread Kernels).
     */
    void recurrent(Kernels k, float[] a, int aOffset, int count, int gateOffset, int cols, float[] c, int cOffset, int ldc) {
        for (int i = 0; i < weights.blockStarts.length; i++) {
            int start = weights.blockStarts[i];
            PackedMatrix block = weights.recurrent[i];
            if (start >= gateOffset && start + block.cols() <= gateOffset + cols) {
                k.sgemmPacked(count, 1f, a, aOffset, hidden, block, 1f, c, cOffset + start - gateOffset, ldc);
            }
        }
    }

    /**
     * c += h_{t-1} R^T for the rows [b0, b1) and the units [h0, h0 + n) of every gate alone, c holding step
     * t's rows of G*H from cOffset (h0 a multiple of the packed strips' width; no layer norm; R^T one block,
     * which the cells that split a step have). One product over the gates' column blocks: with one row its
     * strips run four at a time whichever gate they belong to, where a product per gate would run a block
     * of two strips one strip per pass.
     */
    void recurrentUnits(Kernels k, int t, int b0, int b1, int h0, int n, float[] c, int cOffset) {
        k.sgemmPackedColumnBlocks(b1 - b0, 1f, h.values, slots.offset(slots.previous(t)) + b0 * hidden, hidden,
                                  weights.recurrent[0], h0, n, gateWidth / hidden, hidden, 1f, c,
                                  cOffset + b0 * gateWidth + h0, gateWidth);
    }

    // ---------------------------------------------------------------------------------- backward

    /**
     * From dL/d(recurrent input of step t) [B, G*H] at (dIn, dInOffset), writes dh_{t-1} (beta = 0) or adds
     * it (beta = 1) into dhPrevious: dIn R without layer norm; with it, the gradient is first taken back
     * through gamma_h * LN(.) (and gamma_h's gradient added). Padding rows contribute nothing.
     */
    void recurrentInputBackward(int t, float[] dIn, int dInOffset, float beta, float[] dhPrevious) {
        if (!layerNorm) {
            recurrentBackward(dIn, dInOffset, gateWidth, 0, beta, dhPrevious);
            return;
        }
        int batch = shape.batch, row = t * batch, base = row * gateWidth;
        for (int b = 0; b < batch; b++) {
            int r = base + b * gateWidth;
            if (shape.isPadding(t, b)) {
                java.util.Arrays.fill(dRecurrentProjection, r, r + gateWidth, 0f);
                continue;
            }
            LayerNorm.backward(dIn, dInOffset + b * gateWidth, params, recurrentGain, recurrentNormalized, r,
                               recurrentRstd[row + b], dRecurrentProjection, r, gateWidth);
        }
        recurrentBackward(dRecurrentProjection, base, gateWidth, 0, beta, dhPrevious);
    }

    /**
     * c[B, H] = d R_block + beta * c (beta 0 or 1), R_block being the row block of R that starts at gate row
     * gateOffset and d [B, block rows] (at dOffset, row stride ldd) the gradient of its product: the backward
     * of {@link #recurrent} for that block.
     */
    void recurrentBackward(float[] d, int dOffset, int ldd, int gateOffset, float beta, float[] c) {
        kernels.sgemmPacked(shape.batch, 1f, d, dOffset, ldd, weights.recurrentRowsFrom(gateOffset), beta, c, 0, hidden);
    }

    /**
     * After the loop: dR += d^T h over the call's T*B rows and db_R += the column sums of dRecurrent,
     * dRecurrent [T*B, G*H] being dL/d(R h_{t-1} + b_R) (dPre where that adds to W x_t + b_W unchanged, as in
     * the LSTM and the Elman RNN) and d the same before the normalization with layer norm.
     */
    void recurrentGradients(float[] dRecurrent, int bHh) {
        int count = shape.rows();
        addWeightGradient(gateWidth, hidden, count, layerNorm ? dRecurrentProjection : dRecurrent, 0, gateWidth,
                          h.values, slots.fedStates(), wHh);
        addBiasGradient(dRecurrent, 0, gateWidth, bHh);
    }

    /** grad[biasOffset ..] += the column sums of d [T*B, ld] (its gateWidth columns from dOffset). */
    void addBiasGradient(float[] d, int dOffset, int ld, int biasOffset) {
        kernels.sgemv(true, shape.rows(), gateWidth, 1f, d, dOffset, ld, ones, 0, 1f, params.gradients(), biasOffset);
    }

    /**
     * After the loop, the input side: dPre becomes dL/d(W x_t) through gamma_x * LN(.) with layer norm;
     * dW += dPre^T x; and dx [T*B, I] = dPre W (or += with accumulate) when dx is not null.
     */
    void inputBackward(float[] x, int xOffset, float[] dx, int dxOffset, boolean accumulate) {
        int count = shape.rows();
        float[] dPre = rows.dPre;
        if (layerNorm) {
            for (int r = 0; r < count; r++) {
                int o = r * gateWidth;
                LayerNorm.backward(dPre, o, params, inputGain, inputNormalized, o, inputRstd[r], dPre, o, gateWidth);
            }
        }
        addWeightGradient(gateWidth, inputSize, count, dPre, 0, gateWidth, x, xOffset, wIh);
        if (dx != null) {
            kernels.sgemm(false, false, count, inputSize, gateWidth, 1f, dPre, 0, gateWidth,
                          params.values(), wIh, inputSize, accumulate ? 1f : 0f, dx, dxOffset, inputSize);
        }
    }

    /**
     * A weight gradient: grad[gradOffset: gates x cols] += d^T act, d being [count, gates] (at dOffset, row
     * stride ldd: gradients of pre-activations) and act [count, cols] (at actOffset, row stride cols: the
     * inputs or states they multiplied). Computed as its transpose act^T d [cols, gates], then added
     * transposed: the product then streams d, whose rows are contiguous gate columns, in strips, and the
     * operand it transposes is act, a quarter of d or less. Each element is the same FMA chain over the rows
     * and the same addition to grad as one sgemm with beta = 1: the same bits.
     */
    void addWeightGradient(int gates, int cols, int count, float[] d, int dOffset, int ldd,
                           float[] act, int actOffset, int gradOffset) {
        kernels.sgemm(true, false, cols, gates, count, 1f, act, actOffset, cols, d, dOffset, ldd, 0f, weightGradientT, 0, gates);
        kernels.addTransposed(cols, gates, weightGradientT, 0, gates, params.gradients(), gradOffset, cols);
    }
}
