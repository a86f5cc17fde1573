package io.github.vecrnn.cells;

import io.github.vecrnn.cells.internal.CallGuard;

/**
 * A lookup table of token vectors, PyTorch's nn.Embedding: row i of "weight" [vocab, dim] is the
 * vector of token i. Initialized N(0, 1) like nn.Embedding. Backward adds each output row's gradient
 * into the row of its token.
 */
public final class Embedding {
    private final CallGuard guard = new CallGuard("an Embedding");
    private final int vocab, dim, maxTokens;
    private final Parameters params;
    private final float[] out;
    private final int[] lastTokens;
    private int lastCount = -1;

    public Embedding(int vocab, int dim, int maxTokens, Rng rng) {
        this(vocab, dim, maxTokens, rng, null);
    }

    private Embedding(int vocab, int dim, int maxTokens, Rng rng, Parameters shared) {
        if (vocab < 1 || dim < 1 || maxTokens < 1) {
            throw new IllegalArgumentException("Embedding needs vocab, dim and maxTokens >= 1, got " + vocab + ", " + dim + ", " + maxTokens);
        }
        this.vocab = vocab;
        this.dim = dim;
        this.maxTokens = maxTokens;
        this.out = new float[Shapes.elements("Embedding output [maxTokens, dim]", maxTokens, dim)];
        if (shared != null) {
            this.params = shared;
        } else {
            Parameters.Builder b = new Parameters.Builder();
            b.add("weight", vocab, dim);
            this.params = b.build();
            float[] v = params.values();
            for (int i = 0; i < v.length; i++) v[i] = (float) rng.nextGaussian();
        }
        this.lastTokens = new int[maxTokens];
    }

    /** A table sharing this one's weight values, with its own buffers and gradients (see {@link Rnn#replica()}). */
    public Embedding replica() {
        return new Embedding(vocab, dim, maxTokens, null, params.withValues(params.values()));
    }

    /** A table over a private copy of this one's weights, for a frozen model. */
    Embedding frozenCopy() {
        return new Embedding(vocab, dim, maxTokens, null, params.withValues(params.values().clone()));
    }

    /** The most tokens one call takes. */
    public int maxTokens() {
        return maxTokens;
    }

    public Parameters parameters() {
        return params;
    }

    public int vocabularySize() {
        return vocab;
    }

    public int dimension() {
        return dim;
    }

    /** Rows [count, dim] for tokens[0 .. count), in the order given. Returns the layer's own buffer. */
    public float[] forward(int[] tokens, int count) {
        guard.enter();
        try {
            return runForward(tokens, count);
        } finally {
            guard.exit();
        }
    }

    private float[] runForward(int[] tokens, int count) {
        if (count < 1 || count > maxTokens) throw new IllegalArgumentException("count must be in [1, " + maxTokens + "], got " + count);
        if (tokens.length < count) throw new IllegalArgumentException("tokens has " + tokens.length + " entries, count is " + count);
        for (int i = 0; i < count; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new IllegalArgumentException("tokens[" + i + "] = " + tokens[i] + " is outside [0, " + vocab + ")");
            }
        }
        float[] w = params.values();
        for (int i = 0; i < count; i++) {
            System.arraycopy(w, tokens[i] * dim, out, i * dim, dim);
            lastTokens[i] = tokens[i];
        }
        lastCount = count;
        return out;
    }

    /** Adds dL/d(row i) into the gradient row of token i, for the last forward call. */
    public void backward(float[] dOut) {
        guard.enter();
        try {
            runBackward(dOut);
        } finally {
            guard.exit();
        }
    }

    private void runBackward(float[] dOut) {
        if (lastCount < 0) throw new IllegalStateException("backward needs a forward call first");
        if (dOut.length < (long) lastCount * dim) {
            throw new IllegalArgumentException("dOut has " + dOut.length + " floats, shape [" + lastCount + ", " + dim + "] needs "
                    + (long) lastCount * dim);
        }
        float[] g = params.gradients();
        for (int i = 0; i < lastCount; i++) {
            int row = lastTokens[i] * dim, o = i * dim;
            for (int j = 0; j < dim; j++) g[row + j] += dOut[o + j];
        }
    }
}
