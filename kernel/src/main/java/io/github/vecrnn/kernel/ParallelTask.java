package io.github.vecrnn.kernel;

/**
 * Work that {@link Kernels#parallel} splits over threads: {@code run(part, parts)} does part
 * {@code part} of {@code parts} (0 &lt;= part &lt; parts), each part on its own thread, the caller's
 * included. Meant for a pre-allocated object whose fields carry the job (a lambda that captures
 * arguments would allocate at every call).
 */
@FunctionalInterface
public interface ParallelTask {
    void run(int part, int parts);
}
