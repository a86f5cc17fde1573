package io.github.vecrnn.train;

import java.util.ArrayList;
import java.util.List;

/**
 * How {@link Trainer#fit} trains: epochs, batch size, shuffling, validation, truncated BPTT, metrics and
 * listeners. Keras's {@code model.fit} arguments, by the same names:
 *
 * <pre>{@code
 * History history = trainer.fit(train, Fit.epochs(20).batchSize(32).validationSplit(0.2)
 *                                          .listener(EarlyStopping.patience(3)));
 * }</pre>
 *
 * Defaults: batch size 32 (at most the stack's maxBatch), shuffled every epoch with seed 0, no validation, full
 * backpropagation through time, a progress bar when the process writes to a terminal.
 */
public final class Fit {
    final int epochs;
    int batchSize = 32;
    private boolean batchSizeSet;
    boolean shuffle = true;
    long seed;
    Dataset validation;
    double validationSplit;
    int k1, k2;   // truncated BPTT's window (0: full)
    Metric[] metrics = {};
    final List<FitListener> listeners = new ArrayList<>();
    Progress progress = Progress.AUTO;

    /** Whether {@link Trainer#fit} shows a progress bar: on a terminal only (AUTO), always, or never. */
    public enum Progress { AUTO, ON, OFF }

    private Fit(int epochs) {
        this.epochs = epochs;
    }

    /** Passes over the training data. */
    public static Fit epochs(int epochs) {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        return new Fit(epochs);
    }

    /** Sequences per step (the last batch of an epoch may be smaller); at most the stack's maxBatch. */
    public Fit batchSize(int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        this.batchSize = batchSize;
        this.batchSizeSet = true;
        return this;
    }

    /** Whether the batch size was chosen (else the default, capped by the stack's maxBatch). */
    boolean batchSizeSet() {
        return batchSizeSet;
    }

    /** Whether the order of the training sequences changes every epoch (seeded: the same seed, the same orders). */
    public Fit shuffle(boolean shuffle) {
        this.shuffle = shuffle;
        return this;
    }

    /** The shuffling's seed. */
    public Fit seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** Scores the model on this dataset after every epoch (not trained on). */
    public Fit validation(Dataset validation) {
        if (validation == null) throw new IllegalArgumentException("validation is null");
        if (validationSplit > 0) throw new IllegalArgumentException("validationSplit is set already: give a dataset or a split, not both");
        this.validation = validation;
        return this;
    }

    /**
     * Holds out this fraction of the training data for validation: the last sequences, before any shuffling,
     * as Keras does.
     */
    public Fit validationSplit(double fraction) {
        if (!(fraction > 0 && fraction < 1)) throw new IllegalArgumentException("validationSplit must be in (0, 1), got " + fraction);
        if (validation != null) throw new IllegalArgumentException("a validation dataset is set already: give a dataset or a split, not both");
        this.validationSplit = fraction;
        return this;
    }

    /**
     * Truncated backpropagation through time in each batch: an update every k1 steps through the last k2
     * ({@link Trainer#stepTruncated}); per-step targets, sequences of one length, a multiple of k1.
     */
    public Fit truncated(int k1, int k2) {
        if (k1 < 1 || k2 < k1 || k2 % k1 != 0) {
            throw new IllegalArgumentException("need 1 <= k1 <= k2 with k2 a multiple of k1, got k1=" + k1 + ", k2=" + k2);
        }
        this.k1 = k1;
        this.k2 = k2;
        return this;
    }

    /** Metrics scored on the validation data after every epoch (and the loss, always). */
    public Fit metrics(Metric... metrics) {
        for (Metric m : metrics) if (m == null) throw new IllegalArgumentException("metrics contains null");
        this.metrics = metrics.clone();
        return this;
    }

    /** Adds a listener: called at every step and epoch, in the order added. */
    public Fit listener(FitListener listener) {
        if (listener == null) throw new IllegalArgumentException("listener is null");
        listeners.add(listener);
        return this;
    }

    /** The progress bar: {@link Progress#AUTO} (the default) shows it when the process writes to a terminal. */
    public Fit progress(Progress progress) {
        if (progress == null) throw new IllegalArgumentException("progress is null");
        this.progress = progress;
        return this;
    }
}
