package io.github.vecrnn.cells;

/**
 * An inference-only snapshot of an {@link Rnn}, made by {@link Rnn#freeze()}: the stack's configuration
 * and a private copy of its weights, run in evaluation and inference mode. Its outputs and final states
 * are the bits the stack gives in inference mode with the weights it was frozen with.
 *
 * <pre>{@code
 * FrozenRnn served = lstm.freeze();                        // after training or loading weights
 * RnnOutput out = served.forward(x, batch, steps, null, null);
 * }</pre>
 *
 * <p>No one can write its weights, so its layers pack them once and skip the comparison an {@link Rnn}
 * makes at every forward call to notice changed weights (which reads every weight and evicts the packed
 * ones from the core's cache).
 *
 * <p>It holds only what inference needs: no gradients, nothing kept for backward, the states of two
 * steps (FrozenRnnTest measures what freezing allocates against the stack and checks the bound).
 *
 * <p>Like an Rnn, an instance serves one thread at a time; {@link #replica()} gives each thread its own
 * buffers over the same frozen weights. Forward allocates nothing.
 */
public final class FrozenRnn {
    private final Rnn rnn;

    FrozenRnn(Rnn rnn) {
        this.rnn = rnn;
    }

    /**
     * Runs the stack, as {@link Rnn#forward}: {@code input} is [T, B, I] ([B, T, I] when batch-first),
     * {@code lengths} (null: all T) each sequence's length in [1, T], {@code initial} (null: zeros) the
     * initial states. The result is reused by the next call.
     */
    public RnnOutput forward(float[] input, int batch, int steps, int[] lengths, RnnState initial) {
        return rnn.forward(input, batch, steps, lengths, initial);
    }

    /** Runs the stack on a shaped batch, as {@link Rnn#forward(SequenceBatch, RnnState)}. */
    public RnnOutput forward(SequenceBatch x, RnnState initial) {
        return rnn.forward(x, initial);
    }

    /** A zero state for this stack and batch size. */
    public RnnState newState(int batch) {
        return rnn.newState(batch);
    }

    /** A snapshot over the same frozen weights with buffers of its own, for another thread. */
    public FrozenRnn replica() {
        return new FrozenRnn(rnn.frozen(rnn.parameters().values()));
    }

    public int inputSize() {
        return rnn.inputSize();
    }

    /** Width of each output step: 2H for a bidirectional concat, else H. */
    public int outputSize() {
        return rnn.outputSize();
    }

    public int maxBatch() {
        return rnn.maxBatch();
    }

    public int maxSteps() {
        return rnn.maxSteps();
    }

    @Override
    public String toString() {
        return "Frozen" + rnn;
    }
}
