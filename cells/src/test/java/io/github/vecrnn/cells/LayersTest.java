package io.github.vecrnn.cells;

import io.github.vecrnn.testsupport.TestData;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dropout, embedding and initializers. */
class LayersTest {

    @Test
    void dropoutActsInTrainingOnlyAndItsGradientMatchesTheMaskedForward() {
        int in = 4, h = 6, batch = 2, steps = 5;
        Rnn drop = Rnn.lstm(in, h).layers(2).dropout(0.5f).maxBatch(batch).maxSteps(steps).seed(3).build();
        Rnn plain = Rnn.lstm(in, h).layers(2).maxBatch(batch).maxSteps(steps).seed(3).build();
        float[] x = TestData.uniform(new Rng(1), steps * batch * in, 1f);
        float[] evalOut = drop.training(false).forward(x, batch, steps, null, null).outputCopy();
        assertArrayEquals(plain.forward(x, batch, steps, null, null).outputCopy(), evalOut, "evaluation mode has no dropout");
        drop.training(true);
        assertFalse(java.util.Arrays.equals(evalOut, drop.forward(x, batch, steps, null, null).outputCopy()),
                "training mode drops units");

        // Backward against finite differences with the same masks (the dropout generator is rewound
        // before every forward). float32 central differences with step 1e-2: truncation ~1e-4 h^2
        // |L'''| and rounding ~1e-7 |L| / 1e-2 = 1e-5 |L|; bound 2e-3 absolute + 2e-2 relative.
        float[] dOut = TestData.uniform(new Rng(2), steps * batch * h, 1f);
        long rngState = drop.dropoutRng().state();
        drop.forward(x, batch, steps, null, null);
        drop.parameters().zeroGradients();
        drop.backward(dOut, null, null);
        float[] w = drop.parameters().values();
        Rng pick = new Rng(7);
        for (int n = 0; n < 40; n++) {
            int k = pick.nextInt(w.length);
            float keep = w[k], eps = 1e-2f;
            w[k] = keep + eps;
            double plus = dotLoss(drop, x, dOut, rngState, batch, steps);
            w[k] = keep - eps;
            double minus = dotLoss(drop, x, dOut, rngState, batch, steps);
            w[k] = keep;
            double fd = (plus - minus) / (2 * eps), g = drop.parameters().gradients()[k];
            assertEquals(fd, g, 2e-3 + 2e-2 * Math.abs(fd), "parameter " + k);
        }
    }

    @Test
    void backwardFollowsTheDropoutOfItsForwardCallEvenIfTheModeChangedInBetween() {
        Rnn rnn = Rnn.gru(3, 5).layers(2).dropout(0.4f).maxBatch(2).maxSteps(4).seed(6).build();
        float[] x = TestData.uniform(new Rng(3), 24, 1f), dOut = TestData.uniform(new Rng(4), 40, 1f);
        long state = rnn.dropoutRng().state();
        rnn.forward(x, 2, 4, null, null);
        rnn.backward(dOut, null, null);
        float[] expected = rnn.parameters().gradients().clone();
        rnn.parameters().zeroGradients();
        rnn.dropoutRng().setState(state);
        rnn.forward(x, 2, 4, null, null);
        rnn.training(false);
        rnn.backward(dOut, null, null);
        assertArrayEquals(expected, rnn.parameters().gradients());
    }

    private static double dotLoss(Rnn rnn, float[] x, float[] dOut, long rngState, int batch, int steps) {
        rnn.dropoutRng().setState(rngState);
        RnnOutput out = rnn.forward(x, batch, steps, null, null);
        double s = 0;
        for (int i = 0; i < out.outputLength(); i++) s += (double) out.output()[i] * dOut[i];
        return s;
    }

    @Test
    void embeddingLooksUpRowsAndAddsGradientsPerToken() {
        Embedding e = new Embedding(5, 3, 4, new Rng(1));
        float[] w = e.parameters().values();
        float[] out = e.forward(new int[] {2, 0, 2, 4}, 4);
        assertArrayEquals(java.util.Arrays.copyOfRange(w, 6, 9), java.util.Arrays.copyOfRange(out, 0, 3));
        assertArrayEquals(java.util.Arrays.copyOfRange(w, 12, 15), java.util.Arrays.copyOfRange(out, 9, 12));
        e.backward(new float[] {1, 2, 3, 10, 20, 30, 100, 200, 300, 5, 5, 5});
        assertArrayEquals(new float[] {10, 20, 30, 0, 0, 0, 101, 202, 303, 0, 0, 0, 5, 5, 5}, e.parameters().gradients());
        assertThrows(IllegalArgumentException.class, () -> e.forward(new int[] {5}, 1));
    }

    @Test
    void kerasInitializerGivesOrthogonalRecurrentBlocksAndForgetBiasOne() {
        Rnn lstm = Rnn.lstm(3, 8).build();
        Initializers.kerasDefault(lstm, new Rng(4));
        Parameters p = lstm.parameters();
        float[] w = p.values();
        int r = p.tensor("weight_hh_l0").offset();
        for (int block = 0; block < 4; block++) {
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 8; j++) {
                    double dot = 0;
                    for (int k = 0; k < 8; k++) dot += w[r + (block * 8 + i) * 8 + k] * w[r + (block * 8 + j) * 8 + k];
                    assertEquals(i == j ? 1 : 0, dot, 1e-5, "R block " + block + " rows " + i + "," + j);
                }
            }
        }
        int bi = p.tensor("bias_ih_l0").offset(), bh = p.tensor("bias_hh_l0").offset();
        for (int j = 0; j < 32; j++) {
            assertEquals(j >= 8 && j < 16 ? 1f : 0f, w[bi + j] + w[bh + j], "bias of gate row " + j);
        }
        float bound = (float) Math.sqrt(6.0 / (3 + 32));
        int wi = p.tensor("weight_ih_l0").offset();
        for (int j = 0; j < 96; j++) assertEquals(0, w[wi + j], bound);
    }

    /**
     * Building a stack costs time linear in its layers: the CPU time of building 16,000 layers is well
     * under 16 times that of 4,000 (it was quadratic: each tensor name was compared with every earlier
     * one). A ratio of CPU times in one run, with warm-up, not a wall-clock bound.
     */
    @Test
    void buildingIsLinearInTheLayerCount() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int warm = 0; warm < 3; warm++) Rnn.rnn(1, 1).layers(4_000).build();
        long[] cpu = new long[2];
        int[] layers = {4_000, 16_000};
        for (int k = 0; k < 2; k++) {
            long start = mx.getCurrentThreadCpuTime();
            Rnn rnn = Rnn.rnn(1, 1).layers(layers[k]).build();
            cpu[k] = mx.getCurrentThreadCpuTime() - start;
            assertEquals(layers[k], rnn.layers());
        }
        double ratio = (double) cpu[1] / cpu[0];
        assertTrue(ratio < 10, "16,000 layers took " + ratio + " times the CPU time of 4,000 (linear: about 4, quadratic: 16)");
    }
}
