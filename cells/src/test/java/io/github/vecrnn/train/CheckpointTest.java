package io.github.vecrnn.train;

import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.SequenceModel;
import io.github.vecrnn.io.InvalidWeightsException;
import io.github.vecrnn.io.SafeTensors;
import io.github.vecrnn.io.Weights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run stopped at a checkpoint and resumed in a fresh process-like setting (new model with another
 * seed, new optimizer) continues bit for bit like the run that never stopped; a checkpoint that does
 * not fit is refused and changes nothing.
 */
public class CheckpointTest {
    static final int INPUT = 4, HIDDEN = 7, OUT = 3, BATCH = 3, STEPS = 6, TOTAL = 24, STOP = 11;

    @TempDir
    Path dir;

    static Trainer trainer(long seed, Supplier<Optimizer> optimizer) {
        Rnn rnn = Rnn.lstm(INPUT, HIDDEN).layers(2).dropout(0.3f).maxBatch(BATCH).maxSteps(STEPS).seed(seed).build();
        SequenceModel model = new SequenceModel(rnn, new Dense(HIDDEN, OUT, BATCH * STEPS, new Rng(seed + 1)), Readout.PER_STEP);
        return new Trainer(model, Loss.MSE, optimizer.get()).clipByGlobalNorm(1.0);
    }

