package io.github.vecrnn.cells;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.vecrnn.testsupport.ChildJvm;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The warm-up (see WarmUp) in fresh JVMs, where nothing is compiled yet: it runs in the background after a
 * build, once per configuration; the first call waits for it; the outputs are the bits they are without it.
 */
class WarmUpTest {
    private static final String VECTOR = "--add-modules=jdk.incubator.vector";

    @Test
    void runsOnceInTheBackgroundAndChangesNoBits() throws IOException, InterruptedException {
        ChildJvm.Result on = ChildJvm.run(List.of(VECTOR), Main.class);
        ChildJvm.Result off = ChildJvm.run(List.of(VECTOR, "-D" + WarmUp.PROPERTY + "=false"), Main.class);
        assertEquals(0, on.exitCode(), on.output());
        assertEquals(0, off.exitCode(), off.output());
        String cpus = Runtime.getRuntime().availableProcessors() >= 2 ? "1" : "0";
        assertTrue(on.output().contains("warm-ups after build: " + cpus + ", running when the first call returned: false, "
                                        + "after the first call: 0, after another build: 0"), on.output());
        assertTrue(off.output().contains("warm-ups after build: 0, running when the first call returned: false, "
                                         + "after the first call: 0, after another build: 0"), off.output());
        assertEquals(line(on.output(), "output"), line(off.output(), "output"), "the warm-up changed the outputs");
    }

    private static String line(String output, String prefix) {
        return output.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError(output));
    }

    /** Runs in the child JVM. */
    public static final class Main {
        public static void main(String[] args) {
            Rnn lstm = Rnn.lstm(5, 9).maxBatch(3).maxSteps(4).peepholes(true).build();
            long afterBuild = warmUps();
            FrozenRnn frozen = lstm.freeze();
            float[] x = new float[4 * 3 * 5];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
            float[] out = frozen.forward(x, 3, 4, null, null).output().clone();
            boolean running = WarmUp.running();   // the first call waited for it
            long afterCall = warmUpsAfterEnd();
            Rnn.lstm(7, 11).maxBatch(2).maxSteps(3).peepholes(true).build();   // the same options: no second warm-up
            System.out.println("warm-ups after build: " + afterBuild + ", running when the first call returned: " + running
                               + ", after the first call: " + afterCall
                               + ", after another build: " + warmUps());
            System.out.println("output " + Arrays.hashCode(out) + " " + Arrays.toString(out));
        }

        /** The warm-up threads left once the one that ran has had two seconds to end after releasing the call. */
        private static long warmUpsAfterEnd() {
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (warmUps() > 0 && System.nanoTime() < deadline) Thread.onSpinWait();
            return warmUps();
        }

        private static long warmUps() {
            return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("vecrnn-warm-up")).count();
        }
    }
}
