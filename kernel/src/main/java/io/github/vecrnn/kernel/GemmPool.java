package io.github.vecrnn.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The threads that share a large sgemm, or the parts of a {@link ParallelTask}, with its caller: created
 * once, daemon, and allocation-free per call (the job's arguments live in this object's fields, each
 * worker has a fixed part index).
 *
 * <p>The caller splits C into {@code parts} blocks of whole columns (or of whole rows when C is too
 * narrow), publishes the job by writing each helper's ticket, computes block 0 itself and waits for
 * the helpers. Each block is an ordinary sub-GEMM, so every element of C is computed by the same
 * FMA chain as on one thread: results are bitwise identical for any thread count.
 *
 * <p>If another thread is already using the pool, {@link #trySgemm} returns false at once and the
 * caller computes on its own thread: concurrent callers never wait for each other.
 */
final class GemmPool {

    /** Column blocks are multiples of this (a multiple of every strip width, 16, 32 or 64). */
    private static final int COLUMN_ALIGN = 64;
    /** How long an idle worker spins before it parks: the gap between the GEMMs of one RNN step. */
    private static final long SPIN_NANOS = 100_000;

    private static volatile GemmPool shared;

    private final Worker[] workers;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Thread caller;
    private volatile Throwable failure;

    // The job: plain fields, written under the lock before the tickets (volatile) publish them.
    private KernelSupport support;
    private boolean transA, transB, splitColumns;
    private int m, n, k, parts, lda, ldb, ldc, aOffset, bOffset, cOffset;
    private float alpha, beta;
    private float[] a, b, c;
    private PackedMatrix packed; // non-null: B is this packed matrix (b, bOffset, ldb and transB unused)
    // non-null: the job is C = A B + E F + bias over B's columns [column, column + n) (sgemmPackedPair)
    private PackedMatrix second;
    private float[] e, bias;
    private int eOffset, lde, column, biasOffset;
    private ParallelTask task;   // non-null: the job is this task's parts, not an sgemm

    private GemmPool(int helpers) {
        workers = new Worker[helpers];
        for (int i = 0; i < helpers; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    /** The pool shared by all callers, created on first use with {@code threads - 1} helpers. */
    static GemmPool shared(int threads) {
        GemmPool pool = shared;
        if (pool == null) {
            synchronized (GemmPool.class) {
                pool = shared;
                if (pool == null) {
                    shared = pool = new GemmPool(Math.max(0, threads - 1));
                }
            }
        }
        return pool;
    }

    /** Most threads a call can use: the helpers plus the caller. */
    int maxThreads() {
        return workers.length + 1;
    }

    /**
     * Runs the sgemm on up to {@code threads} threads (the caller included; at most the helpers plus the
     * caller), or returns false without doing anything when the pool has no helper or is busy with
     * another job.
     */
    boolean trySgemm(int threads, KernelSupport support, boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                     float beta, float[] c, int cOffset, int ldc) {
        if (!acquire()) return false;
        try {
            this.packed = null;
            run(threads, support, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The same for C = alpha * A * B + beta * C with B packed (its strips align with the column blocks). */
    boolean trySgemm(int threads, KernelSupport support, int m, float alpha, float[] a, int aOffset, int lda,
                     PackedMatrix b, float beta, float[] c, int cOffset, int ldc) {
        if (!acquire()) return false;
        try {
            this.packed = b;
            run(threads, support, false, false, m, b.cols, b.rows, alpha, a, aOffset, lda, null, 0, 0, beta, c, cOffset, ldc);
            return true;
        } finally {
            this.packed = null;
            lock.unlock();
        }
    }

    /** The same for C = A B + E F + bias over the columns [column, column + columns) of B and F, both packed. */
    boolean trySgemm(int threads, KernelSupport support, int m, float[] a, int aOffset, int lda, PackedMatrix b,
                     float[] e, int eOffset, int lde, PackedMatrix f, int column, int columns,
                     float[] bias, int biasOffset, float[] c, int cOffset, int ldc) {
        if (!acquire()) return false;
        try {
            this.packed = b;
            this.second = f;
            this.e = e; this.eOffset = eOffset; this.lde = lde;
            this.bias = bias; this.biasOffset = biasOffset; this.column = column;
            run(threads, support, false, false, m, columns, b.rows, 1f, a, aOffset, lda, null, 0, 0, 0f, c, cOffset, ldc);
            return true;
        } finally {
            this.packed = this.second = null;
            this.e = this.bias = null;
            lock.unlock();
        }
    }

    /**
     * Runs task's parts 0 .. parts-1, parts = threads (at most the helpers plus the caller), part 0 on the
     * caller; false (nothing run) when the pool has no helper or is busy.
     */
    boolean tryRun(int threads, ParallelTask task) {
        if (!acquire()) return false;
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

    /**
     * The pool for one job, or false when it has no helper or another job holds it: another caller's, or
     * the calling thread's own, when a part of a task asks for more threads (the lock is reentrant; the
     * job's fields are not).
     */
    private boolean acquire() {
        return workers.length > 0 && !lock.isHeldByCurrentThread() && lock.tryLock();
    }

    private void run(int threads, KernelSupport support, boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                     float beta, float[] c, int cOffset, int ldc) {
        threads = Math.min(threads, maxThreads());
        int columnBlocks = (n + COLUMN_ALIGN - 1) / COLUMN_ALIGN;
        this.splitColumns = columnBlocks >= threads;
        this.parts = Math.min(threads, splitColumns ? columnBlocks : m);
        this.support = support;
        this.transA = transA; this.transB = transB;
        this.m = m; this.n = n; this.k = k; this.alpha = alpha; this.beta = beta;
        this.a = a; this.aOffset = aOffset; this.lda = lda;
        this.b = b; this.bOffset = bOffset; this.ldb = ldb;
        this.c = c; this.cOffset = cOffset; this.ldc = ldc;
        try {
            start();
        } finally {
            this.a = this.b = this.c = null; // do not keep the caller's arrays alive
        }
    }

    /** Publishes the job to parts - 1 helpers, runs part 0, waits for the helpers and rethrows a failure. */
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
            runPart(0);
        } catch (Throwable t) {
            own = t;
        }
        awaitHelpers();
        Throwable failed = own != null ? own : failure;
        if (failed instanceof RuntimeException e) throw e;
        if (failed instanceof Error e) throw e;
    }

    private void awaitHelpers() {
        long start = System.nanoTime();
        while (pending.get() > 0) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 50_000);
            }
        }
    }

    /** Block {@code part} of C: a range of columns (aligned) or of rows, as a sub-GEMM. */
    private void runPart(int part) {
        if (task != null) {
            task.run(part, parts);
        } else if (splitColumns) {
            int blocks = (n + COLUMN_ALIGN - 1) / COLUMN_ALIGN;
            int j0 = Math.min(n, blocks * part / parts * COLUMN_ALIGN);
            int j1 = Math.min(n, blocks * (part + 1) / parts * COLUMN_ALIGN);
            if (j1 <= j0) return;
            if (second != null) {   // column blocks are multiples of 64, so they start on a strip of B and F
                support.sgemmPackedPair(m, j1 - j0, a, aOffset, lda, k, packed.data, packed.stripOffset(column + j0),
                                        e, eOffset, lde, second.rows, second.data, second.stripOffset(column + j0),
                                        bias, biasOffset + j0, c, cOffset + j0, ldc);
                return;
            }
            if (packed != null) {
                support.sgemmPacked(m, j1 - j0, k, alpha, a, aOffset, lda, packed.data, packed.stripOffset(j0),
                                    beta, c, cOffset + j0, ldc);
                return;
            }
            int bStart = bOffset + j0 * (transB ? ldb : 1);
            if (m == 1 && !transA && !transB) { // one row: the vertical matrix-vector form, same FMA chains
                support.sgemv(true, k, j1 - j0, alpha, b, bStart, ldb, a, aOffset, beta, c, cOffset + j0);
                return;
            }
            support.sgemm(transA, transB, m, j1 - j0, k, alpha, a, aOffset, lda, b, bStart, ldb,
                          beta, c, cOffset + j0, ldc);
        } else {
            int i0 = m * part / parts, i1 = m * (part + 1) / parts;
            if (i1 <= i0) return;
            int aStart = aOffset + i0 * (transA ? 1 : lda);
            if (second != null) {
                support.sgemmPackedPair(i1 - i0, n, a, aStart, lda, k, packed.data, packed.stripOffset(column),
                                        e, eOffset + i0 * lde, lde, second.rows, second.data, second.stripOffset(column),
                                        bias, biasOffset, c, cOffset + i0 * ldc, ldc);
                return;
            }
            if (packed != null) {
                support.sgemmPacked(i1 - i0, n, k, alpha, a, aStart, lda, packed.data, 0, beta, c, cOffset + i0 * ldc, ldc);
                return;
            }
            support.sgemm(transA, transB, i1 - i0, n, k, alpha, a, aStart, lda, b, bOffset, ldb,
                          beta, c, cOffset + i0 * ldc, ldc);
        }
    }

    private final class Worker extends Thread {
        private final int part;
        private volatile long ticket;
        private long done;

        Worker(int part) {
            super("vecrnn-gemm-" + part);
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
                        LockSupport.park(GemmPool.this);
                        // Nobody answers a worker's interrupt; left set, it would make every park return at once.
                        Thread.interrupted();
                    }
                }
                try {
                    runPart(part);
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
