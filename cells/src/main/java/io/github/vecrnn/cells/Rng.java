package io.github.vecrnn.cells;

/**
 * A small seeded random generator (SplitMix64) whose whole state is one long, so a run is
 * repeatable and a checkpoint can store it. Not for cryptography. Not thread-safe.
 */
public final class Rng {
    private long state;

    public Rng(long seed) {
        this.state = seed;
    }

    /** The state to store; {@link #setState} continues exactly from it. */
    public long state() {
        return state;
    }

    public void setState(long state) {
        this.state = state;
    }

    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform in [lo, hi). */
    public float uniform(float lo, float hi) {
        if (!(lo <= hi) || !Float.isFinite(hi - lo)) throw new IllegalArgumentException("need finite lo <= hi, got [" + lo + ", " + hi + ")");
        return lo + (hi - lo) * nextFloat();
    }

    /** Uniform integer in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        return (int) ((nextLong() >>> 33) % bound);
    }

    /** Standard normal (Marsaglia's polar method; one value per call, so the state stays one long). */
    public double nextGaussian() {
        double u, v, s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * Math.log(s) / s);
    }
}
