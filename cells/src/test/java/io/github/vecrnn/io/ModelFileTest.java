package io.github.vecrnn.io;

import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.FrozenSequenceModel;
import io.github.vecrnn.cells.Merge;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.SequenceModel;
import io.github.vecrnn.kernel.Kernels;
import io.github.vecrnn.testsupport.ChildJvm;
import io.github.vecrnn.train.Adam;
import io.github.vecrnn.train.Loss;
import io.github.vecrnn.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.github.vecrnn.testsupport.Refusals.fails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A whole model in one file: saved, loaded with no configuration code (here and in another JVM), the same bits. */
class ModelFileTest {

    static List<SequenceModel> models() {
        return List.of(
                new SequenceModel(Rnn.lstm(3, 5).layers(2).bidirectional(true).peepholes(true).layerNorm(true).batchFirst(true)
                                          .maxBatch(3).maxSteps(4).seed(1).build(), new Dense(10, 2, 12, new Rng(2)), Readout.PER_STEP),
                new SequenceModel(Rnn.gru(3, 6).linearBeforeReset(false).maxBatch(3).maxSteps(4).seed(3).build(),
                                  new Dense(6, 4, 3, new Rng(4)), Readout.LAST_STEP),
                new SequenceModel(Rnn.builder(CellKind.RNN_RELU, 3, 4).layers(3).dropout(0.25f).bidirectional(true).merge(Merge.SUM)
                                          .maxBatch(2).maxSteps(4).seed(5).build(), new Dense(4, 1, 8, new Rng(6)), Readout.PER_STEP),
                new SequenceModel(Rnn.lstm(3, 4).inputForget(true).maxBatch(3).maxSteps(4).seed(7).build(),
                                  new Dense(4, 3, 3, new Rng(8)), Readout.LAST_STEP),
                new SequenceModel(Rnn.gru(3, 4).bidirectional(true).merge(Merge.AVERAGE).maxBatch(3).maxSteps(4).seed(9).build(),
                                  new Dense(8, 2, 3, new Rng(10)), Readout.FINAL_STATE));
    }

    static float[][][] sequences() {
        Rng rng = new Rng(9);
        float[][][] x = new float[5][][];
        for (int n = 0; n < x.length; n++) {
            x[n] = new float[1 + n % 4][3];
            for (float[] step : x[n]) for (int i = 0; i < 3; i++) step[i] = rng.uniform(-1, 1);
        }
        return x;
    }

    @Test
    void aSavedModelLoadsWithItsArchitectureAndGivesTheSameBits(@TempDir Path dir) throws IOException {
        int k = 0;
        for (SequenceModel model : models()) {
            Path file = dir.resolve("model" + k++ + ".safetensors");
            ModelFile.save(file, model);
            SequenceModel loaded = ModelFile.load(file);
            assertEquals(model.toString(), loaded.toString());
            assertEquals(ModelFile.architecture(model), ModelFile.architecture(loaded));
            float[][] expected = model.predict(sequences()), got = loaded.predict(sequences());
            for (int n = 0; n < expected.length; n++) assertArrayEquals(expected[n], got[n], model + ": sequence " + n);
            float[][] frozen = loaded.freeze().predict(sequences());
            for (int n = 0; n < expected.length; n++) assertArrayEquals(expected[n], frozen[n], model + " frozen: sequence " + n);
        }
    }

    /** Saved here, loaded and run in a fresh JVM with no configuration: the predictions are the same bits. */
    @Test
    void anotherJvmServesTheSavedModel(@TempDir Path dir) throws Exception {
        SequenceModel model = models().get(0);
        Path file = dir.resolve("model.safetensors"), out = dir.resolve("predictions.bin");
        ModelFile.save(file, model);
        ChildJvm.Result r = ChildJvm.run(List.of("--add-modules=jdk.incubator.vector"), Serve.class, file.toString(), out.toString());
        assertEquals(0, r.exitCode(), r.output());
        float[][] expected = model.predict(sequences());
        try (DataInputStream in = new DataInputStream(Files.newInputStream(out))) {
            for (int n = 0; n < expected.length; n++) {
                float[] got = new float[in.readInt()];
                for (int i = 0; i < got.length; i++) got[i] = in.readFloat();
                assertArrayEquals(expected[n], got, "sequence " + n);
            }
        }
    }

