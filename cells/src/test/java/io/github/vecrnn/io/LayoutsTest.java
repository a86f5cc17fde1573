package io.github.vecrnn.io;

import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Keras and ONNX converters. ONNX's layout is also checked end to end by OnnxRuntimeOracleTest
 * (export, then ORT on the same input); here: round trips are exact, one Keras step written out by hand
 * from Keras's own equations (x @ kernel + h @ recurrent_kernel + bias, gate columns i f c o / z r h)
 * equals vecrnn's step on converted weights, and bad arrays are refused with nothing loaded.
 */
class LayoutsTest {
    static final int I = 5, H = 3, B = 2;

    @ParameterizedTest
    @ValueSource(strings = {"LSTM", "GRU", "RNN_TANH", "RNN_RELU"})
    void onnxRoundTripIsExact(String kind) {
        Rnn a = Rnn.builder(CellKind.valueOf(kind), I, H).layers(2).bidirectional(true)
                   .peepholes(kind.equals("LSTM")).seed(1).build();
        Rnn b = Rnn.builder(CellKind.valueOf(kind), I, H).layers(2).bidirectional(true)
                   .peepholes(kind.equals("LSTM")).seed(2).build();
        for (int l = 0; l < 2; l++) {
            Layouts.OnnxLayer w = Layouts.toOnnx(a, l);
            Layouts.fromOnnx(b, l, w.w(), w.r(), w.b(), w.p());
        }
        assertArrayEquals(a.parameters().values(), b.parameters().values());
    }

    @Test
    void onnxGateOrderIsIofcAndPeepholesIof() {
        Rnn rnn = Rnn.lstm(1, 1).peepholes(true).build();
        float[] v = rnn.parameters().values();
        int wIh = rnn.parameters().tensor("weight_ih_l0").offset();
        for (int g = 0; g < 4; g++) v[wIh + g] = g;            // PyTorch i=0 f=1 g=2 o=3
        int p = rnn.parameters().tensor("weight_peephole_l0").offset();
        for (int g = 0; g < 3; g++) v[p + g] = 10 + g;         // p_i=10 p_f=11 p_o=12
        Layouts.OnnxLayer onnx = Layouts.toOnnx(rnn, 0);
        assertArrayEquals(new float[] {0, 3, 1, 2}, onnx.w()); // i o f c
        assertArrayEquals(new float[] {10, 12, 11}, onnx.p()); // p_i p_o p_f
    }

