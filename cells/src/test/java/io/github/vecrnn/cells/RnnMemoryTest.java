package io.github.vecrnn.cells;

import io.github.vecrnn.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The estimate build() checks against the heap before allocating follows what it allocates (within 10%
 * over configurations that each stress another buffer), and a stack too large for a small heap is
 * refused with its size instead of an OutOfMemoryError.
 */
class RnnMemoryTest {
    static long allocatedBy(Rnn.Builder b) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        b.build();                                     // classes loaded, pool started
        long before = mx.getCurrentThreadAllocatedBytes();
        b.build();
        return mx.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void theEstimateFollowsWhatBuildAllocates() {
        List<Rnn.Builder> configs = List.of(
                Rnn.lstm(16, 32).maxSteps(200).maxBatch(8),
                Rnn.lstm(16, 32).layers(3).bidirectional(true).dropout(0.2f).maxSteps(100).maxBatch(8),
                Rnn.lstm(16, 32).layerNorm(true).peepholes(true).maxSteps(100).maxBatch(8),
                Rnn.gru(16, 32).layers(2).maxSteps(100).maxBatch(8),
                Rnn.gru(16, 32).linearBeforeReset(false).batchFirst(true).maxSteps(100).maxBatch(8),
                Rnn.rnn(64, 16).bidirectional(true).merge(Merge.SUM).batchFirst(true).maxSteps(300).maxBatch(4),
                Rnn.lstm(128, 256).maxSteps(10).maxBatch(2));
        StringBuilder report = new StringBuilder();
        for (Rnn.Builder b : configs) {
            long actual = allocatedBy(b), estimate = b.bufferBytes();
            double ratio = (double) estimate / actual;
            report.append(String.format("%s: estimate %,d, allocated %,d, ratio %.3f%n", b.build(), estimate, actual, ratio));
            assertTrue(ratio > 0.9 && ratio < 1.1, b.build() + ": estimate " + estimate + " vs allocated " + actual);
        }
        System.out.print(report);
    }

    /** The child: builds an LSTM(4, 8) with maxSteps args[0] and prints what happened. */
    public static final class BuildLarge {
        public static void main(String[] args) {
            try {
                Rnn.lstm(4, 8).maxSteps(Integer.parseInt(args[0])).build();
                System.out.println("built");
            } catch (IllegalArgumentException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }

    @Test
    void aMillionStepsInASmallHeapIsRefusedWithTheSize() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("-Xmx128m", "--add-modules=jdk.incubator.vector"), BuildLarge.class, "1000000");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("refused: this stack's buffers take about") && r.output().contains("maxSteps 1000000"),
                   r.output());
    }
}
