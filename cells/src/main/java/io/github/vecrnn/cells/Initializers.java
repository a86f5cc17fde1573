package io.github.vecrnn.cells;

/**
 * Weight initializers. All draw from a seeded {@link Rng}, so the same seed gives the same weights.
 * <ul>
 *   <li>{@link #pytorchDefault}: every parameter U(-1/sqrt(H), 1/sqrt(H)), what nn.RNN/LSTM/GRU do.</li>
 *   <li>{@link #kerasDefault}: input kernels Glorot uniform, recurrent kernels orthogonal, biases 0 and,
 *       for the LSTM, forget-gate bias 1 (Keras' unit_forget_bias).</li>
 * </ul>
 */
public final class Initializers {
    private Initializers() {
    }

    /** U(-1/sqrt(hidden), 1/sqrt(hidden)) for every element, tensor by tensor in order; constant tensors stay 0. */
    public static void pytorchDefault(Parameters params, int hidden, Rng rng) {
        if (hidden < 1) throw new IllegalArgumentException("hidden must be >= 1, got " + hidden);
        float bound = (float) (1.0 / Math.sqrt(hidden));
        float[] v = params.values();
        for (int i = 0; i < v.length; i++) v[i] = rng.uniform(-bound, bound);
        for (Parameters.Tensor t : params.constants()) java.util.Arrays.fill(v, t.offset(), t.offset() + t.size(), 0f);
    }

    /** Layer-norm gains ({@code layer_norm_*_weight_*}) to 1 and shifts ({@code layer_norm_*_bias_*}) to 0. */
    public static void layerNormDefaults(Parameters params) {
        for (Parameters.Tensor t : params.tensors()) {
            if (t.name().startsWith("layer_norm_")) constant(params, t.name(), t.name().contains("_bias_") ? 0f : 1f);
        }
    }

    /** U(-bound, bound) for one tensor. */
    public static void uniform(Parameters params, String name, float bound, Rng rng) {
        if (!(bound >= 0f) || !Float.isFinite(bound)) throw new IllegalArgumentException("bound must be finite and >= 0, got " + bound);
        Parameters.Tensor t = params.tensor(name);
        float[] v = params.values();
        for (int i = 0; i < t.size(); i++) v[t.offset() + i] = rng.uniform(-bound, bound);
    }

    /** Glorot (Xavier) uniform: U(-sqrt(6 / (fanIn + fanOut)), +sqrt(...)). */
    public static void glorotUniform(Parameters params, String name, int fanIn, int fanOut, Rng rng) {
        if (fanIn < 1 || fanOut < 1) throw new IllegalArgumentException("fanIn and fanOut must be >= 1, got " + fanIn + ", " + fanOut);
        uniform(params, name, (float) Math.sqrt(6.0 / (fanIn + fanOut)), rng);
    }

    /** Sets a tensor to a constant. */
    public static void constant(Parameters params, String name, float value) {
        Parameters.Tensor t = params.tensor(name);
        java.util.Arrays.fill(params.values(), t.offset(), t.offset() + t.size(), value);
    }

    /**
     * Makes each consecutive square block [n, n] of a [blocks * n, n] tensor a random orthogonal matrix
     * (Gram-Schmidt on a Gaussian matrix in float64, signs fixed as in a QR with positive diagonal).
     */
    public static void orthogonalBlocks(Parameters params, String name, int n, Rng rng) {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1, got " + n);
        Parameters.Tensor t = params.tensor(name);
        if (t.shape().length != 2 || t.shape()[1] != n || t.shape()[0] % n != 0) {
            throw new IllegalArgumentException(name + " has shape " + t.shapeString() + ", not [k * " + n + ", " + n + "]");
        }
        float[] v = params.values();
        double[][] q = new double[n][n];
        for (int block = 0; block < t.shape()[0] / n; block++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) q[i][j] = rng.nextGaussian();
                for (int p = 0; p < i; p++) {             // remove the components along earlier rows
                    double dot = 0;
                    for (int j = 0; j < n; j++) dot += q[i][j] * q[p][j];
                    for (int j = 0; j < n; j++) q[i][j] -= dot * q[p][j];
                }
                double norm = 0;
                for (int j = 0; j < n; j++) norm += q[i][j] * q[i][j];
                norm = Math.sqrt(norm);
                for (int j = 0; j < n; j++) q[i][j] /= norm;
            }
            int base = t.offset() + block * n * n;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) v[base + i * n + j] = (float) q[i][j];
            }
        }
    }

    /** Keras' defaults for a recurrent stack: Glorot input weights, orthogonal recurrent blocks, zero biases, LSTM forget bias 1. */
    public static void kerasDefault(Rnn rnn, Rng rng) {
        Parameters p = rnn.parameters();
        int h = rnn.hiddenSize(), gates = rnn.kind().gates();
        for (Parameters.Tensor t : p.tensors()) {
            String name = t.name();
            if (name.startsWith("weight_ih_")) glorotUniform(p, name, t.shape()[1], gates * h, rng);
            else if (name.startsWith("weight_hh_")) orthogonalBlocks(p, name, h, rng);
            else if (!name.startsWith("layer_norm_")) constant(p, name, 0f);
        }
        layerNormDefaults(p);
        if (rnn.kind() == CellKind.LSTM) forgetGateBias(rnn, 1f);
    }

    /**
     * LSTM: sets the forget-gate bias so that b_Wf + b_Rf = value (b_Wf = value, b_Rf = 0), which keeps
     * f near sigmoid(value) at the start and lets gradients flow through long sequences.
     */
    public static void forgetGateBias(Rnn rnn, float value) {
        if (rnn.kind() != CellKind.LSTM) throw new IllegalArgumentException("forget-gate bias is an LSTM setting, not " + rnn.kind());
        if (!rnn.bias()) throw new IllegalArgumentException("forget-gate bias needs biases; this stack was built with bias(false)");
        Parameters p = rnn.parameters();
        int h = rnn.hiddenSize();
        float[] v = p.values();
        for (Parameters.Tensor t : p.tensors()) {
            if (t.name().startsWith("bias_ih_")) java.util.Arrays.fill(v, t.offset() + h, t.offset() + 2 * h, value);
            if (t.name().startsWith("bias_hh_")) java.util.Arrays.fill(v, t.offset() + h, t.offset() + 2 * h, 0f);
        }
    }
}
