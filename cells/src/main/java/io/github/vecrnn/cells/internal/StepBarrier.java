package io.github.vecrnn.cells.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Where the parts of a forward call split by hidden units meet after each step: a part may start step
 * s + 1 once every part has finished step s, because it reads all of h_s. Each part announces its last
 * finished step in a counter of its own cache line and spins on the others' (a step lasts microseconds;
 * parking and waking a thread would cost about as much). The counters only grow: each call numbers its
 * steps after the previous call's, so nothing is reset between calls. Allocation-free.
 */
final class StepBarrier {
    /** Longs between two parts' counters: 128 bytes, so that no two share a cache line (or its pair). */
    private static final int SPACING = 16;
    /** How long a waiting part spins before it also yields its core (the other parts may need it). */
    private static final long SPIN_NANOS = 50_000;

    private final AtomicLongArray finished;
    private long first;                 // the number of the call's step 0 (steps are numbered across calls)
    private long next = 1;              // the number of the next call's step 0
    private volatile Throwable failure; // a part failed: the others stop waiting and fail too

    StepBarrier(int parts) {
        finished = new AtomicLongArray((parts + 1) * SPACING);
    }

    /** Before a call of {@code steps} steps, on the calling thread (the parts start after this). */
    void begin(int steps) {
        failure = null;
        first = next;
        next += steps;
    }

    /** Part part of parts has finished step s of the call: announces it and waits for the others. */
    void await(int part, int parts, int s) {
        long step = first + s;
        finished.setRelease((part + 1) * SPACING, step);
        for (int q = 0; q < parts; q++) {
            if (q == part) continue;
            long start = 0;
            while (finished.getAcquire((q + 1) * SPACING) < step) {
                if (failure != null) {
                    throw new IllegalStateException("another part of the split forward call failed", failure);
                }
                if (start == 0) start = System.nanoTime();
                else if (System.nanoTime() - start > SPIN_NANOS) Thread.yield();
                Thread.onSpinWait();
            }
        }
    }

    /** A part failed with e: the parts waiting for it stop with an exception instead of waiting forever. */
    void breakFor(Throwable e) {
        failure = e;
    }
}
