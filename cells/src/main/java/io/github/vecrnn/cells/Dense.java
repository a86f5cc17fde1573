package io.github.vecrnn.cells;

import io.github.vecrnn.cells.internal.CallGuard;

import io.github.vecrnn.kernel.Kernels;

/**
 * A fully connected layer, PyTorch's nn.Linear: y = x W^T + b with W [out, in] ("weight") and
 * b [out] ("bias"), over up to {@code maxRows} rows at once. Initialized like nn.Linear:
 * U(-1/sqrt(in), 1/sqrt(in)) for W and b. Forward and backward allocate nothing.
 */
public final class Dense {
    private final CallGuard guard = new CallGuard("a Dense layer");
    private final Kernels kernels;
    private final int in, out, maxRows;
    private final Parameters params;
    private final int weight, bias;
    private final float[] y, dx, ones;
    private float[] lastX;
    private int lastRows = -1;

    public Dense(int inFeatures, int outFeatures, int maxRows, Rng rng) {
        this(inFeatures, outFeatures, maxRows, rng, Kernels.preferred());
    }

    public Dense(int inFeatures, int outFeatures, int maxRows, Rng rng, Kernels kernels) {
        this(inFeatures, outFeatures, maxRows, rng, kernels, null);
    }

    private Dense(int inFeatures, int outFeatures, int maxRows, Rng rng, Kernels kernels, Parameters shared) {
        if (inFeatures < 1 || outFeatures < 1 || maxRows < 1) {
            throw new IllegalArgumentException("Dense needs in, out and maxRows >= 1, got in=" + inFeatures + ", out="
                    + outFeatures + ", maxRows=" + maxRows);
        }
        if (kernels == null) throw new IllegalArgumentException("kernels is null");
        this.kernels = kernels;
        this.in = inFeatures;
        this.out = outFeatures;
        this.maxRows = maxRows;
        Parameters.Builder b = new Parameters.Builder();
        this.weight = b.add("weight", outFeatures, inFeatures);
        this.bias = b.add("bias", outFeatures);
        if (shared == null) {
            this.params = b.build();
            float bound = (float) (1.0 / Math.sqrt(inFeatures));
            float[] v = params.values();
            for (int i = 0; i < v.length; i++) v[i] = rng.uniform(-bound, bound);
        } else {
            this.params = shared.withValues(shared.values());
        }
        this.y = new float[Shapes.elements("Dense output [maxRows, out]", maxRows, outFeatures)];
        this.dx = new float[Shapes.elements("Dense input gradient [maxRows, in]", maxRows, inFeatures)];
        this.ones = new float[maxRows];
        java.util.Arrays.fill(ones, 1f);
    }

    /** A layer sharing this one's weight values, with its own buffers and gradients (see {@link Rnn#replica()}). */
    public Dense replica() {
        return new Dense(in, out, maxRows, null, kernels, params);
    }

    /** A layer over a private copy of this one's weights, for a frozen model. */
    Dense frozenCopy() {
        return new Dense(in, out, maxRows, null, kernels, params.withValues(params.values().clone()));
    }

    public Parameters parameters() {
        return params;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }

    /** The most rows one call takes. */
    public int maxRows() {
        return maxRows;
    }

    /** y [rows, out] = x [rows, in] W^T + b. Returns the layer's own output buffer (reused by the next call). */
    public float[] forward(float[] x, int rows) {
        guard.enter();
        try {
            return runForward(x, rows);
        } finally {
            guard.exit();
        }
    }

    private float[] runForward(float[] x, int rows) {
        if (rows < 1 || rows > maxRows) throw new IllegalArgumentException("rows must be in [1, " + maxRows + "], got " + rows);
        if (x.length < (long) rows * in) {
            throw new IllegalArgumentException("x has " + x.length + " floats, shape [" + rows + ", " + in + "] needs " + (long) rows * in);
        }
        float[] w = params.values();
        for (int r = 0; r < rows; r++) System.arraycopy(w, bias, y, r * out, out);
        kernels.sgemm(false, true, rows, out, in, 1f, x, 0, in, w, weight, in, 1f, y, 0, out);
        lastX = x;
        lastRows = rows;
        return y;
    }

    /** From dL/dy [rows, out] adds dL/dW and dL/db into the gradients and returns dL/dx [rows, in] (own buffer). */
    public float[] backward(float[] dy) {
        guard.enter();
        try {
            return runBackward(dy);
        } finally {
            guard.exit();
        }
    }

    private float[] runBackward(float[] dy) {
        if (lastRows < 0) throw new IllegalStateException("backward needs a forward call first");
        int rows = lastRows;
        if (dy.length < (long) rows * out) {
            throw new IllegalArgumentException("dy has " + dy.length + " floats, shape [" + rows + ", " + out + "] needs " + (long) rows * out);
        }
        float[] g = params.gradients();
        kernels.sgemm(true, false, out, in, rows, 1f, dy, 0, out, lastX, 0, in, 1f, g, weight, in);   // dW += dy^T x
        kernels.sgemv(true, rows, out, 1f, dy, 0, out, ones, 0, 1f, g, bias);                        // db += sum_r dy
        kernels.sgemm(false, false, rows, in, out, 1f, dy, 0, out, params.values(), weight, in, 0f, dx, 0, in); // dx = dy W
        return dx;
    }
}
