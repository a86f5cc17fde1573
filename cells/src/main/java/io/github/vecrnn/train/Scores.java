package io.github.vecrnn.train;

import java.util.EnumMap;
import java.util.Map;

/** Sums of a loss and metrics over batches, for their means over a whole dataset. One per evaluation. */
final class Scores {
    private final Loss loss;
    private final Metric[] metrics;
    private double lossSum, squares, absolutes;
    private long elements, right;

    Scores(Loss loss, Metric[] metrics) {
        this.loss = loss;
        this.metrics = metrics.clone();
    }

    /** Metrics that this loss's targets can answer; IllegalArgumentException naming the first that cannot. */
    static Metric[] check(Loss loss, Metric[] metrics) {
        for (Metric m : metrics) {
            if (!m.fits(loss)) throw new IllegalArgumentException(m + " does not apply to " + loss + " targets");
        }
        return metrics.clone();
    }

    /** One batch: its logits [rows, cols], targets, row mask and the mean loss Loss.compute returned for them. */
    void add(float[] logits, float[] target, int batchRows, int cols, float[] rowMask, double batchLoss) {
        long counted = 0;
        for (int r = 0; r < batchRows; r++) {
            if (rowMask[r] == 0f) continue;
            counted++;
            int o = r * cols;
            if (loss == Loss.CROSS_ENTROPY) {
                int best = 0;
                for (int j = 1; j < cols; j++) if (logits[o + j] > logits[o + best]) best = j;
                if (best == (int) target[r]) right++;
                continue;
            }
            for (int j = 0; j < cols; j++) {
                double d = (double) logits[o + j] - target[o + j];
                squares += d * d;
                absolutes += Math.abs(d);
                if ((logits[o + j] > 0) == (target[o + j] >= 0.5f)) right++;
            }
        }
        long countedElements = loss == Loss.CROSS_ENTROPY ? counted : counted * cols;
        elements += countedElements;
        lossSum += batchLoss * countedElements;
    }

    Evaluation result() {
        if (elements == 0) throw new IllegalStateException("no rows were scored");
        double meanLoss = lossSum / elements;
        Map<Metric, Double> values = new EnumMap<>(Metric.class);
        for (Metric m : metrics) {
            values.put(m, switch (m) {
                case MSE -> squares / elements;
                case MAE -> absolutes / elements;
                case ACCURACY -> (double) right / elements;
                case PERPLEXITY -> Math.exp(meanLoss);
            });
        }
        return new Evaluation(meanLoss, values);
    }
}
