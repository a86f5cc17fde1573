package io.github.vecrnn.cells;

import io.github.vecrnn.io.InvalidWeightsException;
import io.github.vecrnn.io.Layouts;
import io.github.vecrnn.io.SafeTensors;
import io.github.vecrnn.io.Weights;
import io.github.vecrnn.testsupport.TestData;
import io.github.vecrnn.train.Adam;
import io.github.vecrnn.train.Loss;
import io.github.vecrnn.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.github.vecrnn.testsupport.Refusals.fails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bias(false)}, PyTorch's {@code bias=False}: no bias tensors in the state dict, biases that stay 0 through
 * training. PyTorchFixtureTest checks its outputs and gradients against nn.LSTM / nn.GRU(bias=False).
 */
class NoBiasTest {

    @Test
    void theStateDictHasNoBiasesAndTrainingKeepsThemZero() {
        Rnn rnn = Rnn.lstm(3, 4).layers(2).bias(false).maxBatch(2).maxSteps(3).seed(1).build();
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1"), rnn.parameters().names());
        assertEquals(4, rnn.parameters().constants().size());
        SequenceModel model = new SequenceModel(rnn, new Dense(4, 1, 6, new Rng(2)), Readout.PER_STEP);
        Trainer trainer = new Trainer(model, Loss.MSE, new Adam(0.1f));
        float[] x = TestData.uniform(new Rng(3), 18, 1f), y = TestData.uniform(new Rng(4), 6, 1f);
        for (int i = 0; i < 5; i++) trainer.step(x, y, 2, 3, null);
        for (Parameters.Tensor t : rnn.parameters().constants()) {
            for (int i = 0; i < t.size(); i++) assertEquals(0f, rnn.parameters().values()[t.offset() + i], t.name() + "[" + i + "]");
        }
        assertTrue(model.freeze().predict(new float[][][] {{{1, 2, 3}}})[0][0] != 0f);
    }

    /** Without biases, the bits of a stack whose biases are all zero. */
    @Test
    void itComputesWhatZeroBiasesCompute() {
        Rnn none = Rnn.gru(3, 5).bias(false).maxBatch(2).maxSteps(4).seed(5).build();
        Rnn zero = Rnn.gru(3, 5).maxBatch(2).maxSteps(4).seed(5).build();
        for (Parameters.Tensor t : zero.parameters().tensors()) {
            float[] values = t.name().startsWith("bias") ? new float[t.size()] : none.parameters().get(t.name());
            zero.parameters().set(t.name(), values);
        }
        float[] x = TestData.uniform(new Rng(6), 24, 1f), dOut = TestData.uniform(new Rng(7), 40, 1f);
        assertArrayEquals(zero.forward(x, 2, 4, new int[] {4, 2}, null).outputCopy(), none.forward(x, 2, 4, new int[] {4, 2}, null).outputCopy());
        zero.backward(dOut, null, null);
        none.backward(dOut, null, null);
        for (String name : none.parameters().names()) {
            assertArrayEquals(gradient(zero, name), gradient(none, name), name);
        }
    }

    static float[] gradient(Rnn rnn, String name) {
        java.nio.FloatBuffer g = rnn.parameters().gradient(name);
        float[] out = new float[g.remaining()];
        g.get(out);
        return out;
    }

    @Test
    void filesAndLayoutsWithoutBiasesLoadAndNonZeroBiasesAreRefused() {
        Rnn none = Rnn.lstm(3, 4).bias(false).build();
        SafeTensors.Contents noBiases = SafeTensors.parse(SafeTensors.toBytes(Weights.tensors(Map.of("", none.parameters())), Map.of()));
        Rnn other = Rnn.lstm(3, 4).bias(false).seed(9).build();
        Weights.load(noBiases, Map.of("", other.parameters()));
        assertArrayEquals(none.parameters().values(), other.parameters().values());
        fails(InvalidWeightsException.class, () -> Weights.load(noBiases, Map.of("", Rnn.lstm(3, 4).build().parameters())),
              "missing tensor 'bias_ih_l0'");

        float[] b = new float[2 * 16];
        Layouts.fromOnnx(none, 0, new float[64 - 16], new float[64], b, null);   // zero biases: taken
        b[3] = 0.5f;
        fails(() -> Layouts.fromOnnx(none, 0, new float[48], new float[64], b, null),
              "B[3] = 0.5, but this stack was built with bias(false)");
        fails(() -> Initializers.forgetGateBias(none, 1f), "bias(false)");
    }
}
