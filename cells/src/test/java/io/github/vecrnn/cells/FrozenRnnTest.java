package io.github.vecrnn.cells;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A frozen stack computes what its stack computes in inference mode, bit for bit, with the weights it
 * was frozen with: later changes to the stack's weights do not reach it, even though it never compares
 * its packed weights again.
 */
class FrozenRnnTest {

    static Stream<Arguments> configurations() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (int threads : new int[] {1, 2}) {
            for (int batch : new int[] {1, 6}) {      // batch 1: projection for all steps; 6: per step (split on 2 threads)
                for (String config : new String[] {"lstm", "lstm peepholes bidirectional", "lstm layer norm", "gru",
                                                   "gru reset before", "rnn 2 layers batch-first"}) {
                    cases.add(Arguments.of(config, threads, batch));
                }
            }
        }
        return cases.build();
    }

    private static void assertSameResult(RnnOutput expected, RnnOutput actual, String what) {
        assertArrayEquals(expected.outputCopy(), actual.outputCopy(), what + ": output");
        assertArrayEquals(expected.finalHiddenCopy(), actual.finalHiddenCopy(), what + ": final hidden state");
        assertArrayEquals(expected.finalCellCopy(), actual.finalCellCopy(), what + ": final cell state");
    }

    @ParameterizedTest(name = "{0}, {1} threads, batch {2}")
    @MethodSource("configurations")
    void givesTheBitsOfInferenceModeAndIgnoresLaterWeightChanges(String config, int threads, int batch) {
        // hidden 128: two ranges of whole strips on 2 threads at every vector width
        Rnn rnn = InferenceModeTest.build(config, threads, batch, 128).training(false).inferenceMode(true);
        Rng rng = new Rng(9);
        float[] x = FiniteDifferenceTest.random(rng, 7 * batch * 13, 1f);
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) lengths[b] = 7 - (b * 3) % 7;   // 7, 4, 1, 5, ...: padded rows when batch > 1
        RnnState initial = InferenceModeTest.randomState(rnn, batch, rng);

        FrozenRnn frozen = rnn.freeze();
        FrozenRnn replica = frozen.replica();
        RnnOutput before = rnn.forward(x, batch, 7, lengths, initial);
        float[] outBefore = before.outputCopy(), hBefore = before.finalHiddenCopy(), cBefore = before.finalCellCopy();
        for (int call = 0; call < 2; call++) {      // the second call runs on the packs of the first
            assertSameResult(before, frozen.forward(x, batch, 7, lengths, initial), "frozen, call " + call);
            assertSameResult(before, replica.forward(x, batch, 7, lengths, initial), "replica, call " + call);
        }

        // change W, R and the biases of every layer in the stack: the stack sees it, the frozen copy does not
        float[] w = rnn.parameters().values();
        for (int i = 0; i < w.length; i += 7) w[i] += 0.25f;
        RnnOutput changed = rnn.forward(x, batch, 7, lengths, initial);
        float[] outChanged = changed.outputCopy();
        assertFalse(java.util.Arrays.equals(outBefore, outChanged), "the weight change must change the stack's output");
        RnnOutput stale = frozen.forward(x, batch, 7, lengths, initial);
        assertArrayEquals(outBefore, stale.outputCopy(), "frozen output after the stack's weights changed");
        assertArrayEquals(hBefore, stale.finalHiddenCopy(), "frozen final hidden state after the change");
        assertArrayEquals(cBefore, stale.finalCellCopy(), "frozen final cell state after the change");

        // freezing again picks the change up
        assertArrayEquals(outChanged, rnn.freeze().forward(x, batch, 7, lengths, initial).outputCopy(), "frozen again");
    }

    @Test
    void describesItselfAndRefusesBadInputLikeTheStack() {
        Rnn rnn = Rnn.gru(3, 4).maxBatch(2).maxSteps(5).build();
        FrozenRnn frozen = rnn.freeze();
        assertEquals(3, frozen.inputSize());
        assertEquals(4, frozen.outputSize());
        assertEquals(2, frozen.maxBatch());
        assertEquals(5, frozen.maxSteps());
        assertTrue(frozen.toString().startsWith("FrozenRnn[GRU"), frozen.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> frozen.forward(new float[29], 2, 5, null, null));
        assertEquals("input has 29 floats, shape [5, 2, 3] (T, B, F) needs 30", e.getMessage());
    }
}
