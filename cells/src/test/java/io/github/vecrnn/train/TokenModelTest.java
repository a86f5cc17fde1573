package io.github.vecrnn.train;

import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.Embedding;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.SequenceModel;
import io.github.vecrnn.io.ModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.github.vecrnn.testsupport.Refusals.fails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model with token input: an Embedding before the stack, trained, saved and loaded like any other. */
class TokenModelTest {

    static SequenceModel languageModel(long seed) {
        Rnn gru = Rnn.gru(8, 16).batchFirst(true).maxBatch(4).maxSteps(6).seed(seed).build();
        return new SequenceModel(new Embedding(6, 8, 24, new Rng(seed + 1)), gru, new Dense(16, 6, 24, new Rng(seed + 2)), Readout.PER_STEP);
    }

    /** Sequences of token ids; the target of each step is the next id, (id + 1) mod 6. */
    static Dataset counting(int sequences, Rng rng) {
        float[][][] x = new float[sequences][6][1], y = new float[sequences][6][1];
        for (int n = 0; n < sequences; n++) {
            int token = rng.nextInt(6);
            for (int t = 0; t < 6; t++) {
                x[n][t][0] = token;
                token = (token + 1) % 6;
                y[n][t][0] = token;
            }
        }
        return Dataset.perStep(x, y);
    }

    @Test
    void aTokenModelLearnsAndIsSavedWhole(@TempDir Path dir) throws Exception {
        SequenceModel model = languageModel(1);
        assertEquals(List.of("embedding.", "rnn.", "head."), List.copyOf(model.namedParameters().keySet()));
        Trainer trainer = new Trainer(model, Loss.CROSS_ENTROPY, new Adam(2e-2f));
        Dataset data = counting(32, new Rng(2));
        trainer.fit(data, Fit.epochs(30).batchSize(4));
        Evaluation e = trainer.evaluate(data, 4, Metric.ACCURACY, Metric.PERPLEXITY);
        assertEquals(1.0, e.metric(Metric.ACCURACY), e.toString());
        assertTrue(e.metric(Metric.PERPLEXITY) < 1.2, e.toString());

        Path file = dir.resolve("lm.safetensors");
        ModelFile.save(file, model);
        SequenceModel loaded = ModelFile.load(file);
        float[][][] probe = {{{0}, {1}, {2}}, {{5}}};
        float[][] expected = model.predict(probe), got = loaded.predict(probe), frozen = loaded.freeze().predict(probe);
        for (int n = 0; n < 2; n++) {
            assertArrayEquals(expected[n], got[n], "loaded, sequence " + n);
            assertArrayEquals(expected[n], frozen[n], "frozen, sequence " + n);
        }

        Path checkpoint = dir.resolve("checkpoint.safetensors");
        Checkpoint.save(checkpoint, trainer);
        Trainer resumed = new Trainer(languageModel(9), Loss.CROSS_ENTROPY, new Adam(2e-2f));
        Checkpoint.load(checkpoint, resumed);
        assertArrayEquals(model.embedding().parameters().values(), resumed.model().embedding().parameters().values());
    }

    /** The model's backward is the chain of the modules' own: the embedding gets the stack's input gradient. */
    @Test
    void theEmbeddingGetsTheStacksInputGradient() {
        SequenceModel model = languageModel(3);
        Embedding embedding = new Embedding(6, 8, 24, new Rng(4));
        Rnn rnn = Rnn.gru(8, 16).batchFirst(true).maxBatch(4).maxSteps(6).seed(3).build();
        Dense head = new Dense(16, 6, 24, new Rng(5));
        System.arraycopy(model.embedding().parameters().values(), 0, embedding.parameters().values(), 0, 48);
        System.arraycopy(model.head().parameters().values(), 0, head.parameters().values(), 0, head.parameters().size());
        float[] x = {0, 3, 5, 1, 2, 2, 4, 0};   // [B 2, T 4] batch-first
        int[] ids = {0, 3, 5, 1, 2, 2, 4, 0};
        float[] dLogits = new float[8 * 6];
        for (int i = 0; i < dLogits.length; i++) dLogits[i] = (i % 7) * 0.1f - 0.3f;

        float[] logits = head.forward(rnn.forward(embedding.forward(ids, 8), 2, 4, null, null).output(), 8).clone();
        rnn.backward(head.backward(dLogits), null, null, true);
        embedding.backward(rnn.inputGradient());

        assertArrayEquals(logits, model.forward(x, 2, 4, null, null).clone());
        model.backward(dLogits);
        assertArrayEquals(embedding.parameters().gradients(), model.embedding().parameters().gradients(), "embedding gradients");
        assertArrayEquals(rnn.parameters().gradients(), model.rnn().parameters().gradients(), "stack gradients");
    }

    @Test
    void tokenIdsMustBeWholeAndInTheVocabulary() {
        SequenceModel model = languageModel(5);
        fails(() -> model.forward(new float[] {1, 2.5f}, 1, 2, null, null), "x[1] = 2.5 is not a token id in [0, 6)");
        fails(() -> model.forward(new float[] {6, 0}, 1, 2, null, null), "x[0] = 6.0 is not a token id in [0, 6)");
        IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
                () -> new SequenceModel(new Embedding(6, 5, 24, new Rng(1)), Rnn.gru(8, 16).maxBatch(4).maxSteps(6).build(),
                                        new Dense(16, 6, 24, new Rng(2)), Readout.PER_STEP));
        assertEquals("the embedding gives vectors of 5, the stack takes 8", wide.getMessage());
    }
}
