package io.github.vecrnn.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Saves a {@link Checkpoint} (weights, optimizer state, step count; written atomically) while
 * {@link Trainer#fit} runs: every N steps, or after each epoch that lowers the monitored loss (the
 * validation loss, or the training loss without validation data), as Keras's {@code ModelCheckpoint} with
 * {@code save_best_only}. A failed save stops fitting with an {@link UncheckedIOException}.
 */
public final class ModelCheckpoint implements FitListener {
    private final Path path;
    private final int everySteps;   // 0: at the best epoch
    private double best = Double.POSITIVE_INFINITY;

    private ModelCheckpoint(Path path, int everySteps) {
        this.path = path;
        this.everySteps = everySteps;
    }

    /** Saves to path every {@code steps} training steps (counted over the trainer's life, as its step count). */
    public static ModelCheckpoint everySteps(Path path, int steps) {
        if (path == null) throw new IllegalArgumentException("path is null");
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        return new ModelCheckpoint(path, steps);
    }

    /** Saves to path after each epoch whose monitored loss is the lowest so far. */
    public static ModelCheckpoint best(Path path) {
        if (path == null) throw new IllegalArgumentException("path is null");
        return new ModelCheckpoint(path, 0);
    }

    @Override
    public void stepEnded(Trainer trainer, int epoch, int step, int steps, float loss) {
        if (everySteps > 0 && trainer.steps() % everySteps == 0) save(trainer);
    }

    @Override
    public boolean epochEnded(Trainer trainer, Epoch epoch) {
        double monitored = epoch.monitoredLoss();
        if (everySteps == 0 && monitored < best) {
            best = monitored;
            save(trainer);
        }
        return false;
    }

    private void save(Trainer trainer) {
        try {
            Checkpoint.save(path, trainer);
        } catch (IOException e) {
            throw new UncheckedIOException("saving the checkpoint " + path + " at step " + trainer.steps() + " failed", e);
        }
    }
}
