package io.github.vecrnn.train;

import java.util.Arrays;

/**
 * Sequences and their targets in memory, what {@link Trainer#fit} and {@link Trainer#evaluate(Dataset, int, Metric...)}
 * read. Each sequence keeps its own length (shorter ones are padded when batched, and the
 * stack is told their lengths); its targets are either one row per sequence (a many-to-one model,
 * {@code Readout.LAST_STEP}) or one row per step (many-to-many, {@code Readout.PER_STEP}).
 *
 * <p>Held as one flat array [N, maxSteps, features] and one of targets, copied on construction: changing the
 * arrays given afterwards does not change the dataset. For {@link Loss#CROSS_ENTROPY} a target row is one
 * float, the class index.
 *
 * <pre>{@code
 * Dataset train = Dataset.perSequence(x, y);            // x[n][t][i], y[n][j]
 * Dataset series = Dataset.windows(values, 1, 24, 1);  // 24 steps in, the next one out
 * }</pre>
 */
public final class Dataset {
    /** Sequences longer than this are refused: no model holds them, and the flat array would overflow. */
    static final int MAX_STEPS = 1 << 20;

    private final int size, maxSteps, features, targetWidth;
    private final boolean perStep;
    private final float[] inputs;    // [size, maxSteps, features], zeros after each sequence's length
    private final int[] lengths;     // [size]
    private final float[] targets;   // [size, targetWidth] or [size, maxSteps, targetWidth]

    private Dataset(int size, int maxSteps, int features, int targetWidth, boolean perStep, float[] inputs,
                    int[] lengths, float[] targets) {
        this.size = size;
        this.maxSteps = maxSteps;
        this.features = features;
        this.targetWidth = targetWidth;
        this.perStep = perStep;
        this.inputs = inputs;
        this.lengths = lengths;
        this.targets = targets;
    }

    /**
     * Sequences x[n][t][i] (lengths may differ) with one target row y[n] each, all rows of one width: for a
     * many-to-one model.
     */
    public static Dataset perSequence(float[][][] x, float[][] y) {
        int features = checkInputs(x);
        if (y.length != x.length) throw new IllegalArgumentException("x has " + x.length + " sequences but y has " + y.length + " target rows");
        int width = y.length == 0 ? 0 : y[0].length;
        if (width < 1) throw new IllegalArgumentException("y[0] is empty: a target row needs at least one value");
        for (int n = 0; n < y.length; n++) {
            if (y[n].length != width) {
                throw new IllegalArgumentException("y[" + n + "] has " + y[n].length + " values, y[0] has " + width);
            }
        }
        int maxSteps = maxSteps(x);
        float[] targets = new float[x.length * width];
        for (int n = 0; n < y.length; n++) System.arraycopy(y[n], 0, targets, n * width, width);
        return new Dataset(x.length, maxSteps, features, width, false, flatten(x, maxSteps, features), lengthsOf(x), targets);
    }

    /**
     * Sequences x[n][t][i] (lengths may differ) with one target row per step, y[n][t][j], as long as its
     * sequence: for a many-to-many model.
     */
    public static Dataset perStep(float[][][] x, float[][][] y) {
        int features = checkInputs(x);
        if (y.length != x.length) throw new IllegalArgumentException("x has " + x.length + " sequences but y has " + y.length);
        int width = y[0].length == 0 ? 0 : y[0][0].length;
        if (width < 1) throw new IllegalArgumentException("y[0][0] is empty: a target row needs at least one value");
        for (int n = 0; n < y.length; n++) {
            if (y[n].length != x[n].length) {
                throw new IllegalArgumentException("y[" + n + "] has " + y[n].length + " steps, x[" + n + "] has " + x[n].length);
            }
            for (int t = 0; t < y[n].length; t++) {
                if (y[n][t].length != width) {
                    throw new IllegalArgumentException("y[" + n + "][" + t + "] has " + y[n][t].length + " values, y[0][0] has " + width);
                }
            }
        }
        int maxSteps = maxSteps(x);
        float[] targets = new float[x.length * maxSteps * width];
        for (int n = 0; n < y.length; n++) {
            for (int t = 0; t < y[n].length; t++) System.arraycopy(y[n][t], 0, targets, (n * maxSteps + t) * width, width);
        }
        return new Dataset(x.length, maxSteps, features, width, true, flatten(x, maxSteps, features), lengthsOf(x), targets);
    }

    /**
     * Sliding windows over a time series [T, features] (row t is series[t*features .. (t+1)*features)): sequence
     * n is rows n .. n+window-1, its target the next horizon rows, flattened ([horizon * features]). Gives
     * T - window - horizon + 1 sequences.
     */
    public static Dataset windows(float[] series, int features, int window, int horizon) {
        if (features < 1) throw new IllegalArgumentException("features must be >= 1, got " + features);
        if (window < 1 || window > MAX_STEPS) throw new IllegalArgumentException("window must be in [1, " + MAX_STEPS + "], got " + window);
        if (horizon < 1) throw new IllegalArgumentException("horizon must be >= 1, got " + horizon);
        if (series.length % features != 0) {
            throw new IllegalArgumentException("series has " + series.length + " values, not a whole number of rows of " + features);
        }
        long rows = series.length / features, count = rows - window - horizon + 1;
        if (count < 1) {
            throw new IllegalArgumentException("series has " + rows + " rows, too few for one window of " + window
                    + " and a horizon of " + horizon);
        }
        checkSize(count, window, features);
        int n = (int) count, width = horizon * features;
        float[] inputs = new float[n * window * features], targets = new float[n * width];
        for (int s = 0; s < n; s++) {
            System.arraycopy(series, s * features, inputs, s * window * features, window * features);
            System.arraycopy(series, (s + window) * features, targets, s * width, width);
        }
        int[] lengths = new int[n];
        Arrays.fill(lengths, window);
        return new Dataset(n, window, features, width, false, inputs, lengths, targets);
    }

