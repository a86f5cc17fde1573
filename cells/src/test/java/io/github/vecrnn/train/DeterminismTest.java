package io.github.vecrnn.train;

import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.RnnState;
import io.github.vecrnn.cells.SequenceModel;
import io.github.vecrnn.kernel.Kernels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Same seed, same vector width, same thread count: two training runs of 50 steps give bitwise identical
 * losses and weights. The runs use everything that draws random numbers or could reorder arithmetic:
 * weight init, dropout between layers, bidirectional layers, clipping, Adam, and (for the GRU) truncated
 * BPTT with a carried state. Kernel threads split sgemm over rows of C without changing any element's
 * FMA order, so 2 threads must be as repeatable as 1.
 */
class DeterminismTest {

    @ParameterizedTest(name = "{0}, {1} kernel thread(s)")
    @CsvSource({"LSTM, 1", "LSTM, 2", "GRU, 1", "GRU, 2"})
    void twoRunsOfFiftyStepsAreBitwiseIdentical(CellKind kind, int threads) {
        int[][] first = train(kind, threads, 7), second = train(kind, threads, 7);
        for (int i = 0; i < first.length; i++) {
            assertArrayEquals(first[i], second[i], i == 0 ? "losses differ between two runs with the same seed"
                    : "weights of module " + (i - 1) + " differ between two runs with the same seed");
        }
        int[][] otherSeed = train(kind, threads, 8);
        assertFalse(java.util.Arrays.equals(first[0], otherSeed[0]), "another seed should give another run (test is blind)");
    }

    /**
     * On two threads an LSTM or reset-after GRU forward call is split: below 8 rows per thread by hidden
     * units (each thread computes its units' gate columns and gate arithmetic at every step), from 8 rows per
     * thread by rows of the batch (each thread runs every step for its own rows); the GEMMs elsewhere are
     * split by columns. None of these changes an element's arithmetic, so a run on two threads gives the
     * bits of a run on one. Hidden 128 is two strips of the packed weights at every vector width, so the
     * units split is taken at every width at batch 6, 2 and 1 (whose input projection is computed for all
     * steps before the loop; batch 1's recurrent products are matrix-vector products); batch 33 takes the rows split, with parts of 16 and 17 rows. Lengths make padded steps, and the peephole and coupled-gate variants compute their extra
     * terms inside the split too.
     */
    @ParameterizedTest(name = "{0}, peepholes {1}, inputForget {2}, batch {3}")
    @CsvSource({"LSTM, false, false, 6", "LSTM, true, false, 6", "LSTM, true, true, 6", "GRU, false, false, 6",
                "LSTM, false, false, 2", "GRU, false, false, 2",
                "LSTM, false, false, 1", "LSTM, true, true, 1", "GRU, false, false, 1",
                "LSTM, false, false, 33", "LSTM, true, true, 33", "GRU, false, false, 33"})
    void stepsSplitOverTwoThreadsGiveTheBitsOfOne(CellKind kind, boolean peepholes, boolean inputForget, int batch) {
        int[][] one = trainSplit(kind, 1, peepholes, inputForget, batch);
        int[][] two = trainSplit(kind, 2, peepholes, inputForget, batch);
        for (int i = 0; i < one.length; i++) {
            assertArrayEquals(one[i], two[i], i == 0 ? "outputs differ between 1 and 2 threads"
                    : "weights of module " + (i - 1) + " differ between 1 and 2 threads");
        }
    }

    private static int[][] trainSplit(CellKind kind, int threads, boolean peepholes, boolean inputForget, int batch) {
        int input = 13, hidden = 128, steps = 7;
        Kernels kernels = Kernels.preferred().withThreads(threads);
        Rnn.Builder builder = Rnn.builder(kind, input, hidden).layers(2).bidirectional(true)
                                 .maxBatch(batch).maxSteps(steps).seed(5).kernels(kernels);
        Rnn rnn = (kind == CellKind.LSTM ? builder.peepholes(peepholes).inputForget(inputForget) : builder).build();
        SequenceModel model = new SequenceModel(rnn, new Dense(rnn.outputSize(), 2, batch * steps, new Rng(6), kernels),
                                                Readout.PER_STEP);
        Trainer trainer = new Trainer(model, Loss.MSE, new Adam(1e-2f));
        Rng rng = new Rng(7);
        float[] x = new float[steps * batch * input], target = new float[steps * batch * 2];
        for (int i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
        for (int i = 0; i < target.length; i++) target[i] = rng.uniform(-1, 1);
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) lengths[b] = new int[] {7, 3, 7, 1, 5, 6}[b % 6];
        for (int s = 0; s < 3; s++) trainer.step(x, target, batch, steps, lengths);
        rnn.training(false);
        return withWeightBits(bits(rnn.forward(x, batch, steps, lengths, null).output()), model);
    }

    /** first, then the bits of every module's weights. */
    private static int[][] withWeightBits(int[] first, SequenceModel model) {
        List<int[]> out = new ArrayList<>();
        out.add(first);
        for (Parameters p : model.parameters()) out.add(bits(p.values()));
        return out.toArray(new int[0][]);
    }

    private static int[] bits(float[] v) {
        int[] bits = new int[v.length];
        for (int i = 0; i < v.length; i++) bits[i] = Float.floatToRawIntBits(v[i]);
        return bits;
    }

    /** Trains 50 steps from the given seed; returns [losses as bits, then every module's weights as bits]. */
    private static int[][] train(CellKind kind, int threads, long seed) {
        int input = 5, hidden = 12, batch = 4, steps = 9;
        Kernels kernels = Kernels.preferred().withThreads(threads);
        Rnn rnn = Rnn.builder(kind, input, hidden).layers(2).bidirectional(kind == CellKind.LSTM).dropout(0.25f)
                     .maxBatch(batch).maxSteps(steps).seed(seed).kernels(kernels).build();
        rnn.training(true);
        Rng rng = new Rng(seed + 100);
        SequenceModel model = new SequenceModel(rnn, new Dense(rnn.outputSize(), 3, batch * steps, rng, kernels), Readout.PER_STEP);
        Trainer trainer = new Trainer(model, Loss.MSE, new Adam(3e-3f)).clipByGlobalNorm(0.5);
        float[] x = new float[steps * batch * input], target = new float[steps * batch * 3];
        RnnState state = rnn.newState(batch);
        int[] losses = new int[50];
        for (int s = 0; s < 50; s++) {
            for (int i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
            for (int i = 0; i < target.length; i++) target[i] = rng.uniform(-1, 1);
            float loss = kind == CellKind.GRU
                    ? trainer.stepTruncated(x, target, batch, steps, 3, 6, state)
                    : trainer.step(x, target, batch, steps, null);
            losses[s] = Float.floatToRawIntBits(loss);
        }
        return withWeightBits(losses, model);
    }
}
