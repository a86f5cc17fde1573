package io.github.vecrnn.kernel;

/**
 * A {@link ParallelTask} whose parts take their work from one shared queue until it is empty, so that any part
 * may do any share of it, none included ({@link WorkerPool#tryRunShared}).
 */
interface SharedQueueTask extends ParallelTask {
    /**
     * After a job: whether one of its {@code parts} took less than half of an even share of the queue (the
     * operating system held its thread back, or it started too late to help).
     */
    boolean unevenlyShared(int parts);
}
