package io.github.vecrnn.cells;

import io.github.vecrnn.train.Loss;
import io.github.vecrnn.train.Sgd;
import io.github.vecrnn.train.Trainer;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Named access to a module's tensors: get and set by PyTorch name, gradients as read-only views. */
class ParametersTest {

    @Test
    void aTensorIsReadWrittenAndItsGradientSeenByName() {
        Rnn gru = Rnn.gru(3, 4).maxBatch(2).maxSteps(3).seed(1).build();
        Parameters p = gru.parameters();
        Parameters.Tensor bias = p.tensor("bias_hh_l0");
        float[] values = p.get("bias_hh_l0");
        assertEquals(12, values.length);
        for (int i = 0; i < 12; i++) assertEquals(p.values()[bias.offset() + i], values[i]);

        float[] ones = new float[12];
        java.util.Arrays.fill(ones, 1f);
        p.set("bias_hh_l0", ones);
        assertArrayEquals(ones, p.get("bias_hh_l0"));

        FloatBuffer gradient = p.gradient("weight_hh_l0");
        assertEquals(48, gradient.remaining());
        SequenceModel model = new SequenceModel(gru, new Dense(4, 1, 6, new Rng(2)), Readout.PER_STEP);
        new Trainer(model, Loss.MSE, new Sgd(0.1f)).step(new float[18], new float[] {1, 1, 1, 1, 1, 1}, 2, 3, null);
        boolean moved = false;
        for (int i = 0; i < 48; i++) moved |= gradient.get(i) != 0f;
        assertTrue(moved, "the view shows the gradient the step computed");
        for (int i = 0; i < 48; i++) assertEquals(p.gradients()[p.tensor("weight_hh_l0").offset() + i], gradient.get(i));
        assertThrows(java.nio.ReadOnlyBufferException.class, () -> gradient.put(0, 1f));
    }

    @Test
    void aBadValueSetsNothing() {
        Parameters p = Rnn.lstm(2, 3).build().parameters();
        float[] before = p.get("weight_ih_l0");
        float[] bad = new float[before.length];
        bad[5] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.set("weight_ih_l0", bad));
        assertTrue(e.getMessage().contains("value 5 for tensor weight_ih_l0 is NaN; nothing was set"), e.getMessage());
        assertArrayEquals(before, p.get("weight_ih_l0"));
    }
}
