package io.github.vecrnn.train;

import java.util.List;

/** What {@link Trainer#fit} returns: its epochs in order, to print or plot. */
public record History(List<Epoch> epochs, boolean stoppedEarly) {
    public History {
        epochs = List.copyOf(epochs);
    }

    /** The training loss of each epoch. */
    public double[] loss() {
        return epochs.stream().mapToDouble(Epoch::loss).toArray();
    }

    /** The validation loss of each epoch (NaN without validation data). */
    public double[] validationLoss() {
        return epochs.stream().mapToDouble(Epoch::validationLoss).toArray();
    }

    /** A validation metric of each epoch; IllegalArgumentException when fit did not score it. */
    public double[] validationMetric(Metric metric) {
        return epochs.stream().mapToDouble(e -> {
            if (e.validation() == null) throw new IllegalArgumentException("fit had no validation data");
            return e.validation().metric(metric);
        }).toArray();
    }

    /** The last epoch; IllegalStateException when there is none. */
    public Epoch last() {
        if (epochs.isEmpty()) throw new IllegalStateException("no epoch ran");
        return epochs.get(epochs.size() - 1);
    }
}