    static Supplier<Optimizer> optimizer(String kind) {
        return switch (kind) {
            case "adam" -> () -> new Adam(5e-3f);
            case "adamw" -> () -> Adam.adamW(5e-3f, 0.01f);
            case "sgd-nesterov" -> () -> new Sgd(0.05f, 0.9f, 1e-4f, true);
            case "sgd" -> () -> new Sgd(0.05f);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** Runs steps [from, to) drawing batches from data; a learning-rate schedule halves the rate at step 8. */
    static List<Integer> run(Trainer trainer, Rng data, int from, int to) {
        float[] x = new float[STEPS * BATCH * INPUT], y = new float[STEPS * BATCH * OUT];
        List<Integer> losses = new ArrayList<>();
        for (int s = from; s < to; s++) {
            if (s == 8) trainer.optimizer().setLearningRate(trainer.optimizer().learningRate() / 2);
            for (int i = 0; i < x.length; i++) x[i] = data.uniform(-1, 1);
            for (int i = 0; i < y.length; i++) y[i] = data.uniform(-1, 1);
            losses.add(Float.floatToRawIntBits(trainer.step(x, y, BATCH, STEPS, null)));
        }
        return losses;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"adam", "adamw", "sgd-nesterov", "sgd"})
    void resumingReproducesTheUninterruptedRunBitForBit(String kind) throws IOException {
        Trainer straight = trainer(1, optimizer(kind));
        Rng straightData = new Rng(99);
        run(straight, straightData, 0, STOP);
        List<Integer> expected = run(straight, straightData, STOP, TOTAL);

        Trainer first = trainer(1, optimizer(kind));
        Rng data = new Rng(99);
        run(first, data, 0, STOP);
        Path file = dir.resolve("run.ckpt.safetensors");
        Checkpoint.save(file, first, Map.of("data.rng", Long.toString(data.state())));

        Trainer resumed = trainer(42, optimizer(kind)); // another seed: every weight and the dropout stream differ
        Map<String, String> user = Checkpoint.load(file, resumed);
        assertEquals(STOP, resumed.steps());
        Rng resumedData = new Rng(Long.parseLong(user.get("data.rng")));
        List<Integer> actual = run(resumed, resumedData, STOP, TOTAL);

        assertEquals(expected, actual, "losses after resuming differ from the uninterrupted run");
        for (int k = 0; k < 2; k++) {
            assertArrayEquals(straight.model().parameters().get(k).values(), resumed.model().parameters().get(k).values());
        }
        assertEquals(TOTAL, resumed.steps());
        assertEquals(straight.optimizer().learningRate(), resumed.optimizer().learningRate());
    }

    @Test
    void aCheckpointBeforeTheFirstStepAlsoResumes() throws IOException {
        Trainer straight = trainer(3, optimizer("sgd-nesterov"));
        List<Integer> expected = run(straight, new Rng(5), 0, 4);
        Trainer fresh = trainer(3, optimizer("sgd-nesterov"));
        Path file = dir.resolve("zero.safetensors");
        Checkpoint.save(file, fresh);
        Trainer resumed = trainer(4, optimizer("sgd-nesterov"));
        Checkpoint.load(file, resumed);
        assertEquals(expected, run(resumed, new Rng(5), 0, 4));
    }

    /** Everything a load could change, as bits (SafeTensorsFuzzTest uses it too). */
    public static List<String> snapshot(Trainer t) {
        List<String> s = new ArrayList<>();
        for (Parameters p : t.model().parameters()) s.add(java.util.Arrays.toString(p.values()));
        for (Map.Entry<String, float[][]> e : new java.util.TreeMap<>(t.optimizer().state()).entrySet()) {
            s.add(e.getKey() + java.util.Arrays.deepToString(e.getValue()));
        }
        s.add("steps " + t.steps() + " " + t.optimizer().steps() + " lr " + t.optimizer().learningRate()
              + " rng " + t.model().rnn().dropoutRng().state());
        return s;
    }

    /** Saves a trained checkpoint, rewrites it, and expects loading into target to fail naming the reason. */
    void refused(Trainer target, String fragment, UnaryOperator<byte[]> rewrite) throws IOException {
        Trainer source = trainer(1, optimizer("adam"));
        run(source, new Rng(2), 0, 3);
        Path file = dir.resolve("c.safetensors");
        Checkpoint.save(file, source);
        Files.write(file, rewrite.apply(Files.readAllBytes(file)));
        List<String> before = snapshot(target);
        InvalidWeightsException e = assertThrows(InvalidWeightsException.class, () -> Checkpoint.load(file, target));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertEquals(before, snapshot(target), "a refused checkpoint changed the trainer");
    }

    /** Rebuilds a checkpoint's bytes with its tensors and metadata edited. */
    static UnaryOperator<byte[]> edit(UnaryOperator<List<SafeTensors.FloatTensor>> tensors, UnaryOperator<Map<String, String>> meta) {
        return bytes -> {
            SafeTensors.Contents c = SafeTensors.parse(bytes);
            List<SafeTensors.FloatTensor> list = new ArrayList<>();
            for (SafeTensors.Tensor t : c.tensors().values()) {
                int[] shape = new int[t.shape().length];
                for (int i = 0; i < shape.length; i++) shape[i] = (int) t.shape()[i];
                list.add(new SafeTensors.FloatTensor(t.name(), shape, t.toFloatArray(), 0));
            }
            return SafeTensors.toBytes(tensors.apply(list), meta.apply(new LinkedHashMap<>(c.metadata())));
        };
    }

    @Test
    void aCheckpointThatDoesNotFitIsRefusedAndChangesNothing() throws IOException {
        Trainer adamTarget = trainer(7, optimizer("adam"));
        run(adamTarget, new Rng(8), 0, 2);
        refused(adamTarget, "the checkpoint's optimizer is", edit(l -> l, m -> {
            m.put("optimizer.beta2", "0.99");
            return m;
        }));
        refused(trainer(7, optimizer("sgd-nesterov")), "optimizer=Adam", b -> b);
        refused(adamTarget, "not a vecrnn checkpoint", edit(l -> l, m -> {
            m.remove("format");
            return m;
        }));
        refused(adamTarget, "'trainer.step' is -3, negative", edit(l -> l, m -> {
            m.put("trainer.step", "-3");
            return m;
        }));
        refused(adamTarget, "'rng.dropout' is \"0x12\", not an integer", edit(l -> l, m -> {
            m.put("rng.dropout", "0x12");
            return m;
        }));
        refused(adamTarget, "'optimizer.learning_rate' is Infinity", edit(l -> l, m -> {
            m.put("optimizer.learning_rate", "Infinity");
            return m;
        }));
        refused(adamTarget, "missing tensor 'optimizer.exp_avg_sq.head.bias'", edit(l -> {
            l.removeIf(t -> t.name().equals("optimizer.exp_avg_sq.head.bias"));
            return l;
        }, m -> m));
        refused(adamTarget, "unexpected tensor 'optimizer.exp_avg_cubed.head.bias'", edit(l -> {
            l.add(new SafeTensors.FloatTensor("optimizer.exp_avg_cubed.head.bias", new int[] {OUT}, new float[OUT], 0));
            return l;
        }, m -> m));
        // Another architecture: the weights' shapes are named, not just the optimizer's.
        Rnn wider = Rnn.lstm(INPUT, HIDDEN + 1).layers(2).dropout(0.3f).maxBatch(BATCH).maxSteps(STEPS).build();
        Trainer other = new Trainer(new SequenceModel(wider, new Dense(HIDDEN + 1, OUT, BATCH * STEPS, new Rng(1)),
                                                      Readout.PER_STEP), Loss.MSE, new Adam(5e-3f));
        refused(other, "tensor 'rnn.weight_hh_l0' has shape [28, 7], expected [32, 8]", b -> b);
    }

    @Test
    void aPlainWeightsFileIsNotACheckpoint() throws IOException {
        Trainer t = trainer(1, optimizer("adam"));
        Path file = dir.resolve("w.safetensors");
        Weights.save(file, t.model().namedParameters(), Map.of());
        InvalidWeightsException e = assertThrows(InvalidWeightsException.class, () -> Checkpoint.load(file, t));
        assertTrue(e.getMessage().contains("'format' is missing"), e.getMessage());
        assertTrue(e.getMessage().contains("w.safetensors"), e.getMessage());
    }

    /** A checkpoint's tensor list with one element of the named tensor set to value. */
    static UnaryOperator<List<SafeTensors.FloatTensor>> set(String name, int index, float value) {
        return l -> {
            l.replaceAll(t -> {
                if (!t.name().equals(name)) return t;
                float[] v = t.values().clone();
                v[index] = value;
                return new SafeTensors.FloatTensor(t.name(), t.shape(), v, t.offset());
            });
            return l;
        };
    }

    @Test
    void anImpossibleOptimizerStateIsRefused() throws IOException {
        Trainer target = trainer(7, optimizer("adam"));
        run(target, new Rng(8), 0, 2);
        refused(target, "optimizer state 'optimizer.exp_avg_sq.rnn.weight_ih_l0' holds -1.0 at index 3; exp_avg_sq must be finite and >= 0",
                edit(set("optimizer.exp_avg_sq.rnn.weight_ih_l0", 3, -1f), m -> m));
        refused(target, "holds NaN at index 0", edit(set("optimizer.exp_avg_sq.head.bias", 0, Float.NaN), m -> m));
        refused(target, "holds Infinity at index 2", edit(set("optimizer.exp_avg.rnn.bias_hh_l1", 2, Float.POSITIVE_INFINITY), m -> m));
        refused(target, "tensor 'rnn.weight_hh_l0' holds NaN at index 5", edit(set("rnn.weight_hh_l0", 5, Float.NaN), m -> m));
        Trainer sgd = trainer(7, optimizer("sgd-nesterov"));
        Trainer sgdSource = trainer(1, optimizer("sgd-nesterov"));
        run(sgdSource, new Rng(2), 0, 3);
        Path file = dir.resolve("sgd.safetensors");
        Checkpoint.save(file, sgdSource);
        Files.write(file, edit(set("optimizer.momentum_buffer.head.weight", 1, Float.NEGATIVE_INFINITY), m -> m)
                .apply(Files.readAllBytes(file)));
        List<String> before = snapshot(sgd);
        InvalidWeightsException e = assertThrows(InvalidWeightsException.class, () -> Checkpoint.load(file, sgd));
        assertTrue(e.getMessage().contains("'optimizer.momentum_buffer.head.weight' holds -Infinity at index 1; values must be finite"),
                   e.getMessage());
        assertEquals(before, snapshot(sgd));
    }

    @Test
    void everyNumberIsCheckedBeforeAnythingIsLoaded() throws IOException {
        Trainer target = trainer(7, optimizer("adam"));
        run(target, new Rng(8), 0, 2);
        // Each of these used to load the weights, the state and the steps before the bad value threw.
        for (String lr : new String[] {"NaN", "-Infinity", "0.0", "-1.0E-3"}) {
            refused(target, "'optimizer.learning_rate' is " + lr + ", not positive and finite",
                    edit(l -> l, m -> { m.put("optimizer.learning_rate", lr); return m; }));
        }
        for (String lr : new String[] {" 0.005", "0.005f", "0x1p-8", "5e-3", "1"}) {
            refused(target, "'optimizer.learning_rate' is \"" + lr + "\", not a decimal number",
                    edit(l -> l, m -> { m.put("optimizer.learning_rate", lr); return m; }));
        }
        for (String step : new String[] {"+5", " 5", "05", "5.0"}) {
            refused(target, "'trainer.step' is \"" + step + "\", not an integer",
                    edit(l -> l, m -> { m.put("trainer.step", step); return m; }));
        }
        refused(target, "'optimizer.steps' is 9223372036854775807, the largest long",
                edit(l -> l, m -> { m.put("optimizer.steps", Long.toString(Long.MAX_VALUE)); return m; }));
        refused(target, "'rng.dropout' is \"99999999999999999999\", outside the range of a 64-bit integer",
                edit(l -> l, m -> { m.put("rng.dropout", "99999999999999999999"); return m; }));
    }

    @Test
    void refusalsSayCheckpointNotWeights() throws IOException {
        Trainer target = trainer(7, optimizer("adam"));
        Rnn wider = Rnn.lstm(INPUT, HIDDEN + 1).layers(2).dropout(0.3f).maxBatch(BATCH).maxSteps(STEPS).build();
        Trainer other = new Trainer(new SequenceModel(wider, new Dense(HIDDEN + 1, OUT, BATCH * STEPS, new Rng(1)),
                                                      Readout.PER_STEP), Loss.MSE, new Adam(5e-3f));
        run(target, new Rng(8), 0, 1);
        Path file = dir.resolve("c.safetensors");
        Checkpoint.save(file, target);
        InvalidWeightsException e = assertThrows(InvalidWeightsException.class, () -> Checkpoint.load(file, other));
        assertTrue(e.getMessage().startsWith(file + ": checkpoint refused, nothing loaded: "), e.getMessage());
        assertTrue(!e.getMessage().contains("weights refused"), e.getMessage());
    }
}
