package io.github.vecrnn.train;

/**
 * Losses on logits, each returning the mean loss and writing dL/dlogits in one pass (PyTorch's
 * reduction="mean"). Rows whose mask is 0 (padding) add nothing and get zero gradient; the mean is over
 * the rows that count.
 */
public enum Loss {
    /** Mean squared error, mean over rows x columns: (1/N) sum (y - target)^2. Targets [rows, cols]. */
    MSE,
    /**
     * Binary cross-entropy on logits (a sigmoid output layer folded into the loss, numerically stable):
     * max(x, 0) - x*t + log(1 + exp(-|x|)), mean over rows x columns. Targets in [0, 1], [rows, cols].
     */
    BCE_WITH_LOGITS,
    /** Softmax cross-entropy: -log softmax(x)[target], mean over rows. Targets [rows]: the class index as a float. */
    CROSS_ENTROPY;

    /**
     * Mean loss over the rows with mask 1 (rowMask null: all rows); grad [rows, cols] receives dL/dlogits.
     * A target class outside [0, cols) is an IllegalArgumentException.
     */
    public double compute(float[] logits, float[] target, int rows, int cols, float[] rowMask, float[] grad) {
        if (rows < 1 || cols < 1) throw new IllegalArgumentException("rows and cols must be >= 1, got [" + rows + ", " + cols + "]");
        long cells = (long) rows * cols;
        if (logits.length < cells) {
            throw new IllegalArgumentException("logits has " + logits.length + " floats, shape [" + rows + ", " + cols + "] needs " + cells);
        }
        if (grad.length < cells) {
            throw new IllegalArgumentException("grad has " + grad.length + " floats, shape [" + rows + ", " + cols + "] needs " + cells);
        }
        if (rowMask != null && rowMask.length < rows) {
            throw new IllegalArgumentException("rowMask has " + rowMask.length + " entries, rows is " + rows);
        }
        int counted = 0;
        for (int r = 0; r < rows; r++) if (rowMask == null || rowMask[r] != 0f) counted++;
        if (counted == 0) throw new IllegalArgumentException("no rows count in the loss (all masked)");
        long needTarget = this == CROSS_ENTROPY ? rows : (long) rows * cols;
        if (target.length < needTarget) {
            throw new IllegalArgumentException("target has " + target.length + " floats, " + this + " over [" + rows + ", " + cols
                    + "] needs " + needTarget);
        }
        double sum = 0;
        double scale = this == CROSS_ENTROPY ? 1.0 / counted : 1.0 / ((double) counted * cols);
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            if (rowMask != null && rowMask[r] == 0f) {
                java.util.Arrays.fill(grad, o, o + cols, 0f);
                continue;
            }
            switch (this) {
                case MSE -> {
                    for (int j = 0; j < cols; j++) {
                        double d = (double) logits[o + j] - target[o + j];
                        sum += d * d;
                        grad[o + j] = (float) (2 * d * scale);
                    }
                }
                case BCE_WITH_LOGITS -> {
                    for (int j = 0; j < cols; j++) {
                        double x = logits[o + j], t = target[o + j];
                        sum += Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
                        double p = 1 / (1 + Math.exp(-x));                    // sigmoid(x)
                        grad[o + j] = (float) ((p - t) * scale);
                    }
                }
                case CROSS_ENTROPY -> {
                    float tf = target[r];
                    int cls = (int) tf;
                    if (cls != tf || cls < 0 || cls >= cols) {
                        throw new IllegalArgumentException("target[" + r + "] = " + tf + " is not a class index in [0, " + cols + ")");
                    }
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < cols; j++) max = Math.max(max, logits[o + j]);
                    double z = 0;
                    for (int j = 0; j < cols; j++) z += Math.exp(logits[o + j] - max);
                    double logZ = max + Math.log(z);
                    sum += logZ - logits[o + cls];
                    for (int j = 0; j < cols; j++) {
                        double p = Math.exp(logits[o + j] - logZ);              // softmax
                        grad[o + j] = (float) ((p - (j == cls ? 1 : 0)) * scale);
                    }
                }
            }
        }
        return sum * scale;
    }
}
