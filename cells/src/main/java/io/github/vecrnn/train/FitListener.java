package io.github.vecrnn.train;

/**
 * Called by {@link Trainer#fit} as it trains (Keras's callbacks): implement the methods you need. Calls come
 * on fit's thread, in the order the listeners were added. {@link EarlyStopping}, {@link ModelCheckpoint} and
 * {@link LearningRateSchedule} are listeners.
 */
public interface FitListener {
    /** Before epoch {@code epoch} (1-based) of {@code epochs}, which has {@code steps} steps. */
    default void epochStarted(Trainer trainer, int epoch, int epochs, int steps) {}

    /** After step {@code step} (1-based) of the epoch's {@code steps}, with its loss (before its update). */
    default void stepEnded(Trainer trainer, int epoch, int step, int steps, float loss) {}

    /** After an epoch and its validation; true stops fitting (no later epoch starts). */
    default boolean epochEnded(Trainer trainer, Epoch epoch) {
        return false;
    }

    /** After the last epoch, or when fitting stopped early. */
    default void fitEnded(Trainer trainer, History history) {}
}
