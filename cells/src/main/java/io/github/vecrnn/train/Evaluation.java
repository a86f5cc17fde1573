package io.github.vecrnn.train;

import java.util.Map;

/**
 * A model's loss and metrics over a whole dataset: means over every row that counts (not means of batch
 * means), so they do not depend on the batch size.
 */
public record Evaluation(double loss, Map<Metric, Double> metrics) {
    public Evaluation {
        metrics = Map.copyOf(metrics);
    }

    /** A metric's value; IllegalArgumentException when it was not asked for. */
    public double metric(Metric metric) {
        Double value = metrics.get(metric);
        if (value == null) throw new IllegalArgumentException(metric + " was not evaluated; evaluated: " + metrics.keySet());
        return value;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("loss ").append(String.format("%.5g", loss));
        for (Metric m : Metric.values()) {
            if (metrics.containsKey(m)) s.append(", ").append(m.key()).append(' ').append(String.format("%.5g", metrics.get(m)));
        }
        return s.toString();
    }
}