    @ParameterizedTest
    @ValueSource(strings = {"lstm", "gru_after", "gru_before", "tanh", "lstm_bi"})
    void kerasStepWrittenFromKerasEquationsMatches(String name) {
        Rnn.Builder builder = switch (name.substring(0, name.indexOf('_') < 0 ? name.length() : name.indexOf('_'))) {
            case "lstm" -> Rnn.lstm(I, H);
            case "gru" -> Rnn.gru(I, H).linearBeforeReset(name.endsWith("after"));
            default -> Rnn.rnn(I, H);
        };
        Rnn rnn = builder.bidirectional(name.endsWith("bi")).maxBatch(B).seed(name.hashCode()).build();
        Rng rng = new Rng(7);
        float[] v = rnn.parameters().values();
        for (int i = 0; i < v.length; i++) v[i] = rng.uniform(-0.8f, 0.8f); // biases too, so b_ih != b_hh
        float[] x = new float[B * I];
        for (int i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
        float[] h0 = new float[rnn.directions() * B * H];
        for (int i = 0; i < h0.length; i++) h0[i] = rng.uniform(-1, 1);
        var state = rnn.newState(B);
        System.arraycopy(h0, 0, state.hidden(), 0, h0.length);
        float[] ours = rnn.forward(x, B, 1, null, state).finalHiddenCopy();

        for (int d = 0; d < rnn.directions(); d++) {
            Layouts.KerasLayer k = Layouts.toKeras(rnn, 0, d == 1);
            for (int b = 0; b < B; b++) {
                double[] keras = kerasStep(rnn, k, x, b, h0, (d * B + b) * H);
                for (int j = 0; j < H; j++) {
                    assertEquals(keras[j], ours[(d * B + b) * H + j], 1e-6, name + " direction " + d + " h[" + b + "," + j + "]");
                }
            }
            // And back: loading the Keras arrays gives the same step.
            Rnn copy = builder.seed(99).build();
            for (int dd = 0; dd < rnn.directions(); dd++) {
                Layouts.KerasLayer kk = Layouts.toKeras(rnn, 0, dd == 1);
                Layouts.fromKeras(copy, 0, dd == 1, kk.kernel(), kk.recurrentKernel(), kk.bias());
            }
            var s2 = copy.newState(B);
            System.arraycopy(h0, 0, s2.hidden(), 0, h0.length);
            float[] again = copy.forward(x, B, 1, null, s2).finalHiddenCopy();
            for (int i = 0; i < again.length; i++) assertEquals(ours[i], again[i], 1e-6, name + " reloaded h[" + i + "]");
        }
    }

    /** One step in Keras's formulation (units = H; the columns of kernel are gates, in Keras order). */
    private static double[] kerasStep(Rnn rnn, Layouts.KerasLayer k, float[] x, int b, float[] h0, int hOff) {
        int cols = rnn.kind().gates() * H;
        double[] xk = new double[cols], hk = new double[cols];
        for (int c = 0; c < cols; c++) {
            for (int i = 0; i < I; i++) xk[c] += x[b * I + i] * k.kernel()[i * cols + c];
            for (int m = 0; m < H; m++) hk[c] += h0[hOff + m] * k.recurrentKernel()[m * cols + c];
        }
        double[] h = new double[H];
        for (int j = 0; j < H; j++) {
            switch (rnn.kind()) {
                case LSTM -> {       // i f c o; c_{t-1} = 0
                    double[] z = new double[4];
                    for (int g = 0; g < 4; g++) z[g] = xk[g * H + j] + hk[g * H + j] + k.bias()[g * H + j];
                    double c = sigmoid(z[0]) * Math.tanh(z[2]);
                    h[j] = sigmoid(z[3]) * Math.tanh(c);
                }
                case GRU -> {        // z r h; reset_after has bias [2, 3H] = input, recurrent
                    boolean after = rnn.linearBeforeReset();
                    double bz = k.bias()[j], br = k.bias()[H + j], bh = k.bias()[2 * H + j];
                    double rz = after ? k.bias()[3 * H + j] : 0, rr = after ? k.bias()[4 * H + j] : 0, rh = after ? k.bias()[5 * H + j] : 0;
                    double z = sigmoid(xk[j] + bz + hk[j] + rz);
                    double r = sigmoid(xk[H + j] + br + hk[H + j] + rr);
                    double cand;
                    if (after) {
                        cand = Math.tanh(xk[2 * H + j] + bh + r * (hk[2 * H + j] + rh));
                    } else {         // (r * h) @ recurrent_kernel[:, 2H:]
                        double rhk = 0;
                        for (int m = 0; m < H; m++) {
                            double rm = sigmoid(xk[H + m] + k.bias()[H + m] + hk[H + m]);
                            rhk += rm * h0[hOff + m] * k.recurrentKernel()[m * cols + 2 * H + j];
                        }
                        cand = Math.tanh(xk[2 * H + j] + bh + rhk);
                    }
                    h[j] = z * h0[hOff + j] + (1 - z) * cand;
                }
                default -> h[j] = Math.tanh(xk[j] + hk[j] + k.bias()[j]);
            }
        }
        return h;
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    @Test
    void wrongShapesAreRefusedAndNothingIsLoaded() {
        Rnn rnn = Rnn.gru(I, H).bidirectional(true).build();
        float[] before = rnn.parameters().values().clone();
        Layouts.OnnxLayer w = Layouts.toOnnx(rnn, 0);
        float[] shortR = new float[w.r().length - 1];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Layouts.fromOnnx(rnn, 0, new float[w.w().length], shortR, w.b(), null));
        assertEquals("R has 53 values, expected shape [2, 9, 3] = 54 values", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> Layouts.fromKeras(rnn, 0, false, new float[I * 9], new float[H * 9], new float[9]));
        assertEquals("bias has 9 values, expected shape [2, 9] (GRU reset_after=True) = 18 values", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Layouts.toOnnx(rnn, 1));
        assertEquals("layer 1 out of range [0, 1)", e.getMessage());
        assertArrayEquals(before, rnn.parameters().values());

        Rnn peep = Rnn.lstm(I, H).peepholes(true).build();
        e = assertThrows(IllegalArgumentException.class, () -> Layouts.toKeras(peep, 0, false));
        assertTrue(e.getMessage().startsWith("Keras has no peephole, coupled input-forget or layer-normalized cell"), e.getMessage());
        Rnn uni = Rnn.lstm(I, H).build();
        e = assertThrows(IllegalArgumentException.class, () -> Layouts.toKeras(uni, 0, true));
        assertTrue(e.getMessage().startsWith("reverse direction requested"), e.getMessage());
    }
}
