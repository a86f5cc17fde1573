package io.github.vecrnn.cells.internal;

import io.github.vecrnn.kernel.Kernels;
import io.github.vecrnn.kernel.ParallelTask;

/**
 * How a forward call of one layer direction uses the threads of its {@link Kernels}: every step on the
 * calling thread ({@link Recurrence#forward}), or one parallel task per call split by batch rows or by
 * hidden units. Every element is computed by the same operations whichever way: the same bits.
 * <ul>
 *   <li>By rows, from {@link #ROW_SPLIT_MIN_ROWS} rows per thread: each thread runs every step for its own
 *       rows. Rows never depend on each other, so the threads do not meet until the end of the call.</li>
 *   <li>By units, below that, for a cell that can compute a range of units and a hidden size of at least
 *       two packed strips: each part runs every step for its range of units (all of their gate columns:
 *       projection, recurrent product, gate arithmetic) and meets the others after each step at a
 *       {@link StepBarrier}, since every step reads all of h_{t-1}. Each part computes in rows of its own and
 *       copies its columns to the layer's buffers once its step is done, so that two cores never write the
 *       cache line at a border between their columns.</li>
 * </ul>
 * A call whose split does not pay (one thread, a cell that cannot split, a narrow layer) runs on one thread.
 */
final class SplitPlan {
    /** From this many batch rows per thread, a call splits by rows rather than by units. */
    static final int ROW_SPLIT_MIN_ROWS = 8;

    private final Kernels kernels, oneThread;
    private final Recurrence recurrence;
    private final GateProjection projection;
    private final Cell cell;
    private final CallShape shape;
    private final StateSlots slots;
    private final GateRows rows;
    private final int hidden, gates, gateWidth, strip, maxBatch;
    private final StepBarrier barrier;
    private final RowSplit rowSplit = new RowSplit();
    private final UnitSplit unitSplit = new UnitSplit();
    private final StepRows[] partSteps;
    private float[][] partRows;   // part q's own rows of a units split: the gates and the cell's kept buffer, [B, ...]

    SplitPlan(RecurrentLayer layer, Cell cell, Recurrence recurrence) {
        this.kernels = layer.kernels;
        this.oneThread = kernels.withThreads(1);
        this.recurrence = recurrence;
        this.projection = layer.projection;
        this.cell = cell;
        this.shape = layer.shape;
        this.slots = layer.slots;
        this.rows = layer.rows;
        this.hidden = layer.hidden;
        this.gateWidth = layer.gateWidth;
        this.gates = gateWidth / hidden;
        this.strip = layer.weights.input.panelWidth();
        this.maxBatch = layer.maxBatch;
        this.barrier = new StepBarrier(kernels.threads());
        this.partSteps = new StepRows[kernels.threads()];
        for (int q = 0; q < partSteps.length; q++) partSteps[q] = new StepRows();
    }

    // x [T*B, I] -> h_t of every step in out; on one thread, or split by rows or by units
    void forward(float[] x, int xOffset, float[] out, int outColumn, int outStride) {
        boolean splittable = kernels.threads() > 1 && cell.splitsSteps();
        boolean byRows = splittable && rows.perStep() && shape.batch >= ROW_SPLIT_MIN_ROWS * kernels.threads();
        boolean byUnits = splittable && !byRows && hidden % strip == 0 && hidden >= 2 * strip;
        if (byRows) {
            rowSplit.set(x, xOffset, out, outColumn, outStride);
            kernels.parallel(rowSplit);
        } else if (byUnits) {
            if (partRows == null) {   // padded by a cache line, so that no two parts' rows share one
                int perStep = gateWidth + cell.keptWidth();
                partRows = new float[kernels.threads()][maxBatch * perStep + 16];
            }
            unitSplit.set(x, xOffset, out, outColumn, outStride);
            barrier.begin(shape.steps);
            kernels.parallel(unitSplit);
        } else {
            recurrence.forward(x, xOffset, out, outColumn, outStride);
        }
    }

    /** A forward call as a parallel task: the call's input x (from xOffset) and where h_t goes (out). */
    private abstract static class SplitCall implements ParallelTask {
        float[] x, out;
        int xOffset, outColumn, outStride;

