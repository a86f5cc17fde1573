package io.github.vecrnn.train;

import com.sun.management.ThreadMXBean;
import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.FrozenRnn;
import io.github.vecrnn.cells.FrozenSequenceModel;
import io.github.vecrnn.cells.Merge;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.SequenceModel;
import io.github.vecrnn.kernel.Kernels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * After warm-up a full training step (forward, loss, backward, finiteness check, clipping, Adam) and
 * an inference forward (also of a frozen copy) allocate 0 bytes on the heap, measured by the JVM's per-thread allocation
 * counter over many steps.
 */
class AllocationTest {
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * Runs the step until 10 windows of 50 steps in a row allocated nothing (at most 160 windows). After
     * the compiled code stops boxing vectors, the JIT still settles for a while: a standalone run of the
     * layer-norm LSTM step (and of the plain one) showed one-off 184-520 bytes up to 5 windows after the
     * last large allocation, then 0 for 70 windows more; 1 and then 4 clean windows were too few (the
     * test failed about 1 run in 5). Those transients are JIT events, not allocation by a step.
     */
    static void warmUp(Runnable step) {
        warmUp(step, THREADS::getCurrentThreadAllocatedBytes);
    }

    /** {@link #warmUp(Runnable)} watching the given allocation counter. */
    static void warmUp(Runnable step, java.util.function.LongSupplier allocated) {
        int clean = 0;
        for (int window = 0; window < 160 && clean < 10; window++) {
            long before = allocated.getAsLong();
            for (int i = 0; i < 50; i++) step.run();
            clean = allocated.getAsLong() == before ? clean + 1 : 0;
        }
    }

    /**
     * Warms up (warmUp), then requires 0 bytes over the next 200 runs of step. The JIT's late compilation
     * of a method that runs once per step can fall in those 200 runs with a one-off allocation: a standalone
     * run of the RNN_RELU training step showed 176 bytes once, in the window of 50 steps where C2 compiled
     * Optimizer.step (about 7000 steps in, long after the allocation counter had stood still; the same
     * before and after the code around it changed), and 0 in the 50 windows after. Then the warm-up and the
     * 200 runs are repeated once, and they must allocate nothing; the failure names both counts. A step
     * that allocates fails both times.
     */
    static void assertSteadyStateAllocatesNothing(Runnable step, java.util.function.LongSupplier allocated, String what) {
        long first = 0;
        for (int attempt = 0; attempt < 2; attempt++) {
            warmUp(step, allocated);
            long before = allocated.getAsLong();
            for (int i = 0; i < 200; i++) step.run();
            long bytes = allocated.getAsLong() - before;
            if (bytes == 0) return;
            if (attempt == 0) first = bytes;
            else assertEquals(0, bytes, what + " (and " + first + " bytes the time before)");
        }
    }

    @ParameterizedTest
    @EnumSource(CellKind.class)
    void trainingStepAllocatesNothing(CellKind kind) {
        int input = 13, hidden = 37, batch = 8, steps = 12;
        Rnn.Builder b = Rnn.builder(kind, input, hidden).layers(2).bidirectional(true).dropout(0.1f)
                .batchFirst(true).maxBatch(batch).maxSteps(steps);
        if (kind == CellKind.LSTM) b.peepholes(true);
        if (kind == CellKind.GRU) b.linearBeforeReset(false);
        assertTrainingAllocatesNothing(b.build(), kind.toString());

        Rnn infer = Rnn.builder(kind, input, hidden).maxBatch(batch).maxSteps(steps).build().training(false);
        float[] x = new float[batch * steps * input];
        assertSteadyStateAllocatesNothing(() -> infer.forward(x, batch, steps, null, null), THREADS::getCurrentThreadAllocatedBytes,
                                          kind + ": bytes allocated over 200 forward calls");

        infer.inferenceMode(true);
        assertSteadyStateAllocatesNothing(() -> infer.forward(x, batch, steps, null, null), THREADS::getCurrentThreadAllocatedBytes,
                                          kind + ": bytes allocated over 200 forward calls in inference mode");

        FrozenRnn frozen = infer.freeze();
        assertSteadyStateAllocatesNothing(() -> frozen.forward(x, batch, steps, null, null), THREADS::getCurrentThreadAllocatedBytes,
                                          kind + ": bytes allocated over 200 forward calls of a frozen copy");

        FrozenSequenceModel whole = new SequenceModel(infer, new Dense(hidden, 3, batch, new Rng(1)), Readout.LAST_STEP).freeze();
        int[] lengths = {12, 3, 7, 12, 1, 5, 9, 11};
        assertSteadyStateAllocatesNothing(() -> whole.forward(x, batch, steps, lengths, null), THREADS::getCurrentThreadAllocatedBytes,
                                          kind + ": bytes allocated over 200 forward calls of a frozen model with its head");
    }

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU"})
    void layerNormTrainingStepAllocatesNothing(CellKind kind) {
        assertTrainingAllocatesNothing(Rnn.builder(kind, 13, 37).layers(2).bidirectional(true).layerNorm(true)
                .maxBatch(8).maxSteps(12).batchFirst(true).build(), kind + " with layer norm");
    }

