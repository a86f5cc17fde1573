package io.github.vecrnn.train;

import io.github.vecrnn.cells.Parameters;

import java.util.List;

/**
 * Stops {@link Trainer#fit} when the monitored loss (the validation loss, or the training loss without
 * validation data) has not improved by more than {@code minDelta} for {@code patience} epochs, and by default
 * puts back the weights of the best epoch when fitting ends (Keras's {@code EarlyStopping} with
 * {@code restore_best_weights=True}). The optimizer's state is not rolled back. One instance per fit.
 */
public final class EarlyStopping implements FitListener {
    private final int patience;
    private double minDelta;
    private boolean restoreBest = true;
    private double best = Double.POSITIVE_INFINITY;
    private int bestEpoch, waited;
    private float[][] bestWeights;

    private EarlyStopping(int patience) {
        this.patience = patience;
    }

    /** Stops after this many epochs in a row without improvement. */
    public static EarlyStopping patience(int patience) {
        if (patience < 1) throw new IllegalArgumentException("patience must be >= 1, got " + patience);
        return new EarlyStopping(patience);
    }

    /** An improvement must lower the loss by more than this. */
    public EarlyStopping minDelta(double minDelta) {
        if (!(minDelta >= 0) || Double.isInfinite(minDelta)) throw new IllegalArgumentException("minDelta must be finite and >= 0, got " + minDelta);
        this.minDelta = minDelta;
        return this;
    }

    /** Whether the best epoch's weights are put back when fitting ends (default true). */
    public EarlyStopping restoreBestWeights(boolean restore) {
        this.restoreBest = restore;
        return this;
    }

    /** The epoch with the lowest monitored loss so far (0 before any). */
    public int bestEpoch() {
        return bestEpoch;
    }

    @Override
    public boolean epochEnded(Trainer trainer, Epoch epoch) {
        double monitored = epoch.monitoredLoss();
        if (monitored < best - minDelta) {
            best = monitored;
            bestEpoch = epoch.epoch();
            waited = 0;
            if (restoreBest) copy(trainer.model().parameters(), true);
            return false;
        }
        return ++waited >= patience;
    }

    @Override
    public void fitEnded(Trainer trainer, History history) {
        if (restoreBest && bestWeights != null && bestEpoch != history.last().epoch()) copy(trainer.model().parameters(), false);
    }

    private void copy(List<Parameters> params, boolean save) {
        if (bestWeights == null) {
            bestWeights = new float[params.size()][];
            for (int k = 0; k < params.size(); k++) bestWeights[k] = new float[params.get(k).values().length];
        }
        for (int k = 0; k < params.size(); k++) {
            float[] values = params.get(k).values();
            if (save) System.arraycopy(values, 0, bestWeights[k], 0, values.length);
            else System.arraycopy(bestWeights[k], 0, values, 0, values.length);
        }
    }
}
