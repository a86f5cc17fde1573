package io.github.vecrnn.train;

/**
 * What {@link Trainer#evaluate(Dataset, int, Metric...)} and {@link Trainer#fit} report beside the loss, over
 * the rows that count (padded steps excluded), from the model's logits.
 */
public enum Metric {
    /** Mean squared error of the logits against the targets, over rows x columns. */
    MSE,
    /** Mean absolute error, over rows x columns. */
    MAE,
    /**
     * Share of right answers: the largest logit is the target class ({@link Loss#CROSS_ENTROPY}), or the logit's
     * sign is the target's side of 0.5 ({@link Loss#BCE_WITH_LOGITS}, each column an answer).
     */
    ACCURACY,
    /** exp(mean cross-entropy), a language model's usual score ({@link Loss#CROSS_ENTROPY} only). */
    PERPLEXITY;

    /** Keras's name for the metric, as the progress line and the history print it. */
    public String key() {
        return switch (this) {
            case MSE -> "mse";
            case MAE -> "mae";
            case ACCURACY -> "accuracy";
            case PERPLEXITY -> "perplexity";
        };
    }

    /** Whether it means something for this loss's targets. */
    boolean fits(Loss loss) {
        return switch (this) {
            case MSE, MAE -> loss != Loss.CROSS_ENTROPY;
            case ACCURACY -> loss != Loss.MSE;
            case PERPLEXITY -> loss == Loss.CROSS_ENTROPY;
        };
    }
}
