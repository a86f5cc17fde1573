package io.github.vecrnn.cells;

import io.github.vecrnn.io.Weights;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Forward outputs, final states and every gradient of RNN/LSTM/GRU layers against PyTorch 1.13
 * (float64 autograd), for 1 and 2 layers, uni- and bidirectional, batch 1 and above, T = 1 and
 * above, sequence- and batch-first, and padded batches (pack_padded_sequence).
 *
 * <p>Tolerance, |vecrnn - torch| <= ABS + REL * |torch|: vecrnn computes in float32 with activations
 * accurate to 1e-7 absolute; each value is a chain of at most a few hundred float32 roundings
 * (dot products of length <= 50 per step, accumulated over <= 6 steps and 2 layers), each at most
 * 2^-24 = 6e-8 relative to magnitudes of order 1, so errors up to ~1e-6 are plausible. ABS = 4e-6
 * and REL = 4e-5 leave that margin (measured worst: 4e-7, a tenth of ABS) yet catch any real mistake (a wrong gate, index or sign changes
 * values by 1e-2 or more). The measured worst case is printed by the test.
 */
class PyTorchFixtureTest {
    static final double ABS = 4e-6, REL = 4e-5;

    static List<String> layerFixtures() {
        List<String> names = new ArrayList<>();
        for (String kind : new String[] {"lstm", "gru", "rnn_tanh", "rnn_relu"}) {
            for (String c : new String[] {"_l1", "_b1_t1", "_l2_bi_padded", "_l2_bi"}) names.add(kind + c);
        }
        names.add("lstm_nobias_l2_bi_padded");   // nn.LSTM(bias=False): Rnn.Builder.bias(false)
        names.add("gru_nobias_l1");
        return names;
    }

    static Rnn build(Fixture f) {
        CellKind kind = switch (f.string("kind")) {
            case "lstm" -> CellKind.LSTM;
            case "gru" -> CellKind.GRU;
            case "rnn_tanh" -> CellKind.RNN_TANH;
            case "rnn_relu" -> CellKind.RNN_RELU;
            default -> throw new IllegalStateException(f.string("kind"));
        };
        Rnn rnn = Rnn.builder(kind, f.integer("input"), f.integer("hidden")).layers(f.integer("layers"))
                .bidirectional(f.bool("bidirectional")).batchFirst(f.bool("batch_first"))
                .bias(f.bool("bias", true)).maxBatch(f.integer("batch")).maxSteps(f.integer("steps")).build();
        Weights.load(f.contents, Map.of("param.", rnn.parameters()));
        return rnn;
    }

    @ParameterizedTest
    @MethodSource("layerFixtures")
    void matchesPyTorch(String name) {
        Fixture f = Fixture.load(name);
        Rnn rnn = build(f);
        int batch = f.integer("batch"), steps = f.integer("steps");
        RnnState initial = rnn.newState(batch);
        System.arraycopy(f.floats("h0"), 0, initial.hidden(), 0, initial.hidden().length);
        if (f.has("c0")) System.arraycopy(f.floats("c0"), 0, initial.cell(), 0, initial.cell().length);
        int[] lengths = f.has("lengths") ? f.ints("lengths") : null;

        float[] x = f.floats("x");
        RnnOutput out = rnn.forward(x, batch, steps, lengths, initial);
        double worst = 0;
        worst = Math.max(worst, check(name + " out", out.output(), f.floats("out")));
        worst = Math.max(worst, check(name + " h_n", out.finalHidden(), f.floats("h_n")));
        if (f.has("c_n")) worst = Math.max(worst, check(name + " c_n", out.finalCell(), f.floats("c_n")));

        rnn.parameters().zeroGradients();
        rnn.backward(f.floats("d_out"), f.floats("d_h_n"), f.has("d_c_n") ? f.floats("d_c_n") : null);
        worst = Math.max(worst, check(name + " grad x", rnn.inputGradient(), f.floats("grad.x")));
        worst = Math.max(worst, check(name + " grad h0", rnn.initialHiddenGradient(), f.floats("grad.h0")));
        if (f.has("grad.c0")) worst = Math.max(worst, check(name + " grad c0", rnn.initialCellGradient(), f.floats("grad.c0")));
        Parameters p = rnn.parameters();
        for (Parameters.Tensor t : p.tensors()) {
            float[] expected = f.floats("grad." + t.name());
            assertEquals(t.size(), expected.length, t.name());
            float[] actual = java.util.Arrays.copyOfRange(p.gradients(), t.offset(), t.offset() + t.size());
            worst = Math.max(worst, check(name + " grad " + t.name(), actual, expected));
        }
        System.out.printf("%-24s worst error / tolerance = %.3f%n", name, worst);
    }

    static double check(String what, float[] actual, float[] expected) {
        Tolerance.assertClose(what, actual, expected, ABS, REL);
        return Tolerance.worst(actual, expected, expected.length, ABS, REL);
    }
}