        final void set(float[] x, int xOffset, float[] out, int outColumn, int outStride) {
            this.x = x;
            this.xOffset = xOffset;
            this.out = out;
            this.outColumn = outColumn;
            this.outStride = outStride;
        }
    }

    /** Part q of n runs every step for the q-th range of the batch's rows, all units, in the layer's buffers. */
    private final class RowSplit extends SplitCall {
        @Override
        public void run(int part, int parts) {
            // even borders: an odd part would end in a one-row register tile, which streams the weights for one row
            int batch = shape.batch;
            int b0 = batch * part / parts & ~1, b1 = part == parts - 1 ? batch : batch * (part + 1) / parts & ~1;
            boolean fused = recurrence.fused();
            StepRows step = partSteps[part];
            for (int s = 0; s < shape.steps; s++) {
                int t = slots.stepTime(s);
                projection.step(oneThread, fused, x, xOffset, t, b0, b1, 0, gateWidth, rows.pre, rows.preRow(t) * gateWidth);
                cell.forward(t, b0, b1, 0, hidden, oneThread, fused, recurrence.layerRows(step, t));
                recurrence.finish(t, b0, b1, 0, hidden, out, outColumn, outStride);
            }
        }
    }

    /**
     * Part q of n runs every step for the q-th range of hidden units (whole strips; all rows) in its own rows,
     * and meets the other parts after each step.
     */
    private final class UnitSplit extends SplitCall {
        @Override
        public void run(int part, int parts) {
            int strips = hidden / strip;
            int h0 = strips * part / parts * strip, h1 = strips * (part + 1) / parts * strip;
            float[] own = partRows[part];
            StepRows step = partSteps[part].at(own, 0, own, shape.batch * gateWidth);
            boolean fused = recurrence.fused();
            try {
                // the projection of every step for this part's columns alone, so that the rows each step copies
                // from pre were written by this core
                if (!rows.perStep() && h1 > h0) {
                    for (int g = 0; g < gates; g++) {
                        projection.columns(oneThread, x, xOffset, 0, shape.rows(), g * hidden + h0, h1 - h0, rows.pre, 0);
                    }
                }
                for (int s = 0; s < shape.steps; s++) {
                    int t = slots.stepTime(s);
                    if (h1 > h0) {
                        input(t, h0, h1, own, fused);
                        cell.forward(t, 0, shape.batch, h0, h1, oneThread, fused, step);
                        keep(t, own, h0, h1 - h0);
                        recurrence.finish(t, 0, shape.batch, h0, h1, out, outColumn, outStride);
                    }
                    barrier.await(part, parts, s);
                }
            } catch (Throwable e) {
                barrier.breakFor(e);
                throw e;
            }
        }

        /**
         * Step t's input for the units [h0, h1) of every gate, into own (rows of G*H): computed when the input
         * is projected per step, else copied from pre, where it was computed for all steps.
         */
        private void input(int t, int h0, int h1, float[] own, boolean fused) {
            for (int g = 0; g < gates; g++) {
                int col0 = g * hidden + h0;
                if (rows.perStep()) {
                    projection.step(oneThread, fused, x, xOffset, t, 0, shape.batch, col0, h1 - h0, own, 0);
                } else {
                    for (int b = 0; b < shape.batch; b++) {
                        System.arraycopy(rows.pre, (rows.preRow(t) + b) * gateWidth + col0, own, b * gateWidth + col0, h1 - h0);
                    }
                }
            }
        }

        /**
         * Copies the part's columns of step t (units [h0, h0 + n) of every gate) from its own rows to the
         * layer's: the gates to pre and the cell's kept rows to its buffer. Nothing in inference mode.
         */
        private void keep(int t, float[] own, int h0, int n) {
            if (!rows.keep()) return;
            copyColumns(own, 0, rows.pre, rows.preRow(t) * gateWidth, h0, n);
            if (cell.kept() != null) copyColumns(own, shape.batch * gateWidth, cell.kept(), rows.keptRow(t) * cell.keptWidth(), h0, n);
        }

        private void copyColumns(float[] from, int fromOffset, float[] to, int toOffset, int h0, int n) {
            for (int b = 0; b < shape.batch; b++) {
                for (int g = 0; g < gates; g++) {
                    int o = b * gateWidth + g * hidden + h0;
                    System.arraycopy(from, fromOffset + o, to, toOffset + o, n);
                }
            }
        }
    }
}
