package io.github.vecrnn.cells;

import io.github.vecrnn.kernel.Kernels;
import io.github.vecrnn.testsupport.RnnConfig;
import io.github.vecrnn.testsupport.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inference mode reuses one step's rows for every step: its outputs and final states must be the same
 * bits as a forward call that keeps everything, in every path of the step loop (input projected per
 * step from a batch of 4, for all steps below it or with layer norm; split over 2 threads; padding).
 */
class InferenceModeTest {

    static final java.util.List<RnnConfig> CONFIGS = java.util.List.of(
            RnnConfig.of(CellKind.LSTM), RnnConfig.of(CellKind.LSTM).withPeepholes().withBidirectional(), RnnConfig.of(CellKind.LSTM).withLayerNorm(),
            RnnConfig.of(CellKind.GRU), RnnConfig.of(CellKind.GRU).withResetBefore(), RnnConfig.of(CellKind.GRU).withLayerNorm(),
            RnnConfig.of(CellKind.RNN_TANH).withLayers(2));

    static Stream<Arguments> configurations() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (int threads : new int[] {1, 2}) {
            // batch 33: on 2 threads, each thread runs its own rows (16 and 17) through every step
            for (int batch : new int[] {1, 3, 6, 33}) {
                // hidden 128 is split into two ranges of whole strips on 2 threads at every vector width
                for (int hidden : new int[] {37, 128}) {
                    for (RnnConfig config : CONFIGS) cases.add(Arguments.of(config, threads, batch, hidden));
                }
            }
        }
        return cases.build();
    }

    /** The stack of this configuration (also used by FrozenRnnTest): input 13, at most 7 steps. */
    static Rnn build(RnnConfig config, int threads, int batch, int hidden) {
        return config.builder(13, hidden).maxBatch(batch).maxSteps(7).seed(11).kernels(Kernels.preferred().withThreads(threads)).build();
    }

    @ParameterizedTest(name = "{0}, {1} threads, batch {2}, hidden {3}")
    @MethodSource("configurations")
    void givesTheSameBitsAsAForwardThatKeepsEverything(RnnConfig config, int threads, int batch, int hidden) {
        Rnn keeping = build(config, threads, batch, hidden);
        Rnn inference = keeping.replica().inferenceMode(true);
        Rng rng = new Rng(5);
        float[] x = TestData.uniform(rng, 7 * batch * 13, 1f);
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) lengths[b] = 7 - (b * 3) % 7;   // 7, 4, 1, 5, ...: padded rows too
        RnnState initial = TestData.randomState(keeping, batch, rng);
        for (int[] lens : new int[][] {null, lengths}) {
            RnnOutput expected = keeping.forward(x, batch, 7, lens, initial);
            float[] out = expected.outputCopy(), hn = expected.finalHiddenCopy(), cn = expected.finalCellCopy();
            RnnOutput actual = inference.forward(x, batch, 7, lens, initial);
            assertArrayEquals(out, actual.outputCopy(), "output");
            assertArrayEquals(hn, actual.finalHiddenCopy(), "final hidden state");
            assertArrayEquals(cn, actual.finalCellCopy(), "final cell state");
        }
    }

    @Test
    void backwardAfterAnInferenceModeForwardIsRefused() {
        Rnn rnn = Rnn.lstm(3, 5).maxBatch(4).maxSteps(6).build().inferenceMode(true);
        float[] x = new float[6 * 4 * 3], dOut = new float[6 * 4 * 5];
        rnn.forward(x, 4, 6, null, null);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> rnn.backward(dOut, null, null));
        assertTrue(e.getMessage().contains("inference mode"), e.getMessage());
        rnn.inferenceMode(false).forward(x, 4, 6, null, null);
        assertDoesNotThrow(() -> rnn.backward(dOut, null, null));
    }
}
