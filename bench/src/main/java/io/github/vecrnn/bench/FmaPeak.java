package io.github.vecrnn.bench;

import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The FMA peak of one core as Java reaches it, measured, for every vector width up to the machine's preferred
 * one: ten independent FMA chains (more than latency x ports on the CPUs we know), best of 20 rounds after 10
 * rounds of warm-up. Prints JSON, {"preferred_bits": 256, "gflops": {"256": 97.1, "128": 48.6}}, which the
 * bench's report divides every GFLOP/s figure by.
 *
 * <p>Usage: {@code java --add-modules=jdk.incubator.vector -cp benchmarks.jar io.github.vecrnn.bench.FmaPeak}
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> S128 = FloatVector.SPECIES_128;
    private static final VectorSpecies<Float> S256 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> S512 = FloatVector.SPECIES_512;
    private static final int CHAINS = 10, ITERATIONS = 2_000_000, ROUNDS = 30, WARM_ROUNDS = 10;
    static volatile float SINK;   // the sums go somewhere, so the loops are not dead code

    private FmaPeak() {
    }

    public static void main(String[] args) {
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        StringBuilder json = new StringBuilder("{\"preferred_bits\": " + preferred + ", \"gflops\": {");
        String separator = "";
        for (int bits = preferred; bits >= 128; bits /= 2) {
            json.append(separator).append(String.format(Locale.ROOT, "\"%d\": %.1f", bits, peak(bits)));
            separator = ", ";
        }
        System.out.println(json.append("}}"));
    }

    /** GFLOP/s of one thread at this width: the best round. */
    static double peak(int bits) {
        double best = 0;
        float sink = 0;
        for (int round = 0; round < ROUNDS; round++) {
            long t0 = System.nanoTime();
            sink += switch (bits) {
                case 512 -> chains512(ITERATIONS);
                case 256 -> chains256(ITERATIONS);
                default -> chains128(ITERATIONS);
            };
            long t = System.nanoTime() - t0;
            if (round >= WARM_ROUNDS) best = Math.max(best, 2.0 * CHAINS * (bits / 32) * ITERATIONS / t);
        }
        SINK = sink;
        return best;
    }

    // Each chain adds 1 * 1 per iteration; ten of them keep two FMA ports of latency 4-5 busy.
    private static float chains512(int iterations) {
        FloatVector one = FloatVector.broadcast(S512, 1f), a0 = FloatVector.zero(S512), a1 = a0, a2 = a0, a3 = a0, a4 = a0;
        FloatVector a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
        for (int i = 0; i < iterations; i++) {
            a0 = one.fma(one, a0); a1 = one.fma(one, a1); a2 = one.fma(one, a2); a3 = one.fma(one, a3); a4 = one.fma(one, a4);
            a5 = one.fma(one, a5); a6 = one.fma(one, a6); a7 = one.fma(one, a7); a8 = one.fma(one, a8); a9 = one.fma(one, a9);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).reduceLanes(VectorOperators.ADD);
    }

    private static float chains256(int iterations) {
        FloatVector one = FloatVector.broadcast(S256, 1f), a0 = FloatVector.zero(S256), a1 = a0, a2 = a0, a3 = a0, a4 = a0;
        FloatVector a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
        for (int i = 0; i < iterations; i++) {
            a0 = one.fma(one, a0); a1 = one.fma(one, a1); a2 = one.fma(one, a2); a3 = one.fma(one, a3); a4 = one.fma(one, a4);
            a5 = one.fma(one, a5); a6 = one.fma(one, a6); a7 = one.fma(one, a7); a8 = one.fma(one, a8); a9 = one.fma(one, a9);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).reduceLanes(VectorOperators.ADD);
    }

    private static float chains128(int iterations) {
        FloatVector one = FloatVector.broadcast(S128, 1f), a0 = FloatVector.zero(S128), a1 = a0, a2 = a0, a3 = a0, a4 = a0;
        FloatVector a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
        for (int i = 0; i < iterations; i++) {
            a0 = one.fma(one, a0); a1 = one.fma(one, a1); a2 = one.fma(one, a2); a3 = one.fma(one, a3); a4 = one.fma(one, a4);
            a5 = one.fma(one, a5); a6 = one.fma(one, a6); a7 = one.fma(one, a7); a8 = one.fma(one, a8); a9 = one.fma(one, a9);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).reduceLanes(VectorOperators.ADD);
    }
}
