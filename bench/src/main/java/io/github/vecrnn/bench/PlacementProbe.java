package io.github.vecrnn.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * How far apart the host has put this machine's two cores: the round trip of a cache line between two
 * spinning threads, in ns, measured every 100 ms for the given seconds (default 1).
 *
 * <p>On this project's 2-vCPU machine (AMD EPYC, KVM) the round trip takes one of three values, and the host
 * moves between them every few seconds to minutes: about 70 ns (two cores of one CCX, sharing an L3),
 * about 330 ns (two CCDs) and about 30 ns (the two hardware threads of one core, which then share its
 * FMA units: 2 threads run at 1-thread speed). Every 2-thread figure depends on it, vecrnn's and its peers'
 * alike, so the bench logs it beside each 2-thread comparison.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.github.vecrnn.bench.PlacementProbe [seconds]</pre>
 */
public final class PlacementProbe {
    // the line the two threads pass back and forth, padded so that nothing else shares it
    private static final long[] LINE = new long[32];
    private static final int SLOT = 16;
    private static final VarHandle HANDLE = MethodHandles.arrayElementVarHandle(long[].class);
    private static volatile boolean stop;

    private PlacementProbe() {
    }

    public static void main(String[] args) throws InterruptedException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1;
        Thread echo = new Thread(PlacementProbe::echo, "probe-echo");
        echo.setDaemon(true);
        echo.start();
        int samples = Math.max(1, (int) Math.round(seconds * 10));
        double[] roundTrips = new double[samples];
        for (int s = 0; s < samples; s++) {
            roundTrips[s] = roundTrip(100_000_000L);
        }
        stop = true;
        double[] sorted = roundTrips.clone();
        Arrays.sort(sorted);
        double median = sorted[samples / 2];
        StringBuilder line = new StringBuilder();
        line.append(String.format("placement: %s (median round trip %.0f ns; every 100 ms:", placement(median), median));
        for (double r : roundTrips) line.append(String.format(" %.0f", r));
        System.out.println(line.append(')'));
    }

    /** The names of the three placements, by round trip. */
    static String placement(double roundTripNanos) {
        if (roundTripNanos < 50) return "one core's two hardware threads";
        if (roundTripNanos < 150) return "two cores of one CCX";
        return "two cores on different CCDs";
    }

    /** Mean round trip over as many trips as fit in the given time. */
    private static double roundTrip(long nanos) {
        long start = System.nanoTime(), trips = 0;
        while (System.nanoTime() - start < nanos) {
            for (int i = 0; i < 1000; i++) {
                long odd = get() + 1;          // even: the caller's turn; odd: the echo thread's
                set(odd);
                while (get() == odd) Thread.onSpinWait();
            }
            trips += 1000;
        }
        return (System.nanoTime() - start) / (double) trips;
    }

    private static void echo() {
        while (!stop) {
            long v = get();
            if ((v & 1) == 1) set(v + 1); else Thread.onSpinWait();
        }
    }

    private static long get() {
        return (long) HANDLE.getVolatile(LINE, SLOT);
    }

    private static void set(long v) {
        HANDLE.setVolatile(LINE, SLOT, v);
    }
}
