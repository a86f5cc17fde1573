package io.github.vecrnn.cells;

/**
 * An inference-only snapshot of a whole {@link SequenceModel} (the recurrent stack and its head), made by
 * {@link SequenceModel#freeze()}: a private copy of the weights, evaluation and inference mode, the stack's
 * frozen layers ({@link FrozenRnn}). Its logits are the bits the model gives in inference mode with the weights
 * it was frozen with.
 *
 * <pre>{@code
 * FrozenSequenceModel served = model.freeze();
 * ThreadLocal<FrozenSequenceModel> perThread = ThreadLocal.withInitial(served::replica);
 * float[][] logits = perThread.get().predict(sequences);
 * }</pre>
 *
 * <p>One thread at a time per instance; {@link #replica()} gives another thread its own buffers over the same
 * frozen weights. {@link #forward} allocates nothing.
 */
public final class FrozenSequenceModel {
    private final SequenceModel model;

    FrozenSequenceModel(SequenceModel model) {
        this.model = model;
    }

    /**
     * The logits [rows, out] for a batch, as {@link SequenceModel#forward} (rows: T*B per step, B for the last
     * step); the result is reused by the next call.
     */
    public float[] forward(float[] x, int batch, int steps, int[] lengths, RnnState initial) {
        return model.forward(x, batch, steps, lengths, initial);
    }

    /** The logits for a shaped batch, as {@link SequenceModel#forward(SequenceBatch, RnnState)}. */
    public float[] forward(SequenceBatch x, RnnState initial) {
        return model.forward(x, initial);
    }

    /** The logits of each sequence x[n][t][i], as {@link SequenceModel#predict}; allocates its result. */
    public float[][] predict(float[][][] x) {
        return model.predict(x);
    }

    /** A snapshot over the same frozen weights with buffers of its own, for another thread. */
    public FrozenSequenceModel replica() {
        return new FrozenSequenceModel(model.frozenReplica());
    }

    /** Head rows of the last forward call: T*B (per step) or B (last step). */
    public int rows() {
        return model.rows();
    }

    public Readout readout() {
        return model.readout();
    }

    public int inputSize() {
        return model.rnn().inputSize();
    }

    public int outFeatures() {
        return model.head().outFeatures();
    }

    public int maxBatch() {
        return model.rnn().maxBatch();
    }

    public int maxSteps() {
        return model.rnn().maxSteps();
    }

    @Override
    public String toString() {
        return "Frozen" + model;
    }
}