    /** The child: loads the file, freezes it and writes each sequence's logits. */
    public static final class Serve {
        public static void main(String[] args) throws IOException {
            FrozenSequenceModel served = ModelFile.load(Path.of(args[0])).freeze();
            try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(Path.of(args[1])))) {
                for (float[] logits : served.predict(sequences())) {
                    out.writeInt(logits.length);
                    for (float v : logits) out.writeFloat(v);
                }
            }
        }
    }

    /** A frozen model keeps the weights it was frozen with; its replica gives the same bits. */
    @Test
    void aFrozenModelIsASnapshot() {
        SequenceModel model = models().get(1);
        FrozenSequenceModel frozen = model.freeze();
        float[][] before = frozen.predict(sequences());
        Trainer trainer = new Trainer(model, Loss.MSE, new Adam(0.1f));
        float[] x = new float[4 * 3 * 3], y = new float[3 * 4];
        java.util.Arrays.fill(x, 0.5f);
        java.util.Arrays.fill(y, 3f);
        trainer.step(x, y, 3, 4, null);
        float[][] after = frozen.predict(sequences()), replica = frozen.replica().predict(sequences()), trained = model.predict(sequences());
        for (int n = 0; n < before.length; n++) {
            assertArrayEquals(before[n], after[n], "sequence " + n + ": training the model changed its frozen copy");
            assertArrayEquals(before[n], replica[n], "sequence " + n + ": the replica");
        }
        assertTrue(!java.util.Arrays.equals(before[0], trained[0]), "the step changed the model");
    }

    @Test
    void filesThatDoNotDescribeAModelAreRefusedBeforeAnythingIsBuilt(@TempDir Path dir) throws IOException {
        SequenceModel model = models().get(3);
        Path weightsOnly = dir.resolve("weights.safetensors");
        Weights.save(weightsOnly, model.namedParameters(), Map.of());
        assertRefused(weightsOnly, "no model architecture in this file: metadata 'format' is missing");

        assertRefused(dir, model, Map.of("model.hidden_size", "04"), "metadata 'model.hidden_size' is \"04\", not a count");
        assertRefused(dir, model, Map.of("model.peepholes", "yes"), "metadata 'model.peepholes' is \"yes\", not true or false");
        assertRefused(dir, model, Map.of("model.cell", "lstm"), "metadata 'model.cell' is \"lstm\", not one of [RNN_TANH");
        assertRefused(dir, model, Map.of("model.dropout", "0.50"), "metadata 'model.dropout' is \"0.50\"");
        assertRefused(dir, model, Map.of("model.hidden_size", "400000"),
                      "tensor 'rnn.weight_ih_l0' is [16, 3], the architecture needs [1600000, 3]");
        assertRefused(dir, model, Map.of("model.cell", "GRU"), "tensor 'rnn.weight_ih_l0' is [16, 3], the architecture needs [12, 3]");
        assertRefused(dir, model, Map.of("model.max_batch", "999999999", "model.max_steps", "999999999"),
                      "model refused, nothing built: maxSteps * maxBatch * width");
        Map<String, String> missing = new LinkedHashMap<>(ModelFile.architecture(model));
        missing.remove("model.readout");
        Path file = dir.resolve("missing.safetensors");
        Weights.save(file, model.namedParameters(), missing);
        assertRefused(file, "metadata 'model.readout' is missing");
    }

    static void assertRefused(Path dir, SequenceModel model, Map<String, String> changes, String fragment) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(ModelFile.architecture(model));
        meta.putAll(changes);
        Path file = dir.resolve("changed.safetensors");
        Weights.save(file, model.namedParameters(), meta);
        assertRefused(file, fragment);
    }

    static void assertRefused(Path file, String fragment) {
        fails(InvalidWeightsException.class, () -> ModelFile.load(file, Kernels.scalar()), fragment);
    }
}
