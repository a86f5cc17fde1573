package io.github.vecrnn.cells;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.vecrnn.io.Onnx;
import io.github.vecrnn.testsupport.RnnConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * ONNX Runtime as the independent oracle for the variants PyTorch does not have (LSTM peepholes and
 * input_forget, the reset-before GRU) and for the ONNX export itself: the model is exported with
 * {@link Onnx#export}, run by ORT's CPU provider on the same input and sequence_lens, and every
 * output (Y, h_n, c_n) is diffed against vecrnn's forward.
 *
 * <p>Tolerance 4e-6 absolute + 4e-5 relative, the bound of the PyTorch fixtures: both sides are float32
 * with different summation orders and different sigmoid/tanh approximations (each within a few ulp,
 * |value| <= 1 for the gates and the hidden state), over at most 2 layers x 7 steps of error
 * propagation. The measured worst ratio is printed.
 */
class OnnxRuntimeOracleTest {
    static final double ABS = 4e-6, REL = 4e-5;
    static final int INPUT = 13, HIDDEN = 37, BATCH = 4, STEPS = 7;
    static final int[] LENGTHS = {7, 3, 1, 5};

    static Rnn build(String name, RnnConfig config) {
        return config.builder(INPUT, HIDDEN).maxBatch(BATCH).maxSteps(STEPS).seed(name.hashCode()).build();
    }

    /** The cases: a name (which seeds the case's data), the configuration, whether the batch is padded. */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("lstm_peep", RnnConfig.of(CellKind.LSTM).withPeepholes(), false),
                Arguments.of("lstm_coupled", RnnConfig.of(CellKind.LSTM).withCoupledGates(), false),
                Arguments.of("lstm_peep_coupled_bi_2layer_padded",
                             RnnConfig.of(CellKind.LSTM).withPeepholes().withCoupledGates().withBidirectional().withLayers(2), true),
                Arguments.of("lstm_2layer_batchfirst_padded", RnnConfig.of(CellKind.LSTM).withLayers(2).withBatchFirst(), true),
                Arguments.of("gru_before", RnnConfig.of(CellKind.GRU).withResetBefore(), false),
                Arguments.of("gru_before_bi_2layer_padded", RnnConfig.of(CellKind.GRU).withResetBefore().withBidirectional().withLayers(2), true),
                Arguments.of("gru_after_bi_padded", RnnConfig.of(CellKind.GRU).withBidirectional(), true),
                Arguments.of("tanh_2layer_padded", RnnConfig.of(CellKind.RNN_TANH).withLayers(2), true),
                Arguments.of("relu_bi_batchfirst_padded", RnnConfig.of(CellKind.RNN_RELU).withBidirectional().withBatchFirst(), true));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void matchesOnnxRuntime(String name, RnnConfig config, boolean padded) throws OrtException {
        Rnn rnn = build(name, config);
        Rng rng = new Rng(name.hashCode() * 17L);
        float[] x = new float[STEPS * BATCH * INPUT];
        for (int i = 0; i < x.length; i++) x[i] = 2f * rng.nextFloat() - 1f;
        int[] lengths = padded ? LENGTHS : null;
        RnnOutput ours = rnn.forward(x, BATCH, STEPS, lengths, null);

        Map<String, float[]> theirs = runOrt(Onnx.export(rnn, lengths != null), rnn, x, lengths);
        double worst = 0;
        worst = Math.max(worst, compare(name + " output", ours.output(), theirs.get("output")));
        worst = Math.max(worst, compare(name + " h_n", ours.finalHidden(), theirs.get("h_n")));
        if (rnn.kind() == CellKind.LSTM) worst = Math.max(worst, compare(name + " c_n", ours.finalCell(), theirs.get("c_n")));
        System.out.printf("OnnxRuntimeOracleTest %-36s worst |diff| / (%.0e + %.0e |ort|) = %.3f%n", name, ABS, REL, worst);
    }

    /** The whole model (stack and head) exported: ONNX Runtime's logits are vecrnn's, per step and at the last step. */
    @Test
    void theWholeModelMatchesOnnxRuntime() throws OrtException {
        record Case(String name, RnnConfig config, Readout readout, int[] lengths) {}
        for (Case c : new Case[] {
                new Case("lstm_bi_2layer_per_step", RnnConfig.of(CellKind.LSTM).withBidirectional().withLayers(2), Readout.PER_STEP, LENGTHS),
                new Case("gru_batchfirst_per_step", RnnConfig.of(CellKind.GRU).withBatchFirst(), Readout.PER_STEP, null),
                new Case("lstm_2layer_last_step", RnnConfig.of(CellKind.LSTM).withLayers(2).withPeepholes(), Readout.LAST_STEP, LENGTHS),
                new Case("gru_batchfirst_last_step", RnnConfig.of(CellKind.GRU).withBatchFirst(), Readout.LAST_STEP, null),
                new Case("lstm_bi_2layer_final_state", RnnConfig.of(CellKind.LSTM).withBidirectional().withLayers(2), Readout.FINAL_STATE, LENGTHS)}) {
            Rnn rnn = build(c.name(), c.config());
            int rows = c.readout() == Readout.PER_STEP ? STEPS * BATCH : BATCH;
            SequenceModel model = new SequenceModel(rnn, new Dense(SequenceModel.features(rnn, c.readout()), 3, rows, new Rng(c.name().hashCode())),
                                                    c.readout());
            Rng rng = new Rng(c.name().hashCode() * 31L);
            float[] x = new float[STEPS * BATCH * INPUT];
            for (int i = 0; i < x.length; i++) x[i] = 2f * rng.nextFloat() - 1f;
            float[] ours = model.freeze().forward(x, BATCH, STEPS, c.lengths(), null).clone();
            float[] theirs = runOrt(Onnx.export(model, c.lengths() != null), rnn, x, c.lengths()).get("logits");
            double worst = compare(c.name() + " logits", ours, theirs);
            System.out.printf("OnnxRuntimeOracleTest %-36s worst |diff| / (%.0e + %.0e |ort|) = %.3f%n", c.name(), ABS, REL, worst);
        }
        SequenceModel bidirectionalLast = new SequenceModel(Rnn.lstm(3, 4).bidirectional(true).build(), new Dense(8, 1, 1, new Rng(1)),
                                                            Readout.LAST_STEP);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Onnx.export(bidirectionalLast, false));
        assertEquals("ONNX export of a last-step readout needs one direction; this stack is bidirectional", e.getMessage());
    }

    @Test
    void writtenFileHoldsTheExportedModel(@TempDir Path dir) throws Exception {
        Rnn rnn = build("gru_bi_padded", RnnConfig.of(CellKind.GRU).withBidirectional());
        Path file = dir.resolve("gru.onnx");
        Files.writeString(file, "an older file that the save replaces");
        Onnx.write(rnn, true, file);
        assertArrayEquals(Onnx.export(rnn, true), Files.readAllBytes(file));
        try (var listing = Files.list(dir)) {
            assertEquals(1, listing.count(), "no temporary file left beside the model");
        }
    }

    @Test
    void exportRefusesMergesOnnxCannotExpress() {
        Rnn rnn = Rnn.gru(3, 4).bidirectional(true).merge(Merge.SUM).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Onnx.export(rnn, false));
        assertEquals("ONNX export supports the CONCAT merge only, not SUM", e.getMessage());
    }

    private static double compare(String what, float[] ours, float[] ort) {
        Tolerance.assertClose(what, ours, ort, ABS, REL);
        return Tolerance.worst(ours, ort, ort.length, ABS, REL);
    }

    static Map<String, float[]> runOrt(byte[] model, Rnn rnn, float[] x, int[] lengths) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = rnn.batchFirst() ? new long[] {BATCH, STEPS, INPUT} : new long[] {STEPS, BATCH, INPUT};
        Map<String, float[]> out = new HashMap<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model, options);
                 OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                 OnnxTensor lens = lengths == null ? null
                     : OnnxTensor.createTensor(env, IntBuffer.wrap(lengths), new long[] {BATCH})) {
                Map<String, OnnxTensor> feeds = new HashMap<>();
                feeds.put("input", in);
                if (lens != null) feeds.put("sequence_lens", lens);
                try (OrtSession.Result result = session.run(feeds)) {
                    for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
                        FloatBuffer fb = ((OnnxTensor) e.getValue()).getFloatBuffer();
                        float[] values = new float[fb.remaining()];
                        fb.get(values);
                        out.put(e.getKey(), values);
                    }
                }
            }
        }
        return out;
    }
}
