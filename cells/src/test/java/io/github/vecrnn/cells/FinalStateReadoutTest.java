package io.github.vecrnn.cells;

import io.github.vecrnn.testsupport.TestData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Readout#FINAL_STATE}: the top layer's h_n of each direction, concatenated, into the head; backward sends
 * the head's input gradient to dL/dh_n. Checked against the plain calls it stands for (Rnn.forward and backward,
 * whose h_n and its gradient other tests check against PyTorch) and, for one direction, against LAST_STEP.
 */
class FinalStateReadoutTest {
    static final int[] LENGTHS = {4, 2, 3};

    @Test
    void oneDirectionGivesTheLastStepsBits() {
        Rnn a = Rnn.lstm(3, 5).layers(2).maxBatch(3).maxSteps(4).seed(1).build(), b = Rnn.lstm(3, 5).layers(2).maxBatch(3).maxSteps(4).seed(1).build();
        SequenceModel last = new SequenceModel(a, new Dense(5, 2, 3, new Rng(2)), Readout.LAST_STEP);
        SequenceModel state = new SequenceModel(b, new Dense(5, 2, 3, new Rng(2)), Readout.FINAL_STATE);
        float[] x = TestData.uniform(new Rng(3), 4 * 3 * 3, 1f), dLogits = TestData.uniform(new Rng(4), 6, 1f);
        assertArrayEquals(last.forward(x, 3, 4, LENGTHS, null).clone(), state.forward(x, 3, 4, LENGTHS, null).clone());
        last.backward(dLogits);
        state.backward(dLogits);
        for (int k = 0; k < 2; k++) {
            assertArrayEquals(last.parameters().get(k).gradients(), state.parameters().get(k).gradients(), "module " + k);
        }
    }

    @Test
    void twoDirectionsFeedBothFinalStates() {
        Rnn rnn = Rnn.gru(3, 4).layers(2).bidirectional(true).merge(Merge.SUM).maxBatch(3).maxSteps(4).seed(5).build();
        Rnn plain = Rnn.gru(3, 4).layers(2).bidirectional(true).merge(Merge.SUM).maxBatch(3).maxSteps(4).seed(5).build();
        SequenceModel model = new SequenceModel(rnn, new Dense(8, 2, 3, new Rng(6)), Readout.FINAL_STATE);
        Dense head = new Dense(8, 2, 3, new Rng(6));
        float[] x = TestData.uniform(new Rng(7), 4 * 3 * 3, 1f), dLogits = TestData.uniform(new Rng(8), 6, 1f);

        RnnOutput out = plain.forward(x, 3, 4, LENGTHS, null);
        float[] features = new float[3 * 8];   // [b, (forward h_n of layer 1, reverse h_n of layer 1)]
        for (int b = 0; b < 3; b++) {
            System.arraycopy(out.finalHidden(), (2 * 3 + b) * 4, features, b * 8, 4);
            System.arraycopy(out.finalHidden(), (3 * 3 + b) * 4, features, b * 8 + 4, 4);
        }
        float[] expected = head.forward(features, 3).clone();
        float[] dFeatures = head.backward(dLogits);
        float[] dFinal = new float[4 * 3 * 4];
        for (int b = 0; b < 3; b++) {
            System.arraycopy(dFeatures, b * 8, dFinal, (2 * 3 + b) * 4, 4);
            System.arraycopy(dFeatures, b * 8 + 4, dFinal, (3 * 3 + b) * 4, 4);
        }
        plain.backward(null, dFinal, null, false);

        assertArrayEquals(expected, model.forward(x, 3, 4, LENGTHS, null).clone());
        model.backward(dLogits);
        assertArrayEquals(plain.parameters().gradients(), rnn.parameters().gradients(), "the stack's gradients");
        assertArrayEquals(head.parameters().gradients(), model.head().parameters().gradients(), "the head's gradients");
        boolean reached = false;
        for (float g : rnn.parameters().gradients()) reached |= g != 0f;
        assertTrue(reached, "the gradient reached the stack");
    }

    @Test
    void theHeadMustTakeDirectionsTimesHidden() {
        Rnn rnn = Rnn.lstm(3, 4).bidirectional(true).merge(Merge.SUM).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SequenceModel(rnn, new Dense(4, 1, 1, new Rng(1)), Readout.FINAL_STATE));
        assertEquals("head takes 4 features but the recurrent stack's final states (directions x hidden) have 8", e.getMessage());
    }
}
