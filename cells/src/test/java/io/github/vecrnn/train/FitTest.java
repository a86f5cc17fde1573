package io.github.vecrnn.train;

import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.SequenceModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.github.vecrnn.testsupport.Refusals.fails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Trainer#fit}, {@link Trainer#evaluate(Dataset, int, Metric...)}, {@link SequenceModel#predict} and the
 * listeners: each checked against the plain calls it stands for ({@link Trainer#step}, {@link Loss#compute},
 * {@link SequenceModel#forward}), which other tests check against PyTorch.
 */
class FitTest {

    /** The course's Keras example: LSTM(32) on 10 x 5 sequences -> Dense(1), binary cross-entropy, Adam. */
    @Test
    void theKerasExampleInAFewLines() {
        float[][][] x = new float[640][10][5];
        float[][] y = new float[640][1];
        labelledSequences(new Rng(3), x, y);

        Rnn lstm = Rnn.lstm(5, 32).batchFirst(true).maxBatch(32).maxSteps(10).seed(1).build();
        SequenceModel model = new SequenceModel(lstm, new Dense(32, 1, 32, new Rng(2)), Readout.LAST_STEP);
        Trainer trainer = new Trainer(model, Loss.BCE_WITH_LOGITS, new Adam(1e-2f));
        History history = trainer.fit(Dataset.perSequence(x, y), Fit.epochs(8).batchSize(32).validationSplit(0.25).metrics(Metric.ACCURACY));

        assertEquals(8, history.epochs().size());
        assertFalse(history.stoppedEarly());
        double[] loss = history.loss();
        assertEquals(Math.log(2), loss[0], 0.15, "the first epoch starts near ln 2");
        assertTrue(loss[7] < 0.3, "training loss after 8 epochs: " + Arrays.toString(loss));
        double accuracy = history.last().validation().metric(Metric.ACCURACY);
        assertTrue(accuracy > 0.9, "validation accuracy " + accuracy);
        assertTrue(history.validationMetric(Metric.ACCURACY)[7] == accuracy);

        float[][] predictions = model.predict(Arrays.copyOfRange(x, 600, 640));
        int right = 0;
        for (int n = 0; n < 40; n++) if ((predictions[n][0] > 0) == (y[600 + n][0] > 0.5f)) right++;
        assertTrue(right >= 36, "predict: " + right + " of 40 right");
    }

    /** Label: is the sum of feature 0 over the sequence positive? */
    static void labelledSequences(Rng rng, float[][][] x, float[][] y) {
        for (int n = 0; n < x.length; n++) {
            float sum = 0;
            for (int t = 0; t < x[n].length; t++) {
                for (int f = 0; f < x[n][t].length; f++) x[n][t][f] = rng.uniform(-1, 1);
                sum += x[n][t][0];
            }
            y[n][0] = sum > 0 ? 1f : 0f;
        }
    }

    /** A forecaster: 12 steps of a noisy sine in, the next value out. */
    @Test
    void aForecasterOnSlidingWindows() {
        float[] series = new float[400];
        Rng rng = new Rng(5);
        for (int t = 0; t < series.length; t++) series[t] = (float) Math.sin(t * 0.3) + rng.uniform(-0.05f, 0.05f);
        Dataset windows = Dataset.windows(series, 1, 12, 1);
        assertEquals(400 - 12, windows.size());

        Rnn gru = Rnn.gru(1, 16).batchFirst(true).maxBatch(16).maxSteps(12).seed(2).build();
        SequenceModel model = new SequenceModel(gru, new Dense(16, 1, 16, new Rng(3)), Readout.LAST_STEP);
        Trainer trainer = new Trainer(model, Loss.MSE, new Adam(1e-2f));
        History history = trainer.fit(windows, Fit.epochs(15).batchSize(16).validationSplit(0.2).metrics(Metric.MAE));
        Evaluation last = history.last().validation();
        assertTrue(last.metric(Metric.MAE) < 0.15, "validation MAE " + last);
        assertTrue(history.loss()[14] < history.loss()[0] / 5, "training loss " + Arrays.toString(history.loss()));
    }

    @Test
    void windowsAreTheSeriesRowsAndTheNextOnes() {
        float[] series = new float[14];   // 7 rows of 2 features: row t is (10t, 10t + 1)
        for (int t = 0; t < 7; t++) {
            series[2 * t] = 10 * t;
            series[2 * t + 1] = 10 * t + 1;
        }
        Dataset d = Dataset.windows(series, 2, 3, 2);
        assertEquals(3, d.size());   // 7 - 3 - 2 + 1
        assertEquals(4, d.targetWidth());
        int[] order = {2, 0};
        float[] x = new float[2 * 3 * 2], y = new float[2 * 4];
        int[] lengths = new int[2];
        assertEquals(3, d.gather(order, 0, 2, true, x, lengths, y));
        assertArrayEquals(new float[] {20, 21, 30, 31, 40, 41, 0, 1, 10, 11, 20, 21}, x);
        assertArrayEquals(new float[] {50, 51, 60, 61, 30, 31, 40, 41}, y);
        assertArrayEquals(new int[] {3, 3}, lengths);
    }

    /** Variable lengths, time-major and batch-first: the batches fit copies are the arrays a user would build. */
    @Test
    void gatherPadsAndLaysOutLikeTheStackReadsIt() {
        float[][][] x = {{{1}, {2}, {3}}, {{4}}, {{5}, {6}}};
        float[][][] y = {{{-1}, {-2}, {-3}}, {{-4}}, {{-5}, {-6}}};
        Dataset d = Dataset.perStep(x, y);
        int[] order = {0, 1, 2};
        float[] bx = new float[9], by = new float[9];
        int[] lengths = new int[3];
        assertEquals(3, d.gather(order, 0, 3, false, bx, lengths, by));   // [t, b]
        assertArrayEquals(new float[] {1, 4, 5, 2, 0, 6, 3, 0, 0}, bx);
        assertArrayEquals(new float[] {-1, -4, -5, -2, 0, -6, -3, 0, 0}, by);
        assertArrayEquals(new int[] {3, 1, 2}, lengths);
        assertEquals(2, d.gather(new int[] {1, 2}, 0, 2, true, bx, lengths, by));   // [b, t], the longest of the two
        assertArrayEquals(new float[] {4, 0, 5, 6}, Arrays.copyOf(bx, 4));
        assertArrayEquals(new float[] {-4, 0, -5, -6}, Arrays.copyOf(by, 4));
    }

    /** Unshuffled, fit is Trainer.step over the batches in order: the same weights, bit for bit. */
    @Test
    void fitIsTheStepLoopAUserWouldWrite() {
        for (boolean batchFirst : new boolean[] {false, true}) {
            float[][][] x = new float[10][][];
            float[][][] y = new float[10][][];
            Rng rng = new Rng(7);
            for (int n = 0; n < 10; n++) {
                int length = 1 + rng.nextInt(6);
                x[n] = new float[length][3];
                y[n] = new float[length][2];
                for (int t = 0; t < length; t++) {
                    for (int i = 0; i < 3; i++) x[n][t][i] = rng.uniform(-1, 1);
                    for (int j = 0; j < 2; j++) y[n][t][j] = rng.uniform(-1, 1);
                }
            }
            Trainer fitted = perStepTrainer(batchFirst), manual = perStepTrainer(batchFirst);
            History history = fitted.fit(Dataset.perStep(x, y), Fit.epochs(2).batchSize(4).shuffle(false));

            double[] epochLoss = new double[2];
            for (int epoch = 0; epoch < 2; epoch++) {
                for (int from = 0; from < 10; from += 4) {
                    int batch = Math.min(4, 10 - from), steps = 0;
                    for (int b = 0; b < batch; b++) steps = Math.max(steps, x[from + b].length);
                    float[] bx = new float[steps * batch * 3], by = new float[steps * batch * 2];
                    int[] lengths = new int[batch];
                    boolean padded = false;
                    for (int b = 0; b < batch; b++) {
                        lengths[b] = x[from + b].length;
                        padded |= lengths[b] < steps;
                        for (int t = 0; t < lengths[b]; t++) {
                            int row = batchFirst ? b * steps + t : t * batch + b;
                            System.arraycopy(x[from + b][t], 0, bx, row * 3, 3);
                            System.arraycopy(y[from + b][t], 0, by, row * 2, 2);
                        }
                    }
                    epochLoss[epoch] += manual.step(bx, by, batch, steps, padded ? lengths : null) * (double) batch;
                }
                epochLoss[epoch] /= 10;
            }
            for (int k = 0; k < 2; k++) {
                assertArrayEquals(manual.model().parameters().get(k).values(), fitted.model().parameters().get(k).values(),
                                  "batchFirst " + batchFirst + ": module " + k + " after fit");
            }
            assertArrayEquals(epochLoss, history.loss(), "batchFirst " + batchFirst + ": the epochs' mean losses");
            assertEquals(6, fitted.steps());
        }
    }

    static Trainer perStepTrainer(boolean batchFirst) {
        Rnn lstm = Rnn.lstm(3, 8).batchFirst(batchFirst).maxBatch(4).maxSteps(6).seed(11).build();
        SequenceModel model = new SequenceModel(lstm, new Dense(8, 2, 24, new Rng(12)), Readout.PER_STEP);
        return new Trainer(model, Loss.MSE, new Sgd(0.05f));
    }

    @Test
    void shufflingFollowsTheSeed() {
        float[][][] x = new float[24][4][5];
        float[][] y = new float[24][1];
        labelledSequences(new Rng(1), x, y);
        Dataset data = Dataset.perSequence(x, y);
        float[] a = fitOnce(data, 9), b = fitOnce(data, 9), c = fitOnce(data, 10);
        assertArrayEquals(a, b, "the same seed, the same weights");
        assertFalse(Arrays.equals(a, c), "another seed, another order");
    }

    static float[] fitOnce(Dataset data, long seed) {
        Trainer trainer = classifier(8, 4);
        trainer.fit(data, Fit.epochs(2).batchSize(8).seed(seed));
        return trainer.model().rnn().parameters().values().clone();
    }

    static Trainer classifier(int maxBatch, int maxSteps) {
        Rnn lstm = Rnn.lstm(5, 8).batchFirst(true).maxBatch(maxBatch).maxSteps(maxSteps).seed(4).build();
        SequenceModel model = new SequenceModel(lstm, new Dense(8, 1, maxBatch, new Rng(5)), Readout.LAST_STEP);
        return new Trainer(model, Loss.BCE_WITH_LOGITS, new Adam(1e-2f));
    }

    /** evaluate's loss is the mean over every sequence, whatever the batch size; its metrics count right answers. */
    @Test
    void evaluateIsAMeanOverTheWholeDataset() {
        float[][][] x = new float[13][][];
        float[][] y = new float[13][1];
        Rng rng = new Rng(8);
        for (int n = 0; n < 13; n++) {
            x[n] = new float[1 + rng.nextInt(4)][5];
            for (float[] step : x[n]) for (int i = 0; i < 5; i++) step[i] = rng.uniform(-1, 1);
            y[n][0] = rng.nextInt(2);
        }
        Trainer trainer = classifier(8, 4);
        Evaluation whole = trainer.evaluate(Dataset.perSequence(x, y), 8, Metric.ACCURACY, Metric.MSE);
        Evaluation single = trainer.evaluate(Dataset.perSequence(x, y), 1, Metric.ACCURACY, Metric.MSE);

        SequenceModel model = trainer.model();
        double loss = 0, squares = 0;
        int right = 0;
        for (int n = 0; n < 13; n++) {
            float[] logit = model.predict(new float[][][] {x[n]})[0];
            loss += Loss.BCE_WITH_LOGITS.compute(logit, y[n], 1, 1, null, new float[1]);
            squares += (logit[0] - y[n][0]) * (logit[0] - y[n][0]);
            if ((logit[0] > 0) == (y[n][0] > 0.5f)) right++;
        }
        assertEquals(loss / 13, whole.loss(), 1e-6);
        assertEquals(loss / 13, single.loss(), 1e-6);
        assertEquals(right / 13.0, whole.metric(Metric.ACCURACY), 1e-12);
        assertEquals(squares / 13, whole.metric(Metric.MSE), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> whole.metric(Metric.MAE));
    }

    /** Perplexity is exp(mean cross-entropy); accuracy is the arg max against the class. */
    @Test
    void languageModelMetrics() {
        Rnn gru = Rnn.gru(4, 8).maxBatch(3).maxSteps(5).seed(2).build();
        SequenceModel model = new SequenceModel(gru, new Dense(8, 4, 15, new Rng(3)), Readout.PER_STEP);
        Trainer trainer = new Trainer(model, Loss.CROSS_ENTROPY, new Adam(1e-2f));
        Rng rng = new Rng(9);
        float[][][] x = new float[3][5][4], y = new float[3][5][1];
        for (int n = 0; n < 3; n++) {
            for (int t = 0; t < 5; t++) {
                int token = rng.nextInt(4);
                x[n][t][token] = 1;
                y[n][t][0] = (token + 1) % 4;   // the next token
            }
        }
        Evaluation e = trainer.evaluate(Dataset.perStep(x, y), 3, Metric.PERPLEXITY, Metric.ACCURACY);
        assertEquals(Math.exp(e.loss()), e.metric(Metric.PERPLEXITY), 1e-12);
        trainer.fit(Dataset.perStep(x, y), Fit.epochs(60).batchSize(3));
        Evaluation trained = trainer.evaluate(Dataset.perStep(x, y), 3, Metric.PERPLEXITY, Metric.ACCURACY);
        assertEquals(1.0, trained.metric(Metric.ACCURACY), "a shift by one is learned: " + trained);
        assertTrue(trained.metric(Metric.PERPLEXITY) < 1.5, trained.toString());
        assertThrows(IllegalArgumentException.class, () -> trainer.evaluate(Dataset.perStep(x, y), 3, Metric.MAE));
    }

    /** With no epoch better than the first by minDelta, fitting stops after patience epochs, the first's weights back. */
    @Test
    void earlyStoppingRestoresTheBestWeights() {
        float[][][] x = new float[16][4][5];
        float[][] y = new float[16][1];
        labelledSequences(new Rng(2), x, y);
        Trainer trainer = classifier(8, 4);
        List<float[]> weights = new ArrayList<>();
        FitListener snapshots = new FitListener() {
            @Override
            public boolean epochEnded(Trainer t, Epoch epoch) {
                weights.add(t.model().rnn().parameters().values().clone());
                return false;
            }
        };
        EarlyStopping stopping = EarlyStopping.patience(2).minDelta(1e9);
        History history = trainer.fit(Dataset.perSequence(x, y), Fit.epochs(10).batchSize(8).listener(snapshots).listener(stopping));
        assertEquals(3, history.epochs().size(), "the first epoch, then two without improvement");
        assertTrue(history.stoppedEarly());
        assertEquals(1, stopping.bestEpoch());
        assertArrayEquals(weights.get(0), trainer.model().rnn().parameters().values(), "the first epoch's weights are back");
        assertNotEquals(Arrays.toString(weights.get(0)), Arrays.toString(weights.get(2)));
    }

    @Test
    void aScheduleSetsEachEpochsLearningRate() {
        float[][][] x = new float[8][4][5];
        float[][] y = new float[8][1];
        labelledSequences(new Rng(2), x, y);
        Trainer trainer = classifier(8, 4);
        History history = trainer.fit(Dataset.perSequence(x, y), Fit.epochs(5).listener(LearningRateSchedule.stepDecay(0.1, 0.5, 2)));
        double[] rates = history.epochs().stream().mapToDouble(Epoch::learningRate).toArray();
        assertArrayEquals(new double[] {0.1f, 0.1f, 0.05f, 0.05f, 0.025f}, rates);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.fit(Dataset.perSequence(x, y), Fit.epochs(2).listener(LearningRateSchedule.of(epoch -> 0))));
        assertTrue(e.getMessage().contains("epoch 1 the learning rate 0.0"), e.getMessage());
    }

    @Test
    void checkpointsAtTheBestEpochAndEveryNSteps(@TempDir Path dir) throws Exception {
        float[][][] x = new float[16][4][5];
        float[][] y = new float[16][1];
        labelledSequences(new Rng(2), x, y);
        Trainer trainer = classifier(8, 4);
        Path best = dir.resolve("best.safetensors"), every = dir.resolve("every.safetensors");
        List<Long> savedAt = new ArrayList<>();
        FitListener watcher = new FitListener() {
            @Override
            public void stepEnded(Trainer t, int epoch, int step, int steps, float loss) {
                if (Files.exists(every)) savedAt.add(t.steps());
            }
        };
        trainer.fit(Dataset.perSequence(x, y), Fit.epochs(3).batchSize(8).validationSplit(0.5)
                .listener(ModelCheckpoint.best(best)).listener(ModelCheckpoint.everySteps(every, 2)).listener(watcher));
        assertEquals(List.of(2L, 3L), savedAt, "the every-2-steps file appears at step 2 (one step per epoch here)");
        Trainer restored = classifier(8, 4);
        Checkpoint.load(every, restored);
        assertEquals(2, restored.steps(), "saved at step 2 only");
        assertTrue(Files.exists(best));
        Checkpoint.load(best, classifier(8, 4));
    }

    /** The progress bar draws to standard output when asked, and stays away when not. */
    @Test
    void theProgressBarIsSeenOnlyWhenAskedForOrOnATerminal() {
        float[][][] x = new float[16][4][5];
        float[][] y = new float[16][1];
        labelledSequences(new Rng(2), x, y);
        PrintStream stdout = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            classifier(8, 4).fit(Dataset.perSequence(x, y), Fit.epochs(2).batchSize(8).progress(Fit.Progress.ON));
            String on = bytes.toString(StandardCharsets.UTF_8);
            assertTrue(on.contains("epoch 1/2 [") && on.contains("epoch 2/2: loss "), on);
            bytes.reset();
            classifier(8, 4).fit(Dataset.perSequence(x, y), Fit.epochs(2).batchSize(8));   // AUTO: no terminal under tests
            assertEquals("", bytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(stdout);
        }
    }

    /**
     * After warm-up, the steps inside an epoch (copying a batch, the training step, the listeners) allocate
     * nothing. As in {@link AllocationTest}: warm until 10 epochs in a row were clean, then the next 4 (196 steps)
     * must be; a one-off JIT event (a recompilation of the step's vector code, a few hundred bytes in one
     * epoch) gets one second chance. A step that allocates fails both.
     */
    @Test
    void fitsStepsAllocateNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        float[][][] x = new float[400][][];
        float[][] y = new float[400][1];
        Rng rng = new Rng(6);
        for (int n = 0; n < x.length; n++) {
            x[n] = new float[3 + rng.nextInt(8)][5];
            for (float[] step : x[n]) for (int i = 0; i < 5; i++) step[i] = rng.uniform(-1, 1);
            y[n][0] = rng.nextInt(2);
        }
        Trainer trainer = classifier(8, 10);
        int epochs = 200;
        long[] inEpoch = new long[epochs + 1];
        long[] mark = new long[1];
        FitListener meter = new FitListener() {
            @Override
            public void stepEnded(Trainer t, int epoch, int step, int steps, float loss) {
                long now = threads.getCurrentThreadAllocatedBytes();
                if (step > 1) inEpoch[epoch] += now - mark[0];
                mark[0] = threads.getCurrentThreadAllocatedBytes();
            }
        };
        trainer.fit(Dataset.perSequence(x, y), Fit.epochs(epochs).batchSize(8).listener(meter));
        int clean = 0, chances = 2;
        for (int e = 1; e + 4 <= epochs; e++) {
            if (clean >= 10) {
                long bytes = inEpoch[e] + inEpoch[e + 1] + inEpoch[e + 2] + inEpoch[e + 3];
                if (bytes == 0) return;
                assertTrue(--chances > 0, "fit's steps allocated " + bytes + " bytes in 4 epochs after 10 clean ones, twice; every epoch: "
                        + Arrays.toString(inEpoch));
                clean = 0;
            }
            clean = inEpoch[e] == 0 ? clean + 1 : 0;
        }
        throw new AssertionError("never 10 clean epochs in a row: " + Arrays.toString(inEpoch));
    }

    /** Bad datasets and options are refused before anything trains. */
    @Test
    void mismatchesAreRefusedBeforeTheFirstStep() {
        Trainer trainer = classifier(8, 4);
        float[] before = trainer.model().rnn().parameters().values().clone();
        float[][][] x = new float[8][4][5];
        float[][] y = new float[8][1];
        fails(() -> trainer.fit(Dataset.perSequence(new float[8][4][3], y), Fit.epochs(1)),
              "data has 3 features per step, the model takes 5");
        fails(() -> trainer.fit(Dataset.perSequence(new float[8][6][5], y), Fit.epochs(1)),
              "data has sequences of up to 6 steps, above the stack's maxSteps 4");
        fails(() -> trainer.fit(Dataset.perStep(x, new float[8][4][1]), Fit.epochs(1)),
              "data has per-step targets, the model's readout LAST_STEP needs per-sequence");
        fails(() -> trainer.fit(Dataset.perSequence(x, new float[8][2]), Fit.epochs(1)),
              "data has target rows of 2 values, BCE_WITH_LOGITS on a head of 1 outputs needs 1");
        fails(() -> trainer.fit(Dataset.perSequence(x, y), Fit.epochs(1).batchSize(9)),
              "batchSize must be in [1, 8] (the stack's maxBatch), got 9");
        fails(() -> trainer.fit(Dataset.perSequence(x, y),
                      Fit.epochs(1).validation(Dataset.perSequence(new float[2][4][4], new float[2][1]))), "validation has 4 features per step");
        fails(() -> trainer.fit(Dataset.perSequence(x, y), Fit.epochs(1).validationSplit(0.95)),
              "validationSplit 0.95 of 8 sequences leaves 0 to train on and 8 to validate on");
        fails(() -> trainer.fit(Dataset.perSequence(x, y),
                      Fit.epochs(1).metrics(Metric.PERPLEXITY)), "PERPLEXITY does not apply to BCE_WITH_LOGITS");
        fails(() -> trainer.fit(Dataset.perSequence(x, y), Fit.epochs(1).truncated(2, 2)), "truncated BPTT needs per-step targets");
        assertArrayEquals(before, trainer.model().rnn().parameters().values(), "nothing trained");
        assertEquals(0, trainer.steps());
    }

    /** Truncated BPTT in fit is stepTruncated over each batch. */
    @Test
    void truncatedFitIsStepTruncatedPerBatch() {
        float[][][] x = new float[4][8][3];
        float[][][] y = new float[4][8][2];
        Rng rng = new Rng(3);
        for (int n = 0; n < 4; n++) {
            for (int t = 0; t < 8; t++) {
                for (int i = 0; i < 3; i++) x[n][t][i] = rng.uniform(-1, 1);
                for (int j = 0; j < 2; j++) y[n][t][j] = rng.uniform(-1, 1);
            }
        }
        Trainer fitted = perStepTrainer(false), manual = perStepTrainer(false);
        History history = fitted.fit(Dataset.perStep(x, y), Fit.epochs(1).batchSize(4).shuffle(false).truncated(2, 4));
        float[] bx = new float[8 * 4 * 3], by = new float[8 * 4 * 2];
        for (int b = 0; b < 4; b++) {
            for (int t = 0; t < 8; t++) {
                System.arraycopy(x[b][t], 0, bx, (t * 4 + b) * 3, 3);
                System.arraycopy(y[b][t], 0, by, (t * 4 + b) * 2, 2);
            }
        }
        float loss = manual.stepTruncated(bx, by, 4, 8, 2, 4, null);
        assertArrayEquals(manual.model().rnn().parameters().values(), fitted.model().rnn().parameters().values());
        assertEquals(loss, history.loss()[0], 0.0);
        assertEquals(4, fitted.steps(), "one update every 2 of 8 steps");
    }

    @Test
    void datasetsRefuseRaggedArrays() {
        fails(() -> Dataset.perSequence(new float[][][] {{{1, 2, 3}}, {{1, 2}}}, new float[2][1]), "x[1][0] has 2 features, x[0][0] has 3");
        fails(() -> Dataset.perSequence(new float[2][1][1], new float[1][1]), "x has 2 sequences but y has 1 target rows");
        fails(() -> Dataset.perSequence(new float[2][1][1], new float[][] {{1}, {1, 2}}), "y[1] has 2 values, y[0] has 1");
        fails(() -> Dataset.perStep(new float[1][1][1], new float[1][2][1]), "y[0] has 2 steps, x[0] has 1");
        fails(() -> Dataset.perSequence(new float[][][] {{{1}}, {}}, new float[2][1]), "x[1] has no steps");
        fails(() -> Dataset.windows(new float[5], 1, 4, 2), "series has 5 rows, too few for one window of 4 and a horizon of 2");
        fails(() -> Dataset.windows(new float[5], 2, 1, 1), "series has 5 values, not a whole number of rows of 2");
        Dataset d = Dataset.windows(new float[10], 1, 3, 1);
        fails(() -> d.split(7), "count must be in [1, 6], got 7");
    }
}
