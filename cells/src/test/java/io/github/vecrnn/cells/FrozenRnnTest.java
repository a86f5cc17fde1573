package io.github.vecrnn.cells;

import io.github.vecrnn.testsupport.RnnConfig;
import io.github.vecrnn.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
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
                for (RnnConfig config : List.of(RnnConfig.of(CellKind.LSTM), RnnConfig.of(CellKind.LSTM).withPeepholes().withBidirectional(),
                                                RnnConfig.of(CellKind.LSTM).withLayerNorm(), RnnConfig.of(CellKind.GRU),
                                                RnnConfig.of(CellKind.GRU).withResetBefore(), RnnConfig.of(CellKind.RNN_TANH).withLayers(2).withBatchFirst())) {
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
    void givesTheBitsOfInferenceModeAndIgnoresLaterWeightChanges(RnnConfig config, int threads, int batch) {
        // hidden 128: two ranges of whole strips on 2 threads at every vector width
        Rnn rnn = InferenceModeTest.build(config, threads, batch, 128).training(false).inferenceMode(true);
        Rng rng = new Rng(9);
        float[] x = TestData.uniform(rng, 7 * batch * 13, 1f);
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) lengths[b] = 7 - (b * 3) % 7;   // 7, 4, 1, 5, ...: padded rows when batch > 1
        RnnState initial = TestData.randomState(rnn, batch, rng);

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

    /**
     * A frozen copy sized for a batch of 8 gives the stack's inference-mode bits at every batch up to 8: a
     * frozen layer keeps fewer rows of pre-activations than the stack (one step's from a batch of 4, where
     * the projection runs per step; every step's below), so batches 1 to 3 fill the most rows it has.
     */
    static Stream<RnnConfig> batchSweepConfigurations() {
        return Stream.of(RnnConfig.of(CellKind.LSTM), RnnConfig.of(CellKind.LSTM).withLayerNorm(), RnnConfig.of(CellKind.GRU),
                         RnnConfig.of(CellKind.GRU).withResetBefore(), RnnConfig.of(CellKind.RNN_TANH).withLayers(2).withBatchFirst());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("batchSweepConfigurations")
    void givesTheStacksBitsAtEveryBatchUpToItsMaximum(RnnConfig config) {
        Rnn rnn = InferenceModeTest.build(config, 1, 8, 37).training(false).inferenceMode(true);
        FrozenRnn frozen = rnn.freeze();
        Rng rng = new Rng(10);
        for (int batch = 1; batch <= 8; batch++) {
            float[] x = TestData.uniform(rng, 7 * batch * 13, 1f);
            assertSameResult(rnn.forward(x, batch, 7, null, null), frozen.forward(x, batch, 7, null, null), "batch " + batch);
        }
    }

    /**
     * A frozen copy holds what inference needs and not the stack's training buffers (gradients, what
     * backward reads, R packed for backward): freezing an LSTM of input 128, hidden 256, 100 steps,
     * batch 32 allocates no more than 10% above the sum of its states h and c (two steps), its layer output,
     * its rows of pre-activations (3 steps' worth below batch 4), its packed W^T and R^T, and its weights,
     * and less than a quarter of what building the stack allocated (measured: 8.1 MB against 53.0).
     */
    @Test
    void aFrozenCopyHoldsNoTrainingBuffers() {
        int input = 128, hidden = 256, steps = 100, batch = 32, gates = 4 * hidden;
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadAllocatedBytes();
        Rnn rnn = Rnn.builder(CellKind.LSTM, input, hidden).maxBatch(batch).maxSteps(steps)
                .kernels(io.github.vecrnn.kernel.Kernels.preferred().withThreads(1)).build();
        long before = threads.getCurrentThreadAllocatedBytes(), stack = before - start;
        FrozenRnn frozen = rnn.freeze();
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        long floats = 2L * 2 * batch * hidden                         // h and c of the last two steps
                      + (long) steps * batch * hidden                 // the layer's output
                      + (long) Math.max(batch, 3 * steps) * gates     // pre-activations
                      + (long) (input + hidden) * gates               // W^T and R^T packed
                      + rnn.parameters().values().length;             // the weights
        System.out.printf("LSTM A: building the stack allocated %.1f MB, freezing it %.1f MB (inference buffers %.1f MB)%n",
                          stack / 1e6, allocated / 1e6, 4 * floats / 1e6);
        assertTrue(allocated <= 1.1 * 4 * floats, "freezing allocated " + allocated + " bytes, the inference buffers take "
                   + 4 * floats);
        assertTrue(4 * allocated < stack, "freezing allocated " + allocated + " bytes, building the stack " + stack);
        assertEquals(batch, frozen.forward(new float[steps * batch * input], batch, steps, null, null).batch());
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
