package io.github.vecrnn.cells;

import io.github.vecrnn.testsupport.TestData;
import org.junit.jupiter.api.Test;

import static io.github.vecrnn.testsupport.Refusals.fails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** One state serves every batch up to its own: a call reads and carries the first rows of each slice. */
class StateBatchTest {

    @Test
    void aLargerStateServesASmallerBatch() {
        Rnn lstm = Rnn.lstm(3, 4).layers(2).bidirectional(true).maxBatch(5).maxSteps(3).seed(1).build();
        Rng rng = new Rng(2);
        RnnState large = TestData.randomState(lstm, 5, rng);
        RnnState exact = lstm.newState(2);
        for (int slice = 0; slice < 4; slice++) {   // rows 0 and 1 of each slice
            System.arraycopy(large.hidden(), slice * 5 * 4, exact.hidden(), slice * 2 * 4, 8);
            System.arraycopy(large.cell(), slice * 5 * 4, exact.cell(), slice * 2 * 4, 8);
        }
        float[] x = TestData.uniform(rng, 3 * 2 * 3, 1f);
        RnnOutput expected = lstm.replica().forward(x, 2, 3, null, exact);
        float[] expectedOutput = expected.outputCopy(), expectedHidden = expected.finalHidden().clone(), expectedCell = expected.finalCell().clone();

        large.hidden()[2 * 4] = Float.NaN;   // row 2 of slice 0: not read by a batch of 2
        RnnOutput out = lstm.forward(x, 2, 3, null, large);
        assertArrayEquals(expectedOutput, out.outputCopy());

        float[] untouched = large.hidden().clone();
        large.carryFrom(out);
        for (int slice = 0; slice < 4; slice++) {
            for (int i = 0; i < 5 * 4; i++) {
                float want = i < 8 ? expectedHidden[slice * 8 + i] : untouched[slice * 20 + i];
                assertEquals(want, large.hidden()[slice * 20 + i], 0f, "h slice " + slice + " element " + i);
                if (i < 8) assertEquals(expectedCell[slice * 8 + i], large.cell()[slice * 20 + i], 0f, "c slice " + slice + " element " + i);
            }
        }
    }

    @Test
    void aNonFiniteValueInTheRowsReadIsNamed() {
        Rnn gru = Rnn.gru(3, 4).layers(2).maxBatch(5).maxSteps(3).build();
        RnnState state = gru.newState(5);
        state.hidden()[(1 * 5 + 1) * 4 + 2] = Float.POSITIVE_INFINITY;   // slice 1, row 1, unit 2
        fails(() -> gru.forward(new float[18], 2, 3, null, state), "initial state h_0[1, 1, 2] is Infinity (layer 1, b=1)");
        fails(() -> gru.forward(new float[45], 5, 3, null, gru.newState(4)),
              "initial state has shape [2, 4, 4], expected [2, 5 or more, 4]");
    }
}
