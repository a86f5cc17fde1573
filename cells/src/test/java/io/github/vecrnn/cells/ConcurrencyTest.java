package io.github.vecrnn.cells;

import io.github.vecrnn.kernel.Kernels;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Concurrent inference through per-thread replicas: 8 threads, each with its own replica of one model
 * (weights shared, not copied), run 400 requests of varied batch and length against one shared
 * multi-threaded {@link Kernels}, and every output equals bit for bit what one thread computes.
 */
class ConcurrencyTest {
    static final int INPUT = 5, MAX_BATCH = 4, MAX_STEPS = 12, REQUESTS = 400, THREADS = 8;

    static SequenceModel model() {
        Kernels kernels = Kernels.preferred().withThreads(2); // the sgemm pool is shared by every thread
        Rnn rnn = Rnn.lstm(INPUT, 24).layers(2).bidirectional(true).maxBatch(MAX_BATCH).maxSteps(MAX_STEPS)
                     .kernels(kernels).seed(3).build();
        return new SequenceModel(rnn, new Dense(48, 3, MAX_BATCH * MAX_STEPS, new Rng(4), kernels), Readout.PER_STEP);
    }

    record Request(float[] x, int batch, int steps, int[] lengths) {}

    static List<Request> requests() {
        Rng rng = new Rng(11);
        List<Request> out = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            int batch = 1 + rng.nextInt(MAX_BATCH), steps = 1 + rng.nextInt(MAX_STEPS);
            float[] x = new float[steps * batch * INPUT];
            for (int j = 0; j < x.length; j++) x[j] = rng.uniform(-2, 2);
            int[] lengths = new int[batch];
            for (int b = 0; b < batch; b++) lengths[b] = 1 + rng.nextInt(steps);
            out.add(new Request(x, batch, steps, lengths));
        }
        return out;
    }

    static float[] infer(SequenceModel m, Request r) {
        float[] logits = m.forward(r.x(), r.batch(), r.steps(), r.lengths(), null);
        return java.util.Arrays.copyOf(logits, m.rows() * m.head().outFeatures());
    }

    @Test
    void replicasOnManyThreadsGiveTheSingleThreadResults() throws Exception {
        SequenceModel model = model();
        model.rnn().training(false);
        List<Request> requests = requests();
        List<float[]> expected = new ArrayList<>();
        for (Request r : requests) expected.add(infer(model, r));

        ThreadLocal<SequenceModel> local = ThreadLocal.withInitial(model::replica);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (Request r : requests) results.add(pool.submit(() -> infer(local.get(), r)));
            }
            for (int i = 0; i < results.size(); i++) {
                assertArrayEquals(expected.get(i % REQUESTS), results.get(i).get(), "request " + (i % REQUESTS));
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * Frozen replicas of an LSTM and a GRU whose forward calls split over the shared pool (hidden 128: two
     * ranges of whole strips at every vector width; batch 1 to 3 by hidden units, with parts that meet after
     * every step, 16 and 17 by batch rows), on 4 threads at once: a call that finds the pool busy runs on
     * its own thread, and every output is the bits of one thread.
     */
    @Test
    void splitForwardCallsOnManyThreadsGiveTheSingleThreadResults() throws Exception {
        for (CellKind kind : new CellKind[] {CellKind.LSTM, CellKind.GRU}) {
            Rnn rnn = Rnn.builder(kind, INPUT, 128).maxBatch(17).maxSteps(6).seed(5)
                    .kernels(Kernels.preferred().withThreads(2)).build();
            FrozenRnn frozen = rnn.freeze();
            Rnn alone = Rnn.builder(kind, INPUT, 128).maxBatch(17).maxSteps(6).seed(5)
                    .kernels(Kernels.preferred().withThreads(1)).build();
            FrozenRnn reference = alone.freeze();
            Rng rng = new Rng(12);
            List<float[]> inputs = new ArrayList<>();
            List<Integer> batches = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                int batch = new int[] {1, 2, 3, 16, 17}[i % 5];
                float[] x = new float[6 * batch * INPUT];
                for (int j = 0; j < x.length; j++) x[j] = rng.uniform(-2, 2);
                inputs.add(x);
                batches.add(batch);
                expected.add(reference.forward(x, batch, 6, null, null).outputCopy());
            }
            ThreadLocal<FrozenRnn> local = ThreadLocal.withInitial(frozen::replica);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> results = new ArrayList<>();
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < inputs.size(); i++) {
                        float[] x = inputs.get(i);
                        int batch = batches.get(i);
                        results.add(pool.submit(() -> local.get().forward(x, batch, 6, null, null).outputCopy()));
                    }
                }
                for (int i = 0; i < results.size(); i++) {
                    assertArrayEquals(expected.get(i % inputs.size()), results.get(i).get(),
                                      kind + ", request " + (i % inputs.size()) + ", batch " + batches.get(i % inputs.size()));
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void aReplicaSharesTheWeightsAndNothingElse() {
        SequenceModel model = model();
        SequenceModel replica = model.replica();
        assertSame(model.rnn().parameters().values(), replica.rnn().parameters().values());
        assertSame(model.head().parameters().values(), replica.head().parameters().values());
        assertNotSame(model.rnn().parameters().gradients(), replica.rnn().parameters().gradients());
        Request r = requests().get(0);
        float[] before = infer(replica, r);
        model.rnn().parameters().values()[0] += 0.5f; // a weight update is seen by the replica
        float[] after = infer(replica, r), original = infer(model, r);
        assertArrayEquals(original, after);
        assertEquals(false, java.util.Arrays.equals(before, after), "the changed weight should change the output");
    }

    /**
     * One instance shared by two threads (documented as not allowed) is detected, not computed wrong
     * silently: a call that starts while another thread's call runs on the same Rnn, FrozenRnn, Dense,
     * SequenceModel or Trainer throws IllegalStateException naming replica(). The timeout detects a hang,
     * not a speed: without the check, two threads inside one stack whose calls split over the pool can
     * wait for each other forever at the step barrier.
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void aSecondThreadInsideOneInstanceIsRefused() throws Exception {
        Rnn rnn = Rnn.lstm(INPUT, 64).maxBatch(4).maxSteps(MAX_STEPS).seed(3).build();
        FrozenRnn frozen = rnn.freeze();
        SequenceModel model = model();
        io.github.vecrnn.train.Trainer trainer = new io.github.vecrnn.train.Trainer(model(), io.github.vecrnn.train.Loss.MSE,
                                                                                   new io.github.vecrnn.train.Sgd(1e-3f));
        Dense dense = new Dense(INPUT, 3, 64, new Rng(1));
        float[] x = new float[MAX_STEPS * 4 * INPUT], y = new float[MAX_STEPS * 4 * 3], rows = new float[64 * INPUT];
        List<Runnable> calls = List.of(() -> rnn.forward(x, 4, MAX_STEPS, null, null),
                                       () -> frozen.forward(x, 4, MAX_STEPS, null, null),
                                       () -> model.forward(x, 4, MAX_STEPS, null, null),
                                       () -> trainer.step(x, y, 4, MAX_STEPS, null),
                                       () -> dense.forward(rows, 64));
        for (Runnable call : calls) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                java.util.concurrent.atomic.AtomicReference<IllegalStateException> refused = new java.util.concurrent.atomic.AtomicReference<>();
                java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
                List<Future<?>> both = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    both.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < 20_000 && refused.get() == null; i++) {
                            try {
                                call.run();
                            } catch (IllegalStateException e) {
                                refused.compareAndSet(null, e);
                            }
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : both) f.get();
                IllegalStateException e = refused.get();
                assertNotNull(e, "two threads in one instance for 20,000 calls each, never refused");
                assertTrue(e.getMessage().contains("serves one thread at a time") && e.getMessage().contains("replica()"), e.getMessage());
            } finally {
                pool.shutdown();
            }
        }
        // After the misuse, each instance still works for one thread.
        rnn.forward(x, 4, MAX_STEPS, null, null);
        trainer.step(x, y, 4, MAX_STEPS, null);
    }
}
