package io.github.vecrnn.train;

import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.RnnState;
import io.github.vecrnn.cells.SequenceModel;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingTest {

    /** The course's Keras example: LSTM(32) on (10, 5) -> Dense(1, sigmoid), Adam, binary cross-entropy. */
    @Test
    void kerasExampleLearnsASyntheticTask() {
        int batch = 32, steps = 10, features = 5;
        Rnn lstm = Rnn.lstm(features, 32).batchFirst(true).maxBatch(batch).maxSteps(steps).seed(1).build();
        SequenceModel model = new SequenceModel(lstm, new Dense(32, 1, batch, new Rng(2)), Readout.LAST_STEP);
        Trainer trainer = new Trainer(model, Loss.BCE_WITH_LOGITS, new Adam(1e-2f));

        // Label: is the sum of feature 0 over the sequence positive?
        Rng rng = new Rng(3);
        float[] x = new float[batch * steps * features], y = new float[batch];
        float first = 0, last = 0;
        for (int step = 0; step < 150; step++) {
            makeBatch(rng, x, y, batch, steps, features);
            float loss = trainer.step(x, y, batch, steps, null);
            if (step == 0) first = loss;
            last = loss;
        }
        assertEquals(Math.log(2), first, 0.1, "an untrained classifier is near ln 2");
        makeBatch(rng, x, y, batch, steps, features);
        float[] logits = model.forward(x, batch, steps, null, null);
        int correct = 0;
        for (int b = 0; b < batch; b++) if ((logits[b] > 0) == (y[b] > 0.5f)) correct++;
        assertTrue(last < 0.25f, "final training loss " + last);
        assertTrue(correct >= 29, "held-out accuracy " + correct + "/32");
    }

    static void makeBatch(Rng rng, float[] x, float[] y, int batch, int steps, int features) {
        for (int b = 0; b < batch; b++) {
            float sum = 0;
            for (int t = 0; t < steps; t++) {
                for (int f = 0; f < features; f++) x[(b * steps + t) * features + f] = rng.uniform(-1, 1);
                sum += x[(b * steps + t) * features];
            }
            y[b] = sum > 0 ? 1f : 0f;
        }
    }

    @Test
    void aNonFiniteLossStopsTrainingAndKeepsTheWeights() {
        Rnn gru = Rnn.gru(3, 4).maxBatch(2).maxSteps(3).build();
        SequenceModel model = new SequenceModel(gru, new Dense(4, 1, 6, new Rng(1)), Readout.PER_STEP);
        Trainer trainer = new Trainer(model, Loss.MSE, new Sgd(0.1f));
        float[] x = new float[18], y = new float[6];
        trainer.step(x, y, 2, 3, null);
        float[] good = gru.parameters().values().clone();
        y[4] = Float.POSITIVE_INFINITY;
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> trainer.step(x, y, 2, 3, null));
        assertEquals(2, e.step());
        assertNull(e.parameter());
        assertTrue(e.getMessage().contains("step 2: the loss is"), e.getMessage());
        assertArrayEquals(good, gru.parameters().values());
        assertEquals(1, trainer.steps());
    }

    @Test
    void aNonFiniteGradientIsNamed() {
        Rnn lstm = Rnn.lstm(3, 4).build();
        Dense head = new Dense(4, 2, 1, new Rng(1));
        lstm.parameters().gradients()[lstm.parameters().tensor("weight_hh_l0").offset() + 5] = Float.NaN;
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> Trainer.checkGradients(7,
                List.of(lstm.parameters(), head.parameters()), List.of("rnn.", "head.")));
        assertEquals("rnn.weight_hh_l0[5]", e.parameter());
        assertEquals(7, e.step());
    }

    @Test
    void truncatedBpttWithEqualWindowsIsStatefulTrainingInChunks() {
        int batch = 2, chunk = 4, total = 12;
        Trainer a = trainer(chunk), b = trainer(chunk);
        Rng rng = new Rng(4);
        float[] x = new float[total * batch * 3], y = new float[total * batch];
        for (int i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
        for (int i = 0; i < y.length; i++) y[i] = rng.uniform(-1, 1);

        RnnState stateA = a.model().rnn().newState(batch);
        float lossA = a.stepTruncated(x, y, batch, total, chunk, chunk, stateA);

        // By hand: three stateful steps on consecutive chunks, the state carried between them.
        RnnState stateB = b.model().rnn().newState(batch);
        double sum = 0;
        for (int c = 0; c < total / chunk; c++) {
            float[] xc = java.util.Arrays.copyOfRange(x, c * chunk * batch * 3, (c + 1) * chunk * batch * 3);
            float[] yc = java.util.Arrays.copyOfRange(y, c * chunk * batch, (c + 1) * chunk * batch);
            sum += b.step(xc, yc, batch, chunk, null, stateB);
            stateB.carryFrom(b.model().recurrentOutput());
        }
        assertEquals(sum / 3, lossA, 1e-6);
        assertArrayEquals(b.model().rnn().parameters().values(), a.model().rnn().parameters().values());
        assertArrayEquals(stateB.hidden(), stateA.hidden());
        assertEquals(3, a.steps());
    }

    @Test
    void truncatedBpttLongerWindowsReachFurtherBack() {
        // k2 = 2 k1: each update re-runs the previous k1 steps, so gradients reach 8 steps back while
        // the loss counts 4 new steps. Compared with k1 = k2 = 4, the first update is identical (there
        // is no earlier chunk) and the later ones differ.
        int batch = 2, total = 12;
        Trainer shortWindow = trainer(8), longWindow = trainer(8);
        Rng rng = new Rng(5);
        float[] x = new float[total * batch * 3], y = new float[total * batch];
        for (int i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
        for (int i = 0; i < y.length; i++) y[i] = rng.uniform(-1, 1);
        float[] x4 = java.util.Arrays.copyOf(x, 4 * batch * 3), y4 = java.util.Arrays.copyOf(y, 4 * batch);
        Parameters ps = shortWindow.model().rnn().parameters(), pl = longWindow.model().rnn().parameters();
        shortWindow.stepTruncated(x4, y4, batch, 4, 4, 4, null);
        longWindow.stepTruncated(x4, y4, batch, 4, 4, 8, null);
        assertArrayEquals(ps.values(), pl.values(), "one chunk: nothing earlier to reach");
        shortWindow.stepTruncated(x, y, batch, total, 4, 4, null);
        longWindow.stepTruncated(x, y, batch, total, 4, 8, null);
        assertTrue(!java.util.Arrays.equals(ps.values(), pl.values()), "longer windows change the gradients");
        assertThrows(IllegalArgumentException.class, () -> longWindow.stepTruncated(x, y, batch, total, 4, 6, null));
        assertThrows(IllegalArgumentException.class, () -> longWindow.stepTruncated(x, y, batch, 10, 4, 8, null));
    }

    static Trainer trainer(int maxSteps) {
        Rnn lstm = Rnn.lstm(3, 6).maxBatch(2).maxSteps(maxSteps).seed(8).build();
        SequenceModel model = new SequenceModel(lstm, new Dense(6, 1, 2 * maxSteps, new Rng(9)), Readout.PER_STEP);
        return new Trainer(model, Loss.MSE, new Adam(1e-2f));
    }

    /** Everything a refused step could change, as bits (the optimizer's state allocated first: zeros, as a first step finds it). */
    static List<String> state(Trainer t) {
        t.optimizer().setUp(t.model().parameters());
        return CheckpointTest.snapshot(t);
    }

    static Trainer tinyTrainer(Optimizer optimizer, Loss loss) {
        Rnn rnn = Rnn.lstm(2, 3).maxBatch(2).maxSteps(4).seed(5).build();
        return new Trainer(new SequenceModel(rnn, new Dense(3, 1, 8, new Rng(6)), Readout.PER_STEP), loss, optimizer);
    }

    @Test
    void anUpdateThatWouldWriteANonFiniteWeightIsRefusedWhole() {
        float[] x = new float[4 * 2 * 2], y = new float[4 * 2];
        java.util.Arrays.fill(x, 0.5f);
        java.util.Arrays.fill(y, 1f);
        for (Optimizer optimizer : new Optimizer[] {new Adam(1e38f), new Sgd(3e38f, 0.9f), new Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 3e38f, false)}) {
            Trainer t = tinyTrainer(optimizer, Loss.MSE);
            List<String> before = state(t);
            NonFiniteException e = assertThrows(NonFiniteException.class, () -> t.step(x, y, 2, 4, null), optimizer.toString());
            assertEquals(1, e.step());
            assertTrue(e.parameter().startsWith("rnn.") || e.parameter().startsWith("head."), e.getMessage());
            assertTrue(e.getMessage().contains("would not be finite; no update was made"), e.getMessage());
            assertEquals(before, state(t), "a refused update changed the weights, the optimizer's state or a step count");
            assertEquals(0, t.steps());
            assertEquals(0, t.optimizer().steps());
        }
        // A state element that overflows while the weight stays finite is refused too: with g = 1e30,
        // v_t = (1 - beta2) g^2 is above float's range and the step would be 0 for that weight from then on.
        Parameters.Builder b = new Parameters.Builder();
        b.add("w", 3);
        Parameters p = b.build();
        p.gradients()[1] = 1e30f;
        Adam adam = new Adam(1e-3f);
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> adam.step(List.of(p)));
        assertEquals("module 0: w[1]", e.parameter());
        assertArrayEquals(new float[3], p.values());
        assertArrayEquals(new float[3], adam.state().get("exp_avg_sq")[0]);
        assertEquals(0, adam.steps());
    }

    @Test
    void aLossBeyondFloatsRangeIsRefusedNotReturnedAsInfinity() {
        Trainer t = tinyTrainer(new Adam(1e-3f), Loss.MSE);
        float[] x = new float[4 * 2 * 2], y = new float[4 * 2];
        java.util.Arrays.fill(y, 1e20f);      // (1e20)^2 = 1e40: finite in double, infinite as a float
        List<String> before = state(t);
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> t.step(x, y, 2, 4, null));
        assertNull(e.parameter());
        assertTrue(e.getMessage().contains("beyond float's range; no update was made"), e.getMessage());
        assertEquals(before, state(t));
    }
}
