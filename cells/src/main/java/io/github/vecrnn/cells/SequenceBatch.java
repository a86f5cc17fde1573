package io.github.vecrnn.cells;

import java.util.Arrays;

/**
 * A batch of sequences with its shape and layout attached, so that the common mistakes with a flat array
 * become errors: an array of another size than [steps, batch, features] (e.g. [32, 10, 5] passed as 5 steps),
 * time-major data given to a batch-first stack or the other way round, a feature count the stack does not take.
 * Made by {@link #timeMajor} or {@link #batchFirst}, read by {@link Rnn#forward(SequenceBatch, RnnState)},
 * {@link FrozenRnn#forward(SequenceBatch, RnnState)} and {@link SequenceModel#forward(SequenceBatch, RnnState)}.
 *
 * <pre>{@code
 * RnnOutput out = lstm.forward(SequenceBatch.batchFirst(x, 32, 10, 5).withLengths(lengths), null);
 * }</pre>
 *
 * The array is not copied: it is the caller's, read at each call.
 */
public record SequenceBatch(float[] data, int steps, int batch, int features, boolean isBatchFirst, int[] lengths) {

    /** Checks that data holds exactly [steps, batch, features] (or [batch, steps, features]) and the lengths fit. */
    public SequenceBatch {
        if (data == null) throw new IllegalArgumentException("data is null");
        if (steps < 1 || batch < 1 || features < 1) {
            throw new IllegalArgumentException("steps, batch and features must be >= 1, got " + steps + ", " + batch + ", " + features);
        }
        long need = (long) steps * batch * features;
        if (data.length != need) {
            throw new IllegalArgumentException("data has " + data.length + " floats, " + shape(steps, batch, features, isBatchFirst)
                    + " is " + need);
        }
        if (lengths != null) {
            if (lengths.length != batch) throw new IllegalArgumentException("lengths has " + lengths.length + " entries for a batch of " + batch);
            for (int b = 0; b < batch; b++) {
                if (lengths[b] < 1 || lengths[b] > steps) {
                    throw new IllegalArgumentException("lengths[" + b + "] = " + lengths[b] + ", not in [1, " + steps + "]");
                }
            }
            lengths = lengths.clone();
        }
    }

    /** Data laid out [steps, batch, features]: step t of sequence b at (t * batch + b) * features. */
    public static SequenceBatch timeMajor(float[] data, int steps, int batch, int features) {
        return new SequenceBatch(data, steps, batch, features, false, null);
    }

    /** Data laid out [batch, steps, features]: step t of sequence b at (b * steps + t) * features. */
    public static SequenceBatch batchFirst(float[] data, int batch, int steps, int features) {
        return new SequenceBatch(data, steps, batch, features, true, null);
    }

    /** The same batch with each sequence's length (in [1, steps]; the rest of each is padding). */
    public SequenceBatch withLengths(int[] lengths) {
        if (lengths == null) throw new IllegalArgumentException("lengths is null");
        return new SequenceBatch(data, steps, batch, features, isBatchFirst, lengths);
    }

    /** The lengths (a copy), or null when every sequence has all the steps. */
    @Override
    public int[] lengths() {
        return lengths == null ? null : lengths.clone();
    }

    /** The lengths without a copy, for the forward calls (which do not keep or change them). */
    int[] lengthsView() {
        return lengths;
    }

    /** Refuses a batch the stack would misread: another feature count or the other layout. */
    void checkFor(Rnn rnn) {
        checkFor(rnn, rnn.inputSize(), "the stack");
    }

    /** Refuses a batch a model reading {@code takes} features per step into this stack would misread. */
    void checkFor(Rnn rnn, int takes, String reader) {
        if (features != takes) {
            throw new IllegalArgumentException("the batch has " + features + " features per step, " + reader + " takes " + takes);
        }
        if (isBatchFirst != rnn.batchFirst()) {
            throw new IllegalArgumentException("the batch is " + (isBatchFirst ? "batch-first" : "time-major") + " but the stack reads "
                    + (rnn.batchFirst() ? "batch-first input (Rnn.Builder.batchFirst(true)): use SequenceBatch.batchFirst"
                                        : "time-major input: use SequenceBatch.timeMajor"));
        }
    }

    private static String shape(int steps, int batch, int features, boolean batchFirst) {
        return batchFirst ? "[batch " + batch + ", steps " + steps + ", features " + features + "]"
                          : "[steps " + steps + ", batch " + batch + ", features " + features + "]";
    }

    @Override
    public String toString() {
        return "SequenceBatch" + shape(steps, batch, features, isBatchFirst) + (lengths == null ? "" : " lengths " + Arrays.toString(lengths));
    }
}
