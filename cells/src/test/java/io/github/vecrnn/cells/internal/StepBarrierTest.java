package io.github.vecrnn.cells.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The barrier between the parts of a forward call split by hidden units: no part passes step s before
 * every part has finished it, over several calls; a failing part releases the others with an exception.
 */
class StepBarrierTest {

    @Test
    void noPartPassesAStepBeforeEveryPartFinishedIt() throws Exception {
        int parts = 3, steps = 2000, calls = 3;
        StepBarrier barrier = new StepBarrier(parts);
        int[][] written = new int[parts][steps];
        AtomicReference<Throwable> error = new AtomicReference<>();
        for (int call = 0; call < calls; call++) {
            barrier.begin(steps);
            int stamp = call + 1;
            Thread[] threads = new Thread[parts];
            for (int p = 0; p < parts; p++) {
                int part = p;
                threads[p] = new Thread(() -> {
                    try {
                        for (int s = 0; s < steps; s++) {
                            written[part][s] = stamp;                 // this part's "h_s"
                            barrier.await(part, parts, s);
                            for (int q = 0; q < parts; q++) {         // every part's h_s is there
                                if (written[q][s] != stamp) throw new AssertionError("part " + q + " step " + s);
                            }
                        }
                    } catch (Throwable e) {
                        error.compareAndSet(null, e);
                    }
                });
                threads[p].start();
            }
            for (Thread t : threads) t.join();
        }
        assertEquals(null, error.get());
    }

    @Test
    void aFailedPartReleasesTheOthers() throws Exception {
        StepBarrier barrier = new StepBarrier(2);
        barrier.begin(10);
        AtomicReference<Throwable> caught = new AtomicReference<>();
        Thread waiting = new Thread(() -> {
            try {
                barrier.await(0, 2, 0);            // part 1 never arrives
            } catch (Throwable e) {
                caught.set(e);
            }
        });
        waiting.start();
        RuntimeException failure = new RuntimeException("part 1 failed");
        barrier.breakFor(failure);
        waiting.join(10_000);
        assertTrue(caught.get() instanceof IllegalStateException, String.valueOf(caught.get()));
        assertSame(failure, caught.get().getCause());
    }
}
