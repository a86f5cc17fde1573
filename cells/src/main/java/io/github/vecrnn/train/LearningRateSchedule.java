package io.github.vecrnn.train;

import java.util.function.IntToDoubleFunction;

/**
 * Sets the optimizer's learning rate before each epoch of {@link Trainer#fit} from the epoch's number (1-based),
 * as Keras's {@code LearningRateScheduler}; {@link #stepDecay} is the common schedule.
 */
public final class LearningRateSchedule implements FitListener {
    private final IntToDoubleFunction rate;

    private LearningRateSchedule(IntToDoubleFunction rate) {
        this.rate = rate;
    }

    /** The rate of each epoch from a function of its number; a rate that is not finite and positive stops fit. */
    public static LearningRateSchedule of(IntToDoubleFunction rateOfEpoch) {
        if (rateOfEpoch == null) throw new IllegalArgumentException("rateOfEpoch is null");
        return new LearningRateSchedule(rateOfEpoch);
    }

    /** initial * factor^floor((epoch - 1) / every): the rate multiplied by factor every {@code every} epochs. */
    public static LearningRateSchedule stepDecay(double initial, double factor, int every) {
        if (!(initial > 0) || Double.isInfinite(initial)) throw new IllegalArgumentException("initial must be finite and > 0, got " + initial);
        if (!(factor > 0 && factor <= 1)) throw new IllegalArgumentException("factor must be in (0, 1], got " + factor);
        if (every < 1) throw new IllegalArgumentException("every must be >= 1, got " + every);
        return new LearningRateSchedule(epoch -> initial * Math.pow(factor, (epoch - 1) / every));
    }

    @Override
    public void epochStarted(Trainer trainer, int epoch, int epochs, int steps) {
        double lr = rate.applyAsDouble(epoch);
        if (!(lr > 0) || Double.isInfinite(lr) || (float) lr == 0f) {
            throw new IllegalArgumentException("the schedule gives epoch " + epoch + " the learning rate " + lr + "; it must be finite and > 0");
        }
        trainer.optimizer().setLearningRate((float) lr);
    }
}