    /**
     * On two threads the step's large GEMMs run partly on the shared pool's helper thread: its
     * allocation counts too. (A full bench run once showed one JMH fork of an LSTM training step on two
     * threads allocating 49 MB per call; this is the test for it.) The sizes are large enough for
     * Kernels to share the GEMMs (batch 32: 2mnk from 4M flops up). Each step trains on batch 32, whose
     * forward calls run each thread's rows through the whole sequence (one parallel task per call), then
     * on batch 6, 2 and 1, whose forward calls are split by hidden units (hidden 128: at every vector
     * width; one parallel task per call, whose parts meet after every step; batch 2 and 1 project their
     * input for all steps before the loop, batch 1's recurrent products are matrix-vector products).
     */
    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU"})
    void twoThreadTrainingStepAllocatesNothing(CellKind kind) {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "the GEMM pool has a helper thread from 2 processors");
        Kernels two = Kernels.preferred().withThreads(2);
        Rnn rnn = Rnn.builder(kind, 48, 128).kernels(two).maxBatch(32).maxSteps(20).batchFirst(true).build();
        int batch = rnn.maxBatch(), steps = rnn.maxSteps();
        SequenceModel model = new SequenceModel(rnn, new Dense(rnn.outputSize(), 1, batch * steps, new Rng(2), two),
                                                Readout.PER_STEP);
        Trainer trainer = new Trainer(model, Loss.MSE, new Adam(1e-3f));
        Rng rng = new Rng(3);
        float[] x = new float[batch * steps * rnn.inputSize()], target = new float[batch * steps];
        for (int i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
        for (int i = 0; i < target.length; i++) target[i] = rng.uniform(-1, 1);
        Runnable step = () -> {
            trainer.step(x, target, batch, steps, null);
            trainer.step(x, target, 6, steps, null);
            trainer.step(x, target, 2, steps, null);
            trainer.step(x, target, 1, steps, null);
        };
        step.run(); // starts the pool
        long[] helpers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vecrnn-worker-")).mapToLong(Thread::threadId).toArray();
        assertTrue(helpers.length >= 1, "the pool's worker thread was not found");
        // Counted one thread id at a time: the array form of getThreadAllocatedBytes allocates its result.
        java.util.function.LongSupplier allocated = () -> {
            long sum = THREADS.getCurrentThreadAllocatedBytes();
            for (long id : helpers) sum += THREADS.getThreadAllocatedBytes(id);
            return sum;
        };
        assertSteadyStateAllocatesNothing(step, allocated, kind + " on 2 threads: bytes allocated over 200 training steps");
    }

    static void assertTrainingAllocatesNothing(Rnn rnn, String what) {
        int input = rnn.inputSize(), batch = rnn.maxBatch(), steps = rnn.maxSteps();
        SequenceModel model = new SequenceModel(rnn, new Dense(rnn.outputSize(), 3, batch * steps, new Rng(2)), Readout.PER_STEP);
        Trainer trainer = new Trainer(model, Loss.CROSS_ENTROPY, new Adam(1e-3f)).clipByGlobalNorm(1.0);
        Rng rng = new Rng(3);
        float[] x = new float[batch * steps * input];
        for (int i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
        float[] target = new float[batch * steps];
        for (int i = 0; i < target.length; i++) target[i] = rng.nextInt(3);
        int[] lengths = {12, 3, 7, 12, 1, 5, 9, 11};

        // Warm-up: until C2 has compiled the Vector API code, vectors live on the heap (measured: MBs per
        // step in the first hundreds of steps, 0 from about step 1000 on). Warm up until the allocation
        // counter stands still (see warmUp), then require 0 bytes over the next 200.
        assertSteadyStateAllocatesNothing(() -> trainer.step(x, target, batch, steps, lengths),
                                          THREADS::getCurrentThreadAllocatedBytes, what + ": bytes allocated over 200 training steps");
    }
}
