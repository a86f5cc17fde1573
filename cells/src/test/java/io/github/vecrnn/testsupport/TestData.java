package io.github.vecrnn.testsupport;

import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.RnnState;

/** Random data for the cells' tests, from vecrnn's own seeded generator. */
public final class TestData {
    private TestData() {
    }

    /** n floats uniform in [-scale, scale). */
    public static float[] uniform(Rng rng, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rng.uniform(-scale, scale);
        return a;
    }

    /** A state for the stack and batch with h_0 (and c_0) uniform in [-0.5, 0.5). */
    public static RnnState randomState(Rnn rnn, int batch, Rng rng) {
        RnnState s = rnn.newState(batch);
        System.arraycopy(uniform(rng, s.hidden().length, 0.5f), 0, s.hidden(), 0, s.hidden().length);
        if (s.cell() != null) System.arraycopy(uniform(rng, s.cell().length, 0.5f), 0, s.cell(), 0, s.cell().length);
        return s;
    }
}
