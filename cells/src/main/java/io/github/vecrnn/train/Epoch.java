package io.github.vecrnn.train;

/**
 * One epoch of {@link Trainer#fit}: its number (1-based), the mean training loss of its steps (weighted by
 * their sequences), the validation scores (null without validation data), the learning rate it ran at and its
 * duration.
 */
public record Epoch(int epoch, double loss, Evaluation validation, double learningRate, long nanos) {
    /** The validation loss, NaN without validation data. */
    public double validationLoss() {
        return validation == null ? Double.NaN : validation.loss();
    }

    /** What early stopping and best-epoch checkpoints watch: the validation loss, or the training loss without validation data. */
    public double monitoredLoss() {
        return validation == null ? loss : validation.loss();
    }

    /** The scores and the time, without the epoch's number: "loss 0.123, validation loss 0.2 (1.4 s)". */
    String scores() {
        return "loss " + String.format("%.5g", loss) + (validation == null ? "" : ", validation " + validation)
                + String.format(" (%.1f s)", nanos / 1e9);
    }

    @Override
    public String toString() {
        return "epoch " + epoch + ": " + scores();
    }
}
