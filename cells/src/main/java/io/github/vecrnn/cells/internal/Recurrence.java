package io.github.vecrnn.cells.internal;

import io.github.vecrnn.kernel.Kernels;

/**
 * The loops over time of one layer direction: forward step by step on the calling thread, and backward
 * through time. Sequence lengths (ONNX sequence_lens): a row past its length at step t keeps its state (the
 * step is computed, then its state is overwritten with the previous one), its output is 0; in backward
 * its gate gradients are 0 and its state gradients pass to the step before unchanged.
 */
final class Recurrence {
    private final Kernels kernels;
    private final CallShape shape;
    private final StateSlots slots;
    private final GateRows rows;
    private final GateProjection projection;
    private final Cell cell;
    private final CarriedState h, c;   // c: the state the cell carries besides h, or null
    private final int hidden, gateWidth;
    private final StepRows step = new StepRows();

    Recurrence(RecurrentLayer layer, Cell cell) {
        this.kernels = layer.kernels;
        this.shape = layer.shape;
        this.slots = layer.slots;
        this.rows = layer.rows;
        this.projection = layer.projection;
        this.cell = cell;
        this.h = layer.h;
        this.c = cell.carried();
        this.hidden = layer.hidden;
        this.gateWidth = layer.gateWidth;
    }

    /** Whether this call computes each step's W x_t + R h_{t-1} + b in one product (the cell then adds no R h_{t-1}). */
    boolean fused() {
        return rows.perStep() && cell.takesWholeRecurrentProduct();
    }

    /** Step t's rows in the layer's own buffers. */
    StepRows layerRows(StepRows into, int t) {
        return into.at(rows.pre, rows.preRow(t) * gateWidth, cell.kept(), rows.keptRow(t) * cell.keptWidth());
    }

    // x [T*B, I] -> h_t of every step (out [T*B, outStride] at outColumn, 0 for padding); every step on this thread
    void forward(float[] x, int xOffset, float[] out, int outColumn, int outStride) {
        boolean fused = fused();
        if (!rows.perStep()) projection.input(x, xOffset, 0, shape.rows(), 0);   // W x_t + b for every step at once
        for (int s = 0; s < shape.steps; s++) {
            int t = slots.stepTime(s);
            if (rows.perStep()) {
                projection.step(kernels, fused, x, xOffset, t, 0, shape.batch, 0, gateWidth, rows.pre, rows.preRow(t) * gateWidth);
            }
            cell.forward(t, 0, shape.batch, 0, hidden, kernels, fused, layerRows(step, t));
            finish(t, 0, shape.batch, 0, hidden, out, outColumn, outStride);
        }
    }

    /**
     * After step t, for the rows [b0, b1) and the units [h0, h1): a padding row keeps its previous state
     * (h and what the cell carries) and outputs 0; any other row's h_t goes to out (when not null).
     */
    void finish(int t, int b0, int b1, int h0, int h1, float[] out, int outColumn, int outStride) {
        int n = h1 - h0, previous = slots.previous(t), current = slots.current(t);
        for (int b = b0; b < b1; b++) {
            int o = out == null ? 0 : outColumn + (t * shape.batch + b) * outStride + h0;
            if (shape.isPadding(t, b)) {
                h.carry(b, previous, current, h0, n);
                if (c != null) c.carry(b, previous, current, h0, n);
                if (out != null) java.util.Arrays.fill(out, o, o + n, 0f);
            } else if (out != null) {
                System.arraycopy(h.values, slots.offset(current) + b * hidden + h0, out, o, n);
            }
        }
    }

    // dL/dh_t of every step (dOut [T*B, dOutStride] at dOutColumn, or null), dh_T (dc_T) in h.grad (c.grad)
    //   -> dPre [T*B, G*H], dh_{-1} (dc_{-1}) in h.grad (c.grad)
    void backward(float[] dOut, int dOutColumn, int dOutStride) {
        int batch = shape.batch;
        for (int s = shape.steps - 1; s >= 0; s--) {
            int t = slots.stepTime(s);
            if (dOut != null) {                         // dh_t += dL/dh_t from the layer's output
                for (int b = 0; b < batch; b++) {
                    if (shape.isPadding(t, b)) continue;
                    kernels.add(h.grad, b * hidden, dOut, dOutColumn + (t * batch + b) * dOutStride, h.grad, b * hidden, hidden);
                }
            }
            cell.backward(t);                           // dPre_t, dh_{t-1} (and dc_{t-1})
            if (shape.lengths != null) {
                for (int b = 0; b < batch; b++) {
                    if (!shape.isPadding(t, b)) continue;
                    int r = (t * batch + b) * gateWidth;
                    java.util.Arrays.fill(rows.dPre, r, r + gateWidth, 0f);
                    h.passThrough(b);
                    if (c != null) c.passThrough(b);
                }
            }
            h.stepBack();
            if (c != null) c.stepBack();
        }
    }
}
