package io.github.vecrnn.cells;

import io.github.vecrnn.testsupport.TestData;
import org.junit.jupiter.api.Test;

import static io.github.vecrnn.testsupport.Refusals.fails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** A shaped batch turns the flat array's silent mistakes into errors, and otherwise runs the flat call's bits. */
class SequenceBatchTest {

    @Test
    void theFlatMistakesAreRefused() {
        Rnn batchFirst = Rnn.lstm(5, 8).batchFirst(true).maxBatch(32).maxSteps(10).build();
        float[] x = new float[32 * 10 * 5];
        fails(() -> SequenceBatch.batchFirst(x, 32, 5, 5), "data has 1600 floats, [batch 32, steps 5, features 5] is 800");
        fails(() -> batchFirst.forward(SequenceBatch.timeMajor(x, 10, 32, 5), null),
              "the batch is time-major but the stack reads batch-first input");
        fails(() -> batchFirst.forward(SequenceBatch.batchFirst(new float[32 * 10 * 4], 32, 10, 4), null),
              "the batch has 4 features per step, the stack takes 5");
        fails(() -> SequenceBatch.batchFirst(x, 32, 10, 5).withLengths(lengthsWith(1, 11)), "lengths[1] = 11, not in [1, 10]");
        fails(() -> SequenceBatch.batchFirst(x, 32, 10, 5).withLengths(new int[3]), "lengths has 3 entries for a batch of 32");
    }

    static int[] lengthsWith(int index, int value) {
        int[] lengths = new int[32];
        java.util.Arrays.fill(lengths, 10);
        lengths[index] = value;
        return lengths;
    }

    @Test
    void aShapedBatchRunsTheFlatCall() {
        Rnn gru = Rnn.gru(3, 6).maxBatch(4).maxSteps(5).seed(2).build();
        float[] x = TestData.uniform(new Rng(3), 5 * 4 * 3, 1f);
        int[] lengths = {5, 2, 4, 1};
        float[] flat = gru.forward(x, 4, 5, lengths, null).outputCopy();
        int[] mine = lengths.clone();
        SequenceBatch batch = SequenceBatch.timeMajor(x, 5, 4, 3).withLengths(mine);
        mine[0] = 1;   // the batch keeps its own copy
        assertArrayEquals(flat, gru.forward(batch, null).outputCopy());
        assertArrayEquals(flat, gru.freeze().forward(batch, null).outputCopy());
        SequenceModel model = new SequenceModel(gru, new Dense(6, 2, 20, new Rng(4)), Readout.PER_STEP);
        float[] logits = model.forward(x, 4, 5, lengths, null).clone();
        assertArrayEquals(logits, model.forward(batch, null).clone());
        assertArrayEquals(logits, model.freeze().forward(batch, null).clone());
    }
}
