package io.github.vecrnn.cells.internal;

/** Batch-first [B, T, F] and time-major [T, B, F] layouts of the same rows, converted both ways. */
public final class TimeMajor {
    private TimeMajor() {
    }

    // src [B, T, F] -> dst [T, B, F]
    public static void fromBatchFirst(float[] src, float[] dst, int steps, int batch, int width) {
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                System.arraycopy(src, (b * steps + t) * width, dst, (t * batch + b) * width, width);
            }
        }
    }

    // src [T, B, F] -> dst [B, T, F]
    public static void toBatchFirst(float[] src, float[] dst, int steps, int batch, int width) {
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(src, (t * batch + b) * width, dst, (b * steps + t) * width, width);
            }
        }
    }
}
