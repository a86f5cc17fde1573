package io.github.vecrnn.kernel;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The shared pool's idle workers: an interrupt (which nobody should send them) does not make one spin. */
class PoolTest {
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
