package io.github.vecrnn.cells;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Compiles a stack's inference code before its first call. The Vector API runs interpreted, allocating every
 * vector, until C2 has compiled the methods that use it; a first call on a large stack would spend a second or
 * more getting there, and C2 would compile its long loops twice (on-stack replacement first). So, when a stack
 * is built, a daemon thread runs a tiny stack of the same configuration (same cell, options, layers and
 * directions; a few units, batches 1, 2, 4 and 7, two steps) over and over: its calls are short, so C2
 * compiles each method once, whole, and a tiny call reaches every register tile and branch a large one takes.
 * The compiled code is the JVM's, shared by every stack.
 *
 * <p>Once per JVM and configuration, one at a time, and only where a core is free (two or more processors)
 * and the kernels are vectorized. The first forward call of a stack built while its warm-up runs waits for it
 * (at most {@link #LIMIT_MS}): the tiny calls get C2 there sooner than a large interpreted call running
 * beside them would. {@value #PROPERTY}{@code =false} turns it off.
 */
final class WarmUp {
    /** System property: {@code false} turns the warm-up off. */
    static final String PROPERTY = "vecrnn.warmup";
    /** The longest a warm-up runs, and so the longest a first call waits. */
    static final long LIMIT_MS = 5_000;
    /** Rounds before the warm-up may stop: enough calls for C2 to have been asked to compile every method. */
    static final int MIN_ROUNDS = 6_000;
    /** It stops after this many rounds in a row at most twice the fastest one: the code is compiled. */
    static final int STEADY_ROUNDS = 100;
    private static final int[] BATCHES = {1, 2, 4, 7};
    private static final int STEPS = 2;

    /** The options that choose code paths; sizes do not. */
    private record Key(CellKind kind, int layers, boolean bidirectional, Merge merge, boolean batchFirst,
                       boolean peepholes, boolean inputForget, boolean layerNorm, boolean linearBeforeReset) {
        static Key of(Rnn.Builder b) {
            return new Key(b.kind, Math.min(b.layers, 2), b.bidirectional, b.merge, b.batchFirst, b.peepholes,
                           b.inputForget, b.layerNorm, b.linearBeforeReset);
        }
    }

    private static final Set<Key> STARTED = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean RUNNING = new AtomicBoolean();

    private final CountDownLatch done = new CountDownLatch(1);

    private WarmUp() {
    }

    /** The warm-up started for a stack built from b, or null when none runs for it (see the class comment). */
    static WarmUp start(Rnn.Builder b) {
        if (!enabled() || !b.kernels.isVectorized() || Runtime.getRuntime().availableProcessors() < 2) return null;
        Key key = Key.of(b);
        if (STARTED.contains(key) || !RUNNING.compareAndSet(false, true)) return null;
        if (!STARTED.add(key)) {
            RUNNING.set(false);
            return null;
        }
        WarmUp warmUp = new WarmUp();
        Rnn.Builder tiny = tinyCopy(b);
        Thread thread = new Thread(() -> warmUp.run(tiny), "vecrnn-warm-up");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
        return warmUp;
    }

    /** Whether a warm-up runs now. */
    static boolean running() {
        return RUNNING.get();
    }

    static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "").trim());
    }

    /**
     * b's configuration with a few units: enough strips of the register tile for the one-row product to run
     * four at a time (4 strips over the gates), as it does for a large stack.
     */
    private static Rnn.Builder tinyCopy(Rnn.Builder b) {
        int strip = b.kernels.newPackedMatrix(1, 1).panelWidth(), gates = b.kind.gates();
        int hidden = strip * ((4 + gates - 1) / gates);
        return Rnn.builder(b.kind, 8, hidden).layers(Math.min(b.layers, 2)).bidirectional(b.bidirectional)
                  .merge(b.merge).batchFirst(b.batchFirst).linearBeforeReset(b.linearBeforeReset)
                  .peepholes(b.peepholes).inputForget(b.inputForget).layerNorm(b.layerNorm)
                  .maxBatch(BATCHES[BATCHES.length - 1]).maxSteps(STEPS).kernels(b.kernels).forWarmUp();
    }

    private void run(Rnn.Builder tiny) {
        try {
            FrozenRnn model = tiny.build().freeze();
            float[] x = new float[STEPS * BATCHES[BATCHES.length - 1] * model.inputSize()];
            long start = System.nanoTime(), limit = TimeUnit.MILLISECONDS.toNanos(LIMIT_MS), fastest = Long.MAX_VALUE;
            int steady = 0;
            for (int round = 1; System.nanoTime() - start < limit; round++) {
                long t0 = System.nanoTime();
                for (int batch : BATCHES) model.forward(x, batch, STEPS, null, null);
                long t = System.nanoTime() - t0;
                fastest = Math.min(fastest, t);
                steady = t <= 2 * fastest ? steady + 1 : 0;
                if (round >= MIN_ROUNDS && steady >= STEADY_ROUNDS) break;
            }
        } catch (RuntimeException e) {   // an optimization: say so, the stacks themselves are not affected
            System.getLogger("io.github.vecrnn.cells").log(System.Logger.Level.WARNING, "vecrnn: the warm-up failed", e);
        } finally {
            RUNNING.set(false);
            done.countDown();
        }
    }

    /** Waits until the warm-up has ended (at most its limit); an interrupt ends the wait and stays set. */
    void await() {
        try {
            done.await(LIMIT_MS + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
