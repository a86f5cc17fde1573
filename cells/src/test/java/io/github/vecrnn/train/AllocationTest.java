package io.github.vecrnn.train;

import com.sun.management.ThreadMXBean;
import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.FrozenRnn;
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
        warmUp(() -> infer.forward(x, batch, steps, null, null));
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 200; i++) infer.forward(x, batch, steps, null, null);
        assertEquals(0, THREADS.getCurrentThreadAllocatedBytes() - before, kind + ": bytes allocated over 200 forward calls");

        infer.inferenceMode(true);
        warmUp(() -> infer.forward(x, batch, steps, null, null));
        before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 200; i++) infer.forward(x, batch, steps, null, null);
        assertEquals(0, THREADS.getCurrentThreadAllocatedBytes() - before, kind + ": bytes allocated over 200 forward calls in inference mode");

        FrozenRnn frozen = infer.freeze();
        warmUp(() -> frozen.forward(x, batch, steps, null, null));
        before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 200; i++) frozen.forward(x, batch, steps, null, null);
        assertEquals(0, THREADS.getCurrentThreadAllocatedBytes() - before, kind + ": bytes allocated over 200 forward calls of a frozen copy");
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
     * on batch 6 and batch 2, whose forward steps are split by hidden units (hidden 128: at every vector
     * width; a parallel task per step; batch 2 projects its input for all steps before the loop).
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
        };
        step.run(); // starts the pool
        long[] helpers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vecrnn-gemm-")).mapToLong(Thread::threadId).toArray();
        assertTrue(helpers.length >= 1, "the GEMM pool's helper thread was not found");
        // Counted one thread id at a time: the array form of getThreadAllocatedBytes allocates its result.
        java.util.function.LongSupplier allocated = () -> {
            long sum = THREADS.getCurrentThreadAllocatedBytes();
            for (long id : helpers) sum += THREADS.getThreadAllocatedBytes(id);
            return sum;
        };
        warmUp(step, allocated);
        long before = allocated.getAsLong();
        for (int i = 0; i < 200; i++) step.run();
        assertEquals(0, allocated.getAsLong() - before, kind + " on 2 threads: bytes allocated over 200 training steps");
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
        warmUp(() -> trainer.step(x, target, batch, steps, lengths));
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 200; i++) trainer.step(x, target, batch, steps, lengths);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertEquals(0, allocated, what + ": bytes allocated over 200 training steps");
    }
}
