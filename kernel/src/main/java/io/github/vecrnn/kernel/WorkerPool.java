package io.github.vecrnn.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The threads that run the parts of a {@link ParallelTask} beside its caller: created once, daemon, and
 * allocation-free per call (each worker has a fixed part index; a job is published by writing the
 * workers' tickets). The caller runs part 0 itself and waits for the others.
 *
 * <p>If another thread is already using the pool, {@link #tryRun} returns false at once and the caller
 * runs the task alone: concurrent callers never wait for each other.
 */
final class WorkerPool {

    /** How long an idle worker spins before it parks: the gap between the GEMMs of one RNN step. */
    private static final long SPIN_NANOS = 100_000;

    private static volatile WorkerPool shared;

    private final Worker[] workers;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Thread caller;
    private volatile Throwable failure;
    // The job: written under the lock before the tickets (volatile) publish it.
    private ParallelTask task;
    private int parts;

    private WorkerPool(int helpers) {
        workers = new Worker[helpers];
        for (int i = 0; i < helpers; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    /** The pool shared by all callers, created on first use with {@code threads - 1} workers. */
    static WorkerPool shared(int threads) {
        WorkerPool pool = shared;
        if (pool == null) {
            synchronized (WorkerPool.class) {
                pool = shared;
                if (pool == null) {
                    shared = pool = new WorkerPool(Math.max(0, threads - 1));
                }
            }
        }
        return pool;
    }

    /** Most threads a call can use: the workers plus the caller. */
    int maxThreads() {
        return workers.length + 1;
    }

    /**
     * Runs task's parts 0 .. parts-1, parts = min(threads, the workers plus the caller), part 0 on the
     * caller; rethrows a part's exception. False (nothing run) when the pool has no worker or is busy:
     * with another caller's job, or with this thread's own, when a part asks for threads again (the
     * lock is reentrant, the job's fields are not).
     */
    boolean tryRun(int threads, ParallelTask task) {
        if (workers.length == 0 || lock.isHeldByCurrentThread() || !lock.tryLock()) return false;
        try {
            this.task = task;
            this.parts = Math.min(threads, maxThreads());
            start();
            return true;
        } finally {
            this.task = null;
            lock.unlock();
        }
    }

    /** Publishes the job to parts - 1 workers, runs part 0, waits for the workers and rethrows a failure. */
    private void start() {
        this.failure = null;
        this.caller = Thread.currentThread();
        int helpers = parts - 1;
        pending.set(helpers);
        for (int w = 0; w < helpers; w++) {
            workers[w].publish();
        }
        Throwable own = null;
        try {
            task.run(0, parts);
        } catch (Throwable t) {
            own = t;
        }
        awaitWorkers();
        Throwable failed = own != null ? own : failure;
        if (failed instanceof RuntimeException e) throw e;
        if (failed instanceof Error e) throw e;
    }

    private void awaitWorkers() {
        long start = System.nanoTime();
        while (pending.get() > 0) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 50_000);
            }
        }
    }

    private final class Worker extends Thread {
        private final int part;
        private volatile long ticket;
        private long done;

        Worker(int part) {
            super("vecrnn-worker-" + part);
            this.part = part;
            setDaemon(true);
        }

        void publish() {
            ticket = done + 1;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            while (true) {
                long start = System.nanoTime();
                long t;
                while ((t = ticket) == done) {
                    if (System.nanoTime() - start < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(WorkerPool.this);
                        // Nobody answers a worker's interrupt; left set, it would make every park return at once.
                        Thread.interrupted();
                    }
                }
                try {
                    task.run(part, parts);
                } catch (Throwable e) {
                    failure = e;
                }
                done = t;
                if (pending.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }
}
