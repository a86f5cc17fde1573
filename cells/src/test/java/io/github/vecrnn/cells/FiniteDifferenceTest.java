package io.github.vecrnn.cells;

import io.github.vecrnn.testsupport.RnnConfig;
import io.github.vecrnn.testsupport.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

/**
 * What PyTorch cannot check (LSTM peepholes and coupled input-forget gate, GRU "reset before", the
 * sum/mul/average merges, layer normalization), checked against {@link ReferenceRnn}, an independent float64
 * implementation: vecrnn's forward against the reference's, and every gradient vecrnn computes
 * (parameters, inputs, initial states) against central finite differences of the reference's loss.
 *
 * <p>Tolerances: forward as in PyTorchFixtureTest (4e-6 absolute + 4e-5 relative; float32 against
 * float64). Finite differences use h = 1e-6 in float64: truncation error ~h^2 |L'''| ~ 1e-12 and
 * cancellation ~1e-16 |L| / h ~ 1e-9, both negligible; the comparison is thus float32 backward
 * against the exact derivative, with the same 4e-6 / 4e-5 bounds.
 */
class FiniteDifferenceTest {
    static final double ABS = 4e-6, REL = 4e-5, H = 1e-6;
    static final int INPUT = 5, HIDDEN = 7, BATCH = 3, STEPS = 6;

