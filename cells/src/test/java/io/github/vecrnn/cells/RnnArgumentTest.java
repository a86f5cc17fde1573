package io.github.vecrnn.cells;

import org.junit.jupiter.api.Test;

import static io.github.vecrnn.testsupport.Refusals.fails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each documented error: the exception type and a message naming the argument and both shapes. */
class RnnArgumentTest {
    final Rnn lstm = Rnn.lstm(3, 4).layers(2).bidirectional(true).maxBatch(2).maxSteps(5).build();

    @Test
    void forwardRefusesBadShapesAndValues() {
        float[] x = new float[5 * 2 * 3];
        fails(() -> lstm.forward(x, 3, 5, null, null), "batch", "[1, 2]", "maxBatch", "3");
        fails(() -> lstm.forward(x, 0, 5, null, null), "batch", "0");
        fails(() -> lstm.forward(x, 2, 6, null, null), "steps", "[1, 5]", "6");
        fails(() -> lstm.forward(new float[29], 2, 5, null, null), "input has 29 floats", "[5, 2, 3]", "needs 30");
        fails(() -> lstm.forward(x, 2, 5, new int[] {5, 0}, null), "lengths[1] = 0", "[1, 5]");
        fails(() -> lstm.forward(x, 2, 4, new int[] {5, 1}, null), "lengths[0] = 5", "[1, 4]");
        fails(() -> lstm.forward(x, 2, 5, new int[] {5}, null), "lengths has 1", "batch is 2");
        float[] nan = x.clone();
        nan[7] = Float.NaN;
        fails(() -> lstm.forward(nan, 2, 5, null, null), "input[7] is NaN", "t=1, b=0, feature 1");
        RnnState wrongBatch = new RnnState(4, 1, 4, true);
        fails(() -> lstm.forward(x, 2, 5, null, wrongBatch), "[4, 1, 4]", "expected [4, 2 or more, 4]");
        RnnState noCell = new RnnState(4, 2, 4, false);
        fails(() -> lstm.forward(x, 2, 5, null, noCell), "lacks a cell state");
    }

    @Test
    void layerNormIsRefusedWhereItIsNotDefined() {
        fails(() -> Rnn.rnn(3, 4).layerNorm(true).build(), "layerNorm is an LSTM and GRU option, not RNN_TANH");
        fails(() -> Rnn.gru(3, 4).linearBeforeReset(false).layerNorm(true).build(), "needs linearBeforeReset(true)");
        Rnn ln = Rnn.lstm(3, 4).layerNorm(true).build();
        fails(() -> io.github.vecrnn.io.Onnx.export(ln, false), "no layer normalization");
    }

    @Test
    void backwardRefusesBadShapes() {
        assertThrows(IllegalStateException.class, () -> Rnn.gru(3, 4).build().backward(null, null, null));
        lstm.forward(new float[30], 2, 5, null, null);
        fails(() -> lstm.backward(new float[79], null, null), "dOutput has 79 floats", "[5, 2, 8]", "needs 80");
        fails(() -> lstm.backward(null, new float[15], null), "dFinalHidden has 15", "[4, 2, 4]", "needs 32");
        fails(() -> lstm.backward(null, null, new float[3]), "dFinalCell has 3", "needs 32");
        Rnn gru = Rnn.gru(3, 4).maxBatch(2).maxSteps(5).build();
        gru.forward(new float[30], 2, 5, null, null);
        fails(() -> gru.backward(null, null, new float[8]), "dFinalCell given but GRU has no cell state");
    }

    @Test
    void builderRefusesNonsense() {
        fails(() -> Rnn.lstm(0, 4), "inputSize", "0");
        fails(() -> Rnn.lstm(3, -1), "hiddenSize", "-1");
        fails(() -> Rnn.gru(3, 4).peepholes(true).build(), "LSTM options", "GRU");
        fails(() -> Rnn.lstm(3, 4).merge(Merge.SUM).build(), "bidirectional");
        fails(() -> Rnn.lstm(3, 4).dropout(1f), "dropout", "[0, 1)");
        fails(() -> Rnn.lstm(3, 4).dropout(0.5f).build(), "between layers");
        fails(() -> Rnn.lstm(3, 4).layers(0), "layers");
        fails(() -> Rnn.lstm(100_000, 4).maxBatch(1000).maxSteps(1000).build(), "exceeds one Java array");
        // rows x width beyond a long: the check must not overflow into a pass
        fails(() -> Rnn.lstm(4, 4).maxBatch(999_999_999).maxSteps(999_999_999).build(), "exceeds one Java array");
    }

