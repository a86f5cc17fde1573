package io.github.vecrnn.train;

import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.Fixture;
import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.SequenceModel;
import io.github.vecrnn.io.Weights;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Several optimizer steps of RNN/LSTM/GRU + Linear head against PyTorch (float64): the loss of every
 * step, the gradient norm before clipping, and the final weights. Covers SGD with momentum and
 * clip_grad_norm_, Adam, AdamW, and the MSE, BCE-with-logits and cross-entropy losses, per step and
 * last step, uni- and bidirectional.
 *
 * <p>Tolerance: the float32 forward/backward is within ~1e-6 of PyTorch (PyTorchFixtureTest); five
 * updates with learning rates <= 0.1 and momentum 0.9 carry such differences into the weights scaled
 * by at most lr * (1 + 0.9 + ...) ~ 0.5, and Adam normalizes gradients (its steps are ~lr per element
 * whatever the gradient's error, except where g ~ 0, where m / sqrt(v) is ill-conditioned). Measured:
 * at most 1.1e-7 on weights. Bounds: 2e-6 absolute on weights (20x the measurement) and 1e-5 relative
 * on losses and norms.
 */
class TrainingFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"train_lstm_sgd_mse_clip", "train_gru_adam_bce_last", "train_rnn_adamw_ce_bi"})
    void matchesPyTorchTraining(String name) {
        Fixture f = Fixture.load(name);
        CellKind kind = switch (f.string("kind")) {
            case "lstm" -> CellKind.LSTM;
            case "gru" -> CellKind.GRU;
            default -> CellKind.RNN_TANH;
        };
        int input = f.integer("input"), hidden = f.integer("hidden"), batch = f.integer("batch");
        int steps = f.integer("steps"), outFeatures = f.integer("out_features");
        boolean bi = f.bool("bidirectional");
        Readout readout = f.string("readout").equals("per_step") ? Readout.PER_STEP : Readout.LAST_STEP;
        Rnn rnn = Rnn.builder(kind, input, hidden).bidirectional(bi).maxBatch(batch).maxSteps(steps).build();
        Dense head = new Dense(rnn.outputSize(), outFeatures, steps * batch, new Rng(1));
        SequenceModel model = new SequenceModel(rnn, head, readout);
        Weights.load(f.contents, prefixed("initial.", model.namedParameters()));

        Optimizer optimizer = switch (f.string("optimizer")) {
            case "sgd" -> new Sgd(0.1f, 0.9f);
            case "adam" -> new Adam(0.01f);
            case "adamw" -> Adam.adamW(0.01f, 0.1f);
            default -> throw new IllegalStateException(f.string("optimizer"));
        };
        Loss loss = switch (f.string("loss")) {
            case "mse" -> Loss.MSE;
            case "bce_with_logits" -> Loss.BCE_WITH_LOGITS;
            default -> Loss.CROSS_ENTROPY;
        };
        Trainer trainer = new Trainer(model, loss, optimizer);
        String clip = f.optional("clip");
        if (clip != null) trainer.clipByGlobalNorm(Double.parseDouble(clip));

        float[] x = f.floats("x"), target = f.floats("target");
        float[] losses = f.floats("losses");
        float[] norms = f.has("grad_norms") ? f.floats("grad_norms") : null;
        for (int s = 0; s < losses.length; s++) {
            float value = trainer.step(x, target, batch, steps, null);
            assertClose(name + " loss of step " + (s + 1), value, losses[s], 1e-5);
            if (norms != null) assertClose(name + " gradient norm of step " + (s + 1), trainer.lastGradientNorm(), norms[s], 1e-5);
        }
        double worst = 0;
        for (Map.Entry<String, Parameters> m : model.namedParameters().entrySet()) {
            Parameters p = m.getValue();
            for (Parameters.Tensor t : p.tensors()) {
                float[] expected = f.floats("final." + m.getKey() + t.name());
                assertEquals(t.size(), expected.length);
                for (int i = 0; i < expected.length; i++) {
                    double d = Math.abs(p.values()[t.offset() + i] - expected[i]);
                    worst = Math.max(worst, d);
                    if (!(d <= 2e-6)) {
                        fail(name + " final " + m.getKey() + t.name() + "[" + i + "]: got " + p.values()[t.offset() + i]
                             + ", expected " + expected[i]);
                    }
                }
            }
        }
        System.out.printf("%-26s worst final-weight difference %.2e%n", name, worst);
    }

    static void assertClose(String what, double actual, double expected, double rel) {
        if (!(Math.abs(actual - expected) <= rel * Math.abs(expected) + 1e-7)) {
            fail(what + ": got " + actual + ", expected " + expected);
        }
    }

    static Map<String, Parameters> prefixed(String prefix, Map<String, Parameters> modules) {
        Map<String, Parameters> m = new LinkedHashMap<>();
        modules.forEach((k, v) -> m.put(prefix + k, v));
        return m;
    }
}
