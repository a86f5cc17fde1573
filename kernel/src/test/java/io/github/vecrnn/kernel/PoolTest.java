package io.github.vecrnn.kernel;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shared pool: an interrupt (which nobody should send its idle workers) does not make one spin; a job whose
 * parts share a queue runs every item once, whichever threads take them and whether the workers are waited for;
 * a job split in fixed parts runs every part.
 */
class PoolTest {
    /** Items of a shared queue, taken one at a time by whichever part comes; counts who took how many. */
    private static final class Queue implements SharedQueueTask {
        final AtomicInteger next = new AtomicInteger();
        final AtomicIntegerArray runs;
        final int[] spinNanos, taken = new int[2];
        boolean workerIdle;   // the worker's part takes nothing, as if the operating system held it back

        Queue(int items) {
            runs = new AtomicIntegerArray(items);
            spinNanos = new int[items];
        }

        boolean runOn(WorkerPool pool) {
            next.set(0);
            taken[0] = taken[1] = 0;
            return pool.tryRunShared(2, this);
        }

        @Override
        public void run(int part, int parts) {
            if (workerIdle && part > 0) return;
            for (int i; (i = next.getAndIncrement()) < spinNanos.length; taken[part]++) {
                for (long start = System.nanoTime(); System.nanoTime() - start < spinNanos[i]; ) Thread.onSpinWait();
                runs.incrementAndGet(i);
            }
        }

        @Override
        public boolean unevenlyShared(int parts) {
            return 4 * Math.min(taken[0], taken[1]) < spinNanos.length;
        }
    }

    @Test
    @Timeout(120)
    void aSharedQueueJobRunsEveryItemOnce() {
        WorkerPool pool = WorkerPool.shared(Kernels.preferred().withThreads(2).threads());
        Queue queue = new Queue(37);
        SplittableRandom random = new SplittableRandom(5);
        for (int job = 0; job < 2_000; job++) {
            for (int i = 0; i < queue.spinNanos.length; i++) queue.spinNanos[i] = random.nextInt(job % 3 == 0 ? 20_000 : 200);
            if (!queue.runOn(pool)) queue.run(0, 1);   // backing off, or no worker: the caller alone
            for (int i = 0; i < queue.spinNanos.length; i++) {
                int ran = queue.runs.get(i) - job;
                assertEquals(1, ran, "job " + job + ": item " + i + " ran " + ran + " times");
            }
        }
    }

    /**
     * After a long job one thread hardly helped with, the next job runs on the caller alone. A job whose worker
     * was asleep when it was published is not judged (the OS may not run the worker at once: a test JVM's JIT
     * threads share the cores), so the test tries until it has seen three such refusals.
     */
    @Test
    @Timeout(120)
    void aHeldBackThreadSendsTheNextJobsToTheCallerAlone() {
        WorkerPool pool = WorkerPool.shared(Kernels.preferred().withThreads(2).threads());
        assumeTrue(pool.maxThreads() >= 2, "a pool with a helper thread");
        Queue queue = new Queue(8);
        java.util.Arrays.fill(queue.spinNanos, 50_000);   // the caller's part alone takes 400 us: a long job
        int refused = 0, attempts = 0;
        long start = System.nanoTime();
        while (refused < 3) {
            assertTrue(System.nanoTime() - start < 60_000_000_000L, "3 refusals not seen in 60 s (" + refused + " in " + attempts + " attempts)");
            // First a job shared evenly: a backing off left from earlier jobs ends within 64 jobs, and the worker
            // is awake after it.
            if (!queue.runOn(pool) || queue.unevenlyShared(2)) continue;
            attempts++;
            queue.workerIdle = true;
            boolean accepted = queue.runOn(pool);
            queue.workerIdle = false;
            assertTrue(accepted, "a job after the pool accepted one");
            assertEquals(8, queue.taken[0], "the caller took the whole queue");
            if (!queue.runOn(pool)) refused++;
        }
    }

    /** Parts with work of their own (not a shared queue) all run, even when the worker starts late. */
    @Test
    @Timeout(120)
    void everyPartOfAFixedSplitRuns() throws InterruptedException {
        Kernels two = Kernels.preferred().withThreads(2);
        assumeTrue(WorkerPool.shared(two.threads()).maxThreads() >= 2, "a pool with a helper thread");
        AtomicIntegerArray ran = new AtomicIntegerArray(2);
        ParallelTask task = (part, parts) -> {
            if (parts == 2) ran.incrementAndGet(part);   // part 0 returns at once: the worker may not have started
        };
        int jobs = 0;
        for (int job = 0; job < 300; job++) {
            if (job % 10 == 0) Thread.sleep(1);   // the worker parks, and starts the next job late
            two.parallel(task);
            jobs = ran.get(0);
            assertEquals(jobs, ran.get(1), "job " + job + ": part 1 did not run");
        }
        assertTrue(jobs > 0, "no job ran on two threads");
    }

    @Test
    void anInterruptedIdleWorkerStillSleeps() throws InterruptedException {
        Kernels two = Kernels.preferred().withThreads(2);
        float[] a = new float[256 * 256], c = new float[256 * 256];
        two.sgemm(false, false, 256, 256, 256, 1f, a, 0, 256, a, 0, 256, 0f, c, 0, 256);   // starts the pool
        Thread worker = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("vecrnn-worker-1")).findFirst().orElse(null);
        assumeTrue(worker != null, "a pool with a helper thread (a machine with one processor has none)");
        worker.interrupt();
        Thread.sleep(200);          // past the spin, into park
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long before = mx.getThreadCpuTime(worker.threadId());
        Thread.sleep(500);
        long used = mx.getThreadCpuTime(worker.threadId()) - before;
        // Parked it uses nothing; spinning it would use the whole 500 ms (or all the CPU time the host gives it).
        assertTrue(used < 50_000_000L, "an idle worker used " + used / 1_000_000 + " ms of CPU in 500 ms");
        assertFalse(worker.isInterrupted(), "the worker clears an interrupt it cannot act on");
        two.sgemm(false, false, 256, 256, 256, 1f, a, 0, 256, a, 0, 256, 0f, c, 0, 256);   // and still works
    }
}