    @Test
    void aRefusedCallLeavesOutputsUntouched() {
        float[] x = new float[30];
        for (int i = 0; i < x.length; i++) x[i] = i * 0.01f;
        RnnOutput out = lstm.forward(x, 2, 5, null, null);
        float[] before = out.outputCopy();
        fails(() -> lstm.forward(x, 2, 5, new int[] {5, 9}, null), "lengths[1] = 9");
        assertArrayEquals(before, out.outputCopy());
    }

    @Test
    void batchFirstGivesTheSameNumbersTransposed() {
        Rnn seq = Rnn.gru(3, 4).bidirectional(true).maxBatch(2).maxSteps(5).seed(9).build();
        Rnn bat = Rnn.gru(3, 4).bidirectional(true).batchFirst(true).maxBatch(2).maxSteps(5).seed(9).build();
        Rng rng = new Rng(1);
        float[] x = new float[30];
        for (int i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
        float[] xb = new float[30];
        io.github.vecrnn.cells.internal.TimeMajor.toBatchFirst(x, xb, 5, 2, 3);
        RnnOutput a = seq.forward(x, 2, 5, new int[] {5, 3}, null), b = bat.forward(xb, 2, 5, new int[] {5, 3}, null);
        for (int t = 0; t < 5; t++)
            for (int n = 0; n < 2; n++)
                for (int f = 0; f < 8; f++) assertEquals(a.output()[a.index(t, n, f)], b.output()[b.index(t, n, f)], 0f);
        assertArrayEquals(a.finalHiddenCopy(), b.finalHiddenCopy());
    }

    @Test
    void statefulUseContinuesTheSequence() {
        // Running 6 steps at once equals running 3 + 3 with the state carried over.
        Rnn whole = Rnn.lstm(3, 4).maxBatch(2).maxSteps(6).seed(5).build();
        Rnn parts = Rnn.lstm(3, 4).maxBatch(2).maxSteps(3).seed(5).build();
        Rng rng = new Rng(2);
        float[] x = new float[36];
        for (int i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
        RnnOutput all = whole.forward(x, 2, 6, null, null);
        float[] expected = all.finalHiddenCopy();
        RnnState state = parts.newState(2);
        state.carryFrom(parts.forward(java.util.Arrays.copyOfRange(x, 0, 18), 2, 3, null, state));
        RnnOutput second = parts.forward(java.util.Arrays.copyOfRange(x, 18, 36), 2, 3, null, state);
        assertArrayEquals(expected, second.finalHiddenCopy());
    }

    @Test
    void initialStatesMustBeFiniteAndOfTheCellsKind() {
        float[] x = new float[5 * 2 * 3];
        RnnState h0 = lstm.newState(2);
        h0.hidden()[2 * 2 * 4 + 4 + 1] = Float.NaN;      // [slices 4, batch 2, hidden 4]: slice 2 (layer 1, forward), b 1, unit 1
        fails(() -> lstm.forward(x, 2, 5, null, h0), "initial state h_0[2, 1, 1] is NaN", "layer 1 forward, b=1", "must be finite");
        RnnState c0 = lstm.newState(2);
        c0.cell()[3] = Float.POSITIVE_INFINITY;
        fails(() -> lstm.forward(x, 2, 5, null, c0), "initial state c_0[0, 0, 3] is Infinity");
        Rnn gru = Rnn.gru(3, 4).layers(2).bidirectional(true).maxBatch(2).maxSteps(5).build();
        fails(() -> gru.forward(x, 2, 5, null, lstm.newState(2)), "initial state has a cell state; GRU has none");
        fails(() -> lstm.forward(x, 2, 5, null, gru.newState(2)), "initial state lacks a cell state; LSTM needs one");
        // checkFinite(false) leaves the check to the caller, for inputs and states alike
        Rnn unchecked = Rnn.lstm(3, 4).layers(2).bidirectional(true).maxBatch(2).maxSteps(5).checkFinite(false).build();
        unchecked.forward(x, 2, 5, null, h0);
    }

    @Test
    void aStackWhoseBuffersCannotFitTheHeapIsRefusedWithItsSize() {
        long heap = Runtime.getRuntime().maxMemory();
        int steps = (int) Math.min(Integer.MAX_VALUE / 64, heap / 100);  // about 110 floats (440 bytes) a row: 4x the heap
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rnn.lstm(4, 8).maxSteps(steps).build());
        assertTrue(e.getMessage().contains("this stack's buffers take about") && e.getMessage().contains("maxSteps " + steps)
                   && e.getMessage().contains("more than the JVM's whole heap"), e.getMessage());
    }
}