    /**
     * The first {@code count} sequences and the rest, as two datasets ({@code Trainer.Fit#validationSplit}
     * takes the last ones, before any shuffling, as Keras does).
     */
    public Dataset[] split(int count) {
        if (count < 1 || count >= size) throw new IllegalArgumentException("count must be in [1, " + (size - 1) + "], got " + count);
        return new Dataset[] {range(0, count), range(count, size)};
    }

    private Dataset range(int from, int to) {
        int perTarget = perStep ? maxSteps * targetWidth : targetWidth;
        return new Dataset(to - from, maxSteps, features, targetWidth, perStep,
                           Arrays.copyOfRange(inputs, from * maxSteps * features, to * maxSteps * features),
                           Arrays.copyOfRange(lengths, from, to),
                           Arrays.copyOfRange(targets, from * perTarget, to * perTarget));
    }

    /** Number of sequences. */
    public int size() {
        return size;
    }

    /** The longest sequence's steps. */
    public int maxSteps() {
        return maxSteps;
    }

    public int features() {
        return features;
    }

    /** Values in one target row. */
    public int targetWidth() {
        return targetWidth;
    }

    /** Whether each step has a target row (else each sequence has one). */
    public boolean perStepTargets() {
        return perStep;
    }

    /** Steps of sequence n. */
    public int length(int n) {
        if (n < 0 || n >= size) throw new IllegalArgumentException("sequence " + n + " out of range [0, " + size + ")");
        return lengths[n];
    }

    /** Whether sequence n has fewer steps than the longest. */
    boolean padded() {
        for (int length : lengths) if (length != maxSteps) return true;
        return false;
    }

    /**
     * Copies sequences order[from .. from+batch) into x (layout: [steps, batch, features] time-major, or
     * [batch, steps, features] batch-first), their lengths into lengths and their targets into y in the rows of
     * the model's logits (per sequence: row b; per step: row t*batch+b, or b*steps+t batch-first); steps is
     * the longest of them. Returns steps. Allocates nothing.
     */
    int gather(int[] order, int from, int batch, boolean batchFirst, float[] x, int[] lengthsOut, float[] y) {
        int steps = 0;
        for (int b = 0; b < batch; b++) steps = Math.max(steps, lengths[order[from + b]]);
        for (int b = 0; b < batch; b++) {
            int n = order[from + b], length = lengths[n];
            lengthsOut[b] = length;
            for (int t = 0; t < steps; t++) {
                int dst = (batchFirst ? b * steps + t : t * batch + b) * features;
                if (t < length) System.arraycopy(inputs, (n * maxSteps + t) * features, x, dst, features);
                else Arrays.fill(x, dst, dst + features, 0f);
                if (perStep) {
                    int row = batchFirst ? b * steps + t : t * batch + b;
                    if (t < length) System.arraycopy(targets, (n * maxSteps + t) * targetWidth, y, row * targetWidth, targetWidth);
                    else Arrays.fill(y, row * targetWidth, (row + 1) * targetWidth, 0f);
                }
            }
            if (!perStep) System.arraycopy(targets, n * targetWidth, y, b * targetWidth, targetWidth);
        }
        return steps;
    }

    private static int checkInputs(float[][][] x) {
        if (x.length == 0) throw new IllegalArgumentException("x has no sequences");
        if (x[0].length == 0 || x[0][0].length == 0) throw new IllegalArgumentException("x[0] is empty: a sequence needs a step of at least one feature");
        int features = x[0][0].length;
        for (int n = 0; n < x.length; n++) {
            if (x[n].length == 0) throw new IllegalArgumentException("x[" + n + "] has no steps");
            if (x[n].length > MAX_STEPS) throw new IllegalArgumentException("x[" + n + "] has " + x[n].length + " steps, above " + MAX_STEPS);
            for (int t = 0; t < x[n].length; t++) {
                if (x[n][t].length != features) {
                    throw new IllegalArgumentException("x[" + n + "][" + t + "] has " + x[n][t].length + " features, x[0][0] has " + features);
                }
            }
        }
        checkSize(x.length, maxSteps(x), features);
        return features;
    }

    private static void checkSize(long sequences, long steps, long features) {
        if (sequences * steps * features > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(sequences + " sequences of " + steps + " steps x " + features
                    + " features do not fit one Java array; split the data");
        }
    }

    private static int maxSteps(float[][][] x) {
        int max = 0;
        for (float[][] sequence : x) max = Math.max(max, sequence.length);
        return max;
    }

    private static int[] lengthsOf(float[][][] x) {
        int[] lengths = new int[x.length];
        for (int n = 0; n < x.length; n++) lengths[n] = x[n].length;
        return lengths;
    }

    private static float[] flatten(float[][][] x, int maxSteps, int features) {
        float[] flat = new float[x.length * maxSteps * features];
        for (int n = 0; n < x.length; n++) {
            for (int t = 0; t < x[n].length; t++) System.arraycopy(x[n][t], 0, flat, (n * maxSteps + t) * features, features);
        }
        return flat;
    }

    @Override
    public String toString() {
        return "Dataset[" + size + " sequences of up to " + maxSteps + " steps x " + features + " features, "
                + (perStep ? "per-step" : "per-sequence") + " targets of " + targetWidth + "]";
    }
}
