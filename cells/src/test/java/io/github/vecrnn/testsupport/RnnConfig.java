package io.github.vecrnn.testsupport;

import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Merge;
import io.github.vecrnn.cells.Rnn;

/**
 * A stack's configuration as the tests name it: the cell and its options. Built with {@link #of} and
 * withers ({@code RnnConfig.of(CellKind.LSTM).withPeepholes().withBidirectional()}), printed as a short label.
 */
public record RnnConfig(CellKind kind, boolean peepholes, boolean inputForget, boolean resetBefore, boolean bidirectional,
                        Merge merge, int layers, boolean batchFirst, boolean layerNorm) {

    public static RnnConfig of(CellKind kind) {
        return new RnnConfig(kind, false, false, false, false, Merge.CONCAT, 1, false, false);
    }

    public RnnConfig withPeepholes() {
        return new RnnConfig(kind, true, inputForget, resetBefore, bidirectional, merge, layers, batchFirst, layerNorm);
    }

    /** The coupled input and forget gate (CIFG, ONNX input_forget). */
    public RnnConfig withCoupledGates() {
        return new RnnConfig(kind, peepholes, true, resetBefore, bidirectional, merge, layers, batchFirst, layerNorm);
    }

    /** The GRU with the reset gate before the recurrent product. */
    public RnnConfig withResetBefore() {
        return new RnnConfig(kind, peepholes, inputForget, true, bidirectional, merge, layers, batchFirst, layerNorm);
    }

    public RnnConfig withBidirectional() {
        return new RnnConfig(kind, peepholes, inputForget, resetBefore, true, merge, layers, batchFirst, layerNorm);
    }

    /** Bidirectional, merged this way. */
    public RnnConfig withMerge(Merge how) {
        return new RnnConfig(kind, peepholes, inputForget, resetBefore, true, how, layers, batchFirst, layerNorm);
    }

    public RnnConfig withLayers(int count) {
        return new RnnConfig(kind, peepholes, inputForget, resetBefore, bidirectional, merge, count, batchFirst, layerNorm);
    }

    public RnnConfig withBatchFirst() {
        return new RnnConfig(kind, peepholes, inputForget, resetBefore, bidirectional, merge, layers, true, layerNorm);
    }

    public RnnConfig withLayerNorm() {
        return new RnnConfig(kind, peepholes, inputForget, resetBefore, bidirectional, merge, layers, batchFirst, true);
    }

    /** A builder of this configuration (maxBatch, maxSteps, seed and kernels left to the caller). */
    public Rnn.Builder builder(int input, int hidden) {
        Rnn.Builder b = Rnn.builder(kind, input, hidden).peepholes(peepholes).inputForget(inputForget)
                .linearBeforeReset(!resetBefore).bidirectional(bidirectional).layers(layers).batchFirst(batchFirst)
                .layerNorm(layerNorm);
        return bidirectional ? b.merge(merge) : b;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(kind.name().toLowerCase());
        if (peepholes) s.append(" peepholes");
        if (inputForget) s.append(" coupled");
        if (resetBefore) s.append(" reset-before");
        if (layerNorm) s.append(" layer-norm");
        if (bidirectional) s.append(merge == Merge.CONCAT ? " bidirectional" : " bidirectional-" + merge.name().toLowerCase());
        if (layers > 1) s.append(' ').append(layers).append("-layers");
        if (batchFirst) s.append(" batch-first");
        return s.toString();
    }
}