    /** The cases: a name (which seeds the case's data), the configuration, whether the batch is padded. */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("lstm_peep", RnnConfig.of(CellKind.LSTM).withPeepholes(), false),
                Arguments.of("lstm_coupled", RnnConfig.of(CellKind.LSTM).withCoupledGates(), false),
                Arguments.of("lstm_peep_coupled_bi_padded", RnnConfig.of(CellKind.LSTM).withPeepholes().withCoupledGates().withBidirectional(), true),
                Arguments.of("gru_before", RnnConfig.of(CellKind.GRU).withResetBefore(), false),
                Arguments.of("gru_before_bi_padded", RnnConfig.of(CellKind.GRU).withResetBefore().withBidirectional(), true),
                Arguments.of("gru_after_padded", RnnConfig.of(CellKind.GRU), true),
                Arguments.of("lstm_bi_sum", RnnConfig.of(CellKind.LSTM).withMerge(Merge.SUM), false),
                Arguments.of("lstm_bi_mul_padded", RnnConfig.of(CellKind.LSTM).withMerge(Merge.MUL), true),
                Arguments.of("gru_bi_avg", RnnConfig.of(CellKind.GRU).withMerge(Merge.AVERAGE), false),
                Arguments.of("relu_bi_mul", RnnConfig.of(CellKind.RNN_RELU).withMerge(Merge.MUL), false),
                Arguments.of("tanh_bi_padded", RnnConfig.of(CellKind.RNN_TANH).withBidirectional(), true),
                Arguments.of("lstm_ln", RnnConfig.of(CellKind.LSTM).withLayerNorm(), false),
                Arguments.of("lstm_ln_bi", RnnConfig.of(CellKind.LSTM).withLayerNorm().withBidirectional(), false),
                Arguments.of("lstm_ln_peep_coupled_bi_padded",
                             RnnConfig.of(CellKind.LSTM).withLayerNorm().withPeepholes().withCoupledGates().withBidirectional(), true),
                Arguments.of("gru_ln", RnnConfig.of(CellKind.GRU).withLayerNorm(), false),
                Arguments.of("gru_ln_bi_padded", RnnConfig.of(CellKind.GRU).withLayerNorm().withBidirectional(), true));
    }

    static Rnn build(String name, RnnConfig config) {
        Rnn.Builder b = config.builder(INPUT, HIDDEN).maxBatch(BATCH).maxSteps(STEPS).seed(name.hashCode());
        Rnn rnn = b.build();
        if (rnn.layerNorm()) {
            // Layer-norm gains start at 1 and shifts at 0; random values make every term of their gradients
            // count. The weights are drawn from U(-1, 1) instead of U(-1/sqrt(7), 1/sqrt(7)): a normalization
            // divides by its row's standard deviation, and so multiplies the row's float32 rounding error by
            // 1/std. With the default init and H = 7 the rows have std ~0.1, two normalizations in series
            // (recurrent projection, then cell state) amplify rounding ~100x and the float32 gradients miss the
            // float64 bound by up to 6x, on either direction and varying with the seed (measured); with std ~1
            // rows the same code is within the bound. That is the function's conditioning, not an error.
            Rng rng = new Rng(name.hashCode() + 5L);
            for (Parameters.Tensor t : rnn.parameters().tensors()) {
                float center = t.name().contains("_bias_") || !t.name().startsWith("layer_norm_") ? 0f : 1f;
                float spread = t.name().startsWith("layer_norm_") ? 0.5f : 1f;
                for (int i = 0; i < t.size(); i++) rnn.parameters().values()[t.offset() + i] = center + rng.uniform(-spread, spread);
            }
        }
        return rnn;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferences(String name, RnnConfig config, boolean padded) {
        Rnn rnn = build(name, config);
        ReferenceRnn ref = new ReferenceRnn(rnn);
        Rng rng = new Rng(name.hashCode() * 31L);
        int dirs = rnn.directions(), f = rnn.outputSize();
        boolean lstm = rnn.kind() == CellKind.LSTM;
        // Peephole weights start at U(-1/sqrt(H), 1/sqrt(H)) like every parameter.
        float[] x = TestData.uniform(rng, STEPS * BATCH * INPUT, 1f);
        float[] dOut = TestData.uniform(rng, STEPS * BATCH * f, 1f);
        float[] dH = TestData.uniform(rng, dirs * BATCH * HIDDEN, 1f);
        float[] dC = lstm ? TestData.uniform(rng, dirs * BATCH * HIDDEN, 1f) : null;
        RnnState initial = rnn.newState(BATCH);
        System.arraycopy(TestData.uniform(rng, initial.hidden().length, 0.5f), 0, initial.hidden(), 0, initial.hidden().length);
        if (lstm) System.arraycopy(TestData.uniform(rng, initial.cell().length, 0.5f), 0, initial.cell(), 0, initial.cell().length);
        int[] lengths = padded ? new int[] {6, 2, 4} : null;

        RnnOutput out = rnn.forward(x, BATCH, STEPS, lengths, initial);
        rnn.parameters().zeroGradients();
        rnn.backward(dOut, dH, dC);

        double[] w = toDouble(rnn.parameters().values());
        double[][][] xs = cube(x, STEPS, BATCH, INPUT), h0 = cube(initial.hidden(), dirs, BATCH, HIDDEN);
        double[][][] c0 = lstm ? cube(initial.cell(), dirs, BATCH, HIDDEN) : null;
        double[][][] dOutC = cube(dOut, STEPS, BATCH, f), dHC = cube(dH, dirs, BATCH, HIDDEN);
        double[][][] dCC = lstm ? cube(dC, dirs, BATCH, HIDDEN) : null;

        ReferenceRnn.Result r = ref.forward(w, xs, h0, c0, lengths);
        Tolerance.assertClose(name + " out", out.output(), flat(r.out()), ABS, REL);
        Tolerance.assertClose(name + " h_n", out.finalHidden(), flat(r.hN()), ABS, REL);
        if (lstm) Tolerance.assertClose(name + " c_n", out.finalCell(), flat(r.cN()), ABS, REL);

        // every parameter
        float[] fd = new float[w.length];
        for (int k = 0; k < w.length; k++) {
            double keep = w[k];
            w[k] = keep + H;
            double plus = ReferenceRnn.loss(ref.forward(w, xs, h0, c0, lengths), dOutC, dHC, dCC);
            w[k] = keep - H;
            double minus = ReferenceRnn.loss(ref.forward(w, xs, h0, c0, lengths), dOutC, dHC, dCC);
            w[k] = keep;
            fd[k] = (float) ((plus - minus) / (2 * H));
        }
        for (Parameters.Tensor t : rnn.parameters().tensors()) {
            Tolerance.assertClose(name + " d" + t.name(), slice(rnn.parameters().gradients(), t), slice(fd, t), ABS, REL);
        }
        // inputs and initial states
        Tolerance.assertClose(name + " dx", rnn.inputGradient(), finiteDifferences(xs, () -> ReferenceRnn.loss(
                ref.forward(w, xs, h0, c0, lengths), dOutC, dHC, dCC)), ABS, REL);
        Tolerance.assertClose(name + " dh0", rnn.initialHiddenGradient(), finiteDifferences(h0, () -> ReferenceRnn.loss(
                ref.forward(w, xs, h0, c0, lengths), dOutC, dHC, dCC)), ABS, REL);
        if (lstm) {
            Tolerance.assertClose(name + " dc0", rnn.initialCellGradient(), finiteDifferences(c0, () -> ReferenceRnn.loss(
                    ref.forward(w, xs, h0, c0, lengths), dOutC, dHC, dCC)), ABS, REL);
        }
    }

    private static float[] finiteDifferences(double[][][] v, java.util.function.DoubleSupplier loss) {
        float[] out = new float[v.length * v[0].length * v[0][0].length];
        int k = 0;
        for (double[][] a : v) {
            for (double[] row : a) {
                for (int j = 0; j < row.length; j++) {
                    double keep = row[j];
                    row[j] = keep + H;
                    double plus = loss.getAsDouble();
                    row[j] = keep - H;
                    double minus = loss.getAsDouble();
                    row[j] = keep;
                    out[k++] = (float) ((plus - minus) / (2 * H));
                }
            }
        }
        return out;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    static double[][][] cube(float[] a, int n0, int n1, int n2) {
        double[][][] c = new double[n0][n1][n2];
        for (int i = 0; i < n0; i++)
            for (int j = 0; j < n1; j++)
                for (int k = 0; k < n2; k++) c[i][j][k] = a[(i * n1 + j) * n2 + k];
        return c;
    }

    static float[] flat(double[][][] c) {
        float[] a = new float[c.length * c[0].length * c[0][0].length];
        int k = 0;
        for (double[][] x : c) for (double[] y : x) for (double z : y) a[k++] = (float) z;
        return a;
    }

    static float[] slice(float[] a, Parameters.Tensor t) {
        return java.util.Arrays.copyOfRange(a, t.offset(), t.offset() + t.size());
    }
}
