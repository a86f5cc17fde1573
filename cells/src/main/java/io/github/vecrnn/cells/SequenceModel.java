package io.github.vecrnn.cells;

import io.github.vecrnn.cells.internal.CallGuard;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A recurrent stack followed by a dense head: many-to-many ({@link Readout#PER_STEP}) or many-to-one
 * ({@link Readout#LAST_STEP}, or {@link Readout#FINAL_STATE} for a bidirectional stack's two final states). The head's output rows are logits; losses live in
 * {@code io.github.vecrnn.train}.
 *
 * <p>Row order of the logits: PER_STEP follows the recurrent output layout (row t*B+b sequence-first,
 * b*T+t batch-first); LAST_STEP and FINAL_STATE have one row per sequence, b.
 *
 * <p>Threads: one thread at a time per instance; give each thread a {@link #replica()} for concurrent
 * inference (e.g. {@code ThreadLocal.withInitial(model::replica)}).
 */
public final class SequenceModel {
    private final CallGuard guard = new CallGuard("a SequenceModel");
    private final Embedding embedding;   // token input: ids in, vectors to the stack; null for vector input
    private final int[] tokens;          // [T*B] the ids of a call, for the embedding
    private final Rnn rnn;
    private final Dense head;
    private final Readout readout;
    private final float[] lastStep;  // [B, F] gathered last-step outputs (final states: [B, D*H])
    private final float[] dFinalHidden;   // [L*D, B, H] dL/dh_n for the final-state readout, else null
    private final float[] dOutput;   // [T*B, F] dL/d(rnn output)
    private final float[] rowMask;   // [rows] 1 for rows that count in the loss, 0 for padding
    private final int[] lengthsCopy;
    private int rows, batch, steps;
    private RnnOutput lastOutput;

    public SequenceModel(Rnn rnn, Dense head, Readout readout) {
        this(null, rnn, head, readout);
    }

    /**
     * A model whose input is tokens: each step of x holds one token id (a whole number as a float, one
     * feature), looked up in the embedding (PyTorch's nn.Embedding) before the stack. The embedding's vectors
     * are the stack's input, so its dimension is the stack's input size.
     */
    public SequenceModel(Embedding embedding, Rnn rnn, Dense head, Readout readout) {
        if (readout == null) throw new IllegalArgumentException("readout is null");
        if (embedding != null) {
            if (embedding.dimension() != rnn.inputSize()) {
                throw new IllegalArgumentException("the embedding gives vectors of " + embedding.dimension() + ", the stack takes " + rnn.inputSize());
            }
            long tokensNeeded = (long) rnn.maxSteps() * rnn.maxBatch();
            if (embedding.maxTokens() < tokensNeeded) {
                throw new IllegalArgumentException("the embedding takes at most " + embedding.maxTokens() + " tokens a call, the stack up to "
                        + tokensNeeded + " (maxSteps x maxBatch); build the Embedding with maxTokens " + tokensNeeded);
            }
        }
        if (head.inFeatures() != features(rnn, readout)) {
            throw new IllegalArgumentException("head takes " + head.inFeatures() + " features but the recurrent stack"
                    + (readout == Readout.FINAL_STATE ? "'s final states (directions x hidden) have " : " outputs ") + features(rnn, readout));
        }
        long rowsNeeded = readout == Readout.PER_STEP ? (long) rnn.maxSteps() * rnn.maxBatch() : rnn.maxBatch();
        if (head.maxRows() < rowsNeeded) {
            throw new IllegalArgumentException("the head (Dense) takes at most " + head.maxRows() + " rows, but " + readout
                    + " gives it up to " + rowsNeeded + (readout == Readout.PER_STEP ? " (maxSteps " + rnn.maxSteps()
                    + " x maxBatch " + rnn.maxBatch() + ")" : " (maxBatch)") + "; build the Dense with maxRows " + rowsNeeded);
        }
        this.embedding = embedding;
        this.tokens = embedding == null ? null : new int[rnn.maxSteps() * rnn.maxBatch()];
        this.rnn = rnn;
        this.head = head;
        this.readout = readout;
        int maxRows = rnn.maxSteps() * rnn.maxBatch();
        this.lastStep = new float[rnn.maxBatch() * features(rnn, readout)];
        this.dFinalHidden = readout == Readout.FINAL_STATE ? new float[rnn.layers() * rnn.directions() * rnn.maxBatch() * rnn.hiddenSize()] : null;
        this.dOutput = new float[maxRows * rnn.outputSize()];
        this.rowMask = new float[maxRows];
        this.lengthsCopy = new int[rnn.maxBatch()];
    }

    /** A model sharing this one's weight values with buffers of its own: see {@link Rnn#replica()}. */
    public SequenceModel replica() {
        return new SequenceModel(embedding == null ? null : embedding.replica(), rnn.replica(), head.replica(), readout);
    }

    /**
     * An inference-only snapshot of the whole model over a private copy of its weights (the stack frozen as
     * {@link Rnn#freeze()} does); later training does not change it.
     */
    public FrozenSequenceModel freeze() {
        return new FrozenSequenceModel(new SequenceModel(embedding == null ? null : embedding.frozenCopy(),
                                                         rnn.frozen(rnn.parameters().values().clone()), head.frozenCopy(), readout));
    }

    /** For a frozen model: another over the same weights, with buffers of its own. */
    SequenceModel frozenReplica() {
        return new SequenceModel(embedding == null ? null : embedding.replica(), rnn.frozen(rnn.parameters().values()), head.replica(), readout);
    }

    public Rnn rnn() {
        return rnn;
    }

    /** The token embedding before the stack, or null when the input is vectors. */
    public Embedding embedding() {
        return embedding;
    }

    /** Features per step of the model's input: 1 (the token id) with an embedding, else the stack's input size. */
    public int inputFeatures() {
        return embedding == null ? rnn.inputSize() : 1;
    }

    public Dense head() {
        return head;
    }

    public Readout readout() {
        return readout;
    }

    /** The trainable modules in a fixed order: the embedding (if any), the recurrent stack, then the head. */
    public List<Parameters> parameters() {
        return List.copyOf(namedParameters().values());
    }

    /**
     * The modules under PyTorch-style prefixes, in {@link #parameters()}'s order, for
     * {@code io.github.vecrnn.io.Weights}: "embedding." (if any), "rnn.", "head.".
     */
    public Map<String, Parameters> namedParameters() {
        Map<String, Parameters> m = new LinkedHashMap<>();
        if (embedding != null) m.put("embedding.", embedding.parameters());
        m.put("rnn.", rnn.parameters());
        m.put("head.", head.parameters());
        return m;
    }

    /** Number of head rows of the last forward call: T*B (per step) or B (last step). */
    public int rows() {
        return rows;
    }

    /** 1 for head rows that are real steps, 0 for padding (valid for the first {@link #rows()} entries). */
    public float[] rowMask() {
        return rowMask;
    }

    /** Runs the stack and the head; returns the logits [rows, out] (the head's buffer, reused). */
    public float[] forward(float[] x, int batch, int steps, int[] lengths, RnnState initial) {
        guard.enter();
        try {
            return runForward(x, batch, steps, lengths, initial);
        } finally {
            guard.exit();
        }
    }

    /** Runs the stack and the head on a shaped batch, after checking its feature count and layout. */
    public float[] forward(SequenceBatch x, RnnState initial) {
        x.checkFor(rnn, inputFeatures(), embedding == null ? "the stack" : "the model (token ids)");
        return forward(x.data(), x.batch(), x.steps(), x.lengthsView(), initial);
    }

    private float[] runForward(float[] x, int batch, int steps, int[] lengths, RnnState initial) {
        RnnOutput out = rnn.forward(embedding == null ? x : embed(x, batch, steps), batch, steps, lengths, initial);
        this.lastOutput = out;
        this.batch = batch;
        this.steps = steps;
        int f = rnn.outputSize();
        for (int b = 0; b < batch; b++) lengthsCopy[b] = lengths == null ? steps : lengths[b];
        if (readout == Readout.PER_STEP) {
            rows = steps * batch;
            for (int t = 0; t < steps; t++) {
                for (int b = 0; b < batch; b++) rowMask[out.index(t, b, 0) / f] = t < lengthsCopy[b] ? 1f : 0f;
            }
            return head.forward(out.output(), rows);
        }
        rows = batch;
        java.util.Arrays.fill(rowMask, 0, batch, 1f);
        if (readout == Readout.FINAL_STATE) {   // h_n of the top layer's slices, [B, D*H]
            int h = rnn.hiddenSize(), d = rnn.directions(), top = (rnn.layers() - 1) * d;
            for (int b = 0; b < batch; b++) {
                for (int k = 0; k < d; k++) System.arraycopy(out.finalHidden(), ((top + k) * batch + b) * h, lastStep, (b * d + k) * h, h);
            }
            return head.forward(lastStep, rows);
        }
        for (int b = 0; b < batch; b++) System.arraycopy(out.output(), out.index(lengthsCopy[b] - 1, b, 0), lastStep, b * f, f);
        return head.forward(lastStep, rows);
    }

    /**
     * The logits for each sequence x[n][t][i] (lengths may differ), run in batches of up to maxBatch with dropout
     * off (Keras's {@code predict}): out[n] is the head's row for the last step (LAST_STEP), or its rows for each
     * of the sequence's steps, one after the other (PER_STEP: length x outFeatures). Allocates its result.
     */
    public float[][] predict(float[][][] x) {
        guard.enter();
        try {
            return runPredict(x);
        } finally {
            guard.exit();
        }
    }

    private float[][] runPredict(float[][][] x) {
        int in = inputFeatures(), out = head.outFeatures();
        for (int n = 0; n < x.length; n++) {
            if (x[n].length < 1 || x[n].length > rnn.maxSteps()) {
                throw new IllegalArgumentException("x[" + n + "] has " + x[n].length + " steps, the stack takes 1 to " + rnn.maxSteps() + " (maxSteps)");
            }
            for (int t = 0; t < x[n].length; t++) {
                if (x[n][t].length != in) {
                    throw new IllegalArgumentException("x[" + n + "][" + t + "] has " + x[n][t].length + " features, the stack takes " + in);
                }
            }
        }
        boolean training = rnn.isTraining();
        rnn.training(false);
        try {
            float[][] result = new float[x.length][];
            float[] batchInput = new float[rnn.maxSteps() * rnn.maxBatch() * in];
            int[] lengths = new int[rnn.maxBatch()];
            for (int from = 0; from < x.length; from += rnn.maxBatch()) {
                int batch = Math.min(rnn.maxBatch(), x.length - from), steps = 0;
                for (int b = 0; b < batch; b++) steps = Math.max(steps, x[from + b].length);
                java.util.Arrays.fill(batchInput, 0, steps * batch * in, 0f);
                for (int b = 0; b < batch; b++) {
                    float[][] sequence = x[from + b];
                    lengths[b] = sequence.length;
                    for (int t = 0; t < sequence.length; t++) {
                        int row = rnn.batchFirst() ? b * steps + t : t * batch + b;
                        System.arraycopy(sequence[t], 0, batchInput, row * in, in);
                    }
                }
                float[] logits = runForward(batchInput, batch, steps, lengths, null);
                int f = rnn.outputSize();
                for (int b = 0; b < batch; b++) {
                    if (readout != Readout.PER_STEP) {
                        result[from + b] = java.util.Arrays.copyOfRange(logits, b * out, (b + 1) * out);
                        continue;
                    }
                    float[] rows = new float[lengths[b] * out];
                    for (int t = 0; t < lengths[b]; t++) {
                        System.arraycopy(logits, lastOutput.index(t, b, 0) / f * out, rows, t * out, out);
                    }
                    result[from + b] = rows;
                }
            }
            return result;
        } finally {
            rnn.training(training);
        }
    }

    /** Per-step readout: excludes steps t &lt; firstCounted of the last forward call from the loss. */
    public void maskStepsBefore(int firstCounted) {
        if (readout != Readout.PER_STEP) throw new IllegalStateException("only per-step readouts have steps to mask");
        if (firstCounted < 0) throw new IllegalArgumentException("firstCounted must be >= 0, got " + firstCounted);
        int f = rnn.outputSize();
        for (int t = 0; t < Math.min(firstCounted, steps); t++) {
            for (int b = 0; b < batch; b++) rowMask[lastOutput.index(t, b, 0) / f] = 0f;
        }
    }

    /** The recurrent output of the last forward call. */
    public RnnOutput recurrentOutput() {
        return lastOutput;
    }

    /** Backpropagates dL/dlogits [rows, out] through the head and the stack, adding parameter gradients. */
    public void backward(float[] dLogits) {
        guard.enter();
        try {
            runBackward(dLogits);
        } finally {
            guard.exit();
        }
    }

    private void runBackward(float[] dLogits) {
        stackBackward(dLogits);
        if (embedding != null) embedding.backward(rnn.inputGradient());   // dL/dx of the stack: the rows of the tokens' vectors
    }

    // x [T*B] token ids (as floats, in the stack's layout) -> the stack's input [T*B, E]
    private float[] embed(float[] x, int batch, int steps) {
        int count = steps * batch;
        if (x.length < count) throw new IllegalArgumentException("x has " + x.length + " token ids, " + steps + " steps x " + batch + " needs " + count);
        for (int i = 0; i < count; i++) {
            float id = x[i];
            if (!(id >= 0 && id < embedding.vocabularySize()) || id != (int) id) {
                throw new IllegalArgumentException("x[" + i + "] = " + id + " is not a token id in [0, " + embedding.vocabularySize() + ")");
            }
            tokens[i] = (int) id;
        }
        return embedding.forward(tokens, count);
    }

    private void stackBackward(float[] dLogits) {
        boolean inputGradient = embedding != null;
        float[] dFeatures = head.backward(dLogits);
        int f = rnn.outputSize();
        if (readout == Readout.PER_STEP) {
            rnn.backward(dFeatures, null, null, inputGradient);
            return;
        }
        if (readout == Readout.FINAL_STATE) {   // dL/dh_n: the head's input gradient in the top layer's slices, 0 below
            int h = rnn.hiddenSize(), d = rnn.directions(), top = (rnn.layers() - 1) * d;
            java.util.Arrays.fill(dFinalHidden, 0, top * batch * h, 0f);
            for (int b = 0; b < batch; b++) {
                for (int k = 0; k < d; k++) System.arraycopy(dFeatures, (b * d + k) * h, dFinalHidden, ((top + k) * batch + b) * h, h);
            }
            rnn.backward(null, dFinalHidden, null, inputGradient);
            return;
        }
        java.util.Arrays.fill(dOutput, 0, steps * batch * f, 0f);
        for (int b = 0; b < batch; b++) {
            System.arraycopy(dFeatures, b * f, dOutput, lastOutput.index(lengthsCopy[b] - 1, b, 0), f);
        }
        rnn.backward(dOutput, null, null, inputGradient);
    }

    /** The head's input width for a stack and readout: the output's features, or directions x hidden for final states. */
    public static int features(Rnn rnn, Readout readout) {
        return readout == Readout.FINAL_STATE ? rnn.directions() * rnn.hiddenSize() : rnn.outputSize();
    }

    @Override
    public String toString() {
        return "SequenceModel[" + rnn + " -> Dense " + head.inFeatures() + " -> " + head.outFeatures() + ", " + readout + "]";
    }
}
