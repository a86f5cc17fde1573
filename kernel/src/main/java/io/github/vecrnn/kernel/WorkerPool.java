package io.github.vecrnn.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The threads that run the parts of a {@link ParallelTask} beside its caller: created once, daemon, and
 * allocation-free per call (each worker has a fixed part index; a job is published by writing the
 * workers' tickets). The caller runs part 0 itself and waits for the others.
 *
 * <p>A task whose parts share one queue of work ({@link #tryRunShared}) needs no worker that has not started
 * by the time the caller's part returns (the queue is empty then): the caller withdraws the job from those
 * and waits only for the ones running. Other tasks (parts that meet at a barrier) wait for every part.
 *
 * <p>On a machine busy with other processes, a thread of a job can be held back: it takes less than half of an
 * even share of a long job's queue, or finishes its last piece long after the caller (the operating system gave
 * its core to another process). Then the next shared-queue jobs go to their callers alone (run on one thread):
 * 1, then twice as many at each held-back job, up to 64; every 8 evenly shared jobs in a row halve that
 * number. With a core short, one thread is faster than two that take turns with another process. Jobs
 * published to a worker that was asleep are not judged: waking it takes long on any machine.
 *
 * <p>If another thread is already using the pool, {@link #tryRun} returns false at once and the caller
 * runs the task alone: concurrent callers never wait for each other.
 */
final class WorkerPool {

    /** How long an idle worker spins before it parks: the gap between the GEMMs of one RNN step. */
    private static final long SPIN_NANOS = 100_000;
    /** Jobs whose caller's part is shorter than this are not judged: a worker's wake-up can take much of them. */
    private static final long JUDGED_NANOS = 100_000;
    private static final int MAX_BACKOFF = 64;
    /** Long jobs shared evenly in a row that halve the next backing off. */
    private static final int EVEN_TO_HALVE = 8;

    private static volatile WorkerPool shared;

    // A worker's part in the current job: published to it, running it, or withdrawn before it started.
    private static final int IDLE = 0, PUBLISHED = 1, RUNNING = 2, WITHDRAWN = 3;

    private final Worker[] workers;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Thread caller;
    private volatile Throwable failure;
    // The job: written under the lock before the workers' states and tickets (volatile) publish it.
    private ParallelTask task;
    private int parts;
    private SharedQueueTask queue;   // the task again when its parts share one queue, else null
    private long jobs;   // the jobs published so far: a worker's ticket is the number of its latest
    // Shared-queue jobs left to their callers alone, and how many the next backing off will leave.
    private int aloneFor, backoff = 1, evenInARow;

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
        return tryRun(threads, task, null);
    }

    /**
     * As {@link #tryRun}, for a task whose parts take their work from one shared queue until it is empty:
     * workers that have not started when the caller's part returns are not waited for.
     */
    boolean tryRunShared(int threads, SharedQueueTask task) {
        return tryRun(threads, task, task);
    }

    private boolean tryRun(int threads, ParallelTask task, SharedQueueTask queue) {
        if (workers.length == 0 || lock.isHeldByCurrentThread() || !lock.tryLock()) return false;
        if (queue != null && aloneFor > 0) {   // backing off: see the class comment
            aloneFor--;
            lock.unlock();
            return false;
        }
        try {
            this.task = task;
            this.parts = Math.min(threads, maxThreads());
            this.queue = queue;
            start();
            return true;
        } finally {
            this.task = null;
            this.queue = null;
            lock.unlock();
        }
    }

    /** Publishes the job to parts - 1 workers, runs part 0, waits for the workers and rethrows a failure. */
    private void start() {
        this.failure = null;
        this.caller = Thread.currentThread();
        int helpers = parts - 1;
        pending.set(helpers);
        long job = ++jobs;
        boolean awake = true;   // a worker woken from sleep starts late, whoever else runs: not judged
        for (int w = 0; w < helpers; w++) {
            awake &= !workers[w].parked;
            workers[w].publish(job);
        }
        Throwable thrown = null;
        long start = System.nanoTime();
        try {
            task.run(0, parts);
        } catch (Throwable t) {
            thrown = t;
        }
        long ownEnd = System.nanoTime(), own = ownEnd - start;
        boolean judged = awake && own > JUDGED_NANOS;
        if (queue != null) {   // the queue is empty: nobody who has not started is needed
            for (int w = 0; w < helpers; w++) {
                if (workers[w].state.compareAndSet(PUBLISHED, WITHDRAWN)) pending.decrementAndGet();
            }
        }
        awaitWorkers();
        if (queue != null && judged) {
            // A worker that finishes long after the caller's share of the queue was held back inside a block.
            boolean waitedLong = System.nanoTime() - ownEnd > own / 2;
            if (waitedLong || queue.unevenlyShared(parts)) {
                aloneFor = backoff;
                backoff = Math.min(2 * backoff, MAX_BACKOFF);
                evenInARow = 0;
            } else if (++evenInARow >= EVEN_TO_HALVE) {
                backoff = Math.max(1, backoff / 2);
                evenInARow = 0;
            }
        }
        Throwable failed = thrown != null ? thrown : failure;
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
        private final AtomicInteger state = new AtomicInteger(IDLE);
        private volatile long ticket;
        private long seen;   // the last ticket this worker looked at
        private volatile boolean parked;   // asleep, not spinning: a job published now starts late

        Worker(int part) {
            super("vecrnn-worker-" + part);
            this.part = part;
            setDaemon(true);
        }

        void publish(long job) {
            state.set(PUBLISHED);
            ticket = job;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            while (true) {
                long start = System.nanoTime();
                long t;
                while ((t = ticket) == seen) {
                    if (System.nanoTime() - start < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        LockSupport.park(WorkerPool.this);
                        parked = false;
                        // Nobody answers a worker's interrupt; left set, it would make every park return at once.
                        Thread.interrupted();
                    }
                }
                seen = t;
                // Withdrawn: the caller finished the job without this worker. Otherwise the job is the one the
                // state was published for (a later one, if this worker woke late), its fields written before.
                if (!state.compareAndSet(PUBLISHED, RUNNING)) continue;
                try {
                    task.run(part, parts);
                } catch (Throwable e) {
                    failure = e;
                }
                state.set(IDLE);
                if (pending.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }
}
