package io.github.vecrnn.cells;

/**
 * How a bidirectional layer combines its forward and backward outputs (Keras merge modes), with the
 * gradient of each combination.
 */
public enum Merge {
    /** [forward, backward] on the feature axis, 2H wide: PyTorch's only mode, the default. */
    CONCAT,
    /** forward + backward, H wide. */
    SUM,
    /** forward * backward, H wide. */
    MUL,
    /** (forward + backward) / 2, H wide. */
    AVERAGE;

    // raw [rows, 2H] (forward, backward side by side) -> merged [rows, H]; CONCAT returns raw itself
    float[] forward(float[] raw, float[] merged, int rows, int hidden) {
        if (this == CONCAT) return raw;
        for (int row = 0; row < rows; row++) {
            int f = row * 2 * hidden, bk = f + hidden, o = row * hidden;
            for (int j = 0; j < hidden; j++) {
                float a = raw[f + j], c = raw[bk + j];
                merged[o + j] = switch (this) {
                    case SUM -> a + c;
                    case MUL -> a * c;
                    case AVERAGE -> (a + c) * 0.5f;
                    case CONCAT -> throw new AssertionError();
                };
            }
        }
        return merged;
    }

    // dMerged [rows, H], raw [rows, 2H] -> dRaw [rows, 2H] (not called for CONCAT, whose gradient is dMerged itself)
    void backward(float[] dMerged, float[] raw, float[] dRaw, int rows, int hidden) {
        for (int row = 0; row < rows; row++) {
            int f = row * 2 * hidden, bk = f + hidden, o = row * hidden;
            for (int j = 0; j < hidden; j++) {
                float g = dMerged[o + j];
                switch (this) {
                    case SUM -> { dRaw[f + j] = g; dRaw[bk + j] = g; }                       // d(a + c)
                    case AVERAGE -> { dRaw[f + j] = 0.5f * g; dRaw[bk + j] = 0.5f * g; }     // d((a + c) / 2)
                    case MUL -> { dRaw[f + j] = g * raw[bk + j]; dRaw[bk + j] = g * raw[f + j]; }  // d(a c)
                    case CONCAT -> throw new AssertionError();
                }
            }
        }
    }
}
