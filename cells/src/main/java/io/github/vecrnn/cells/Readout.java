package io.github.vecrnn.cells;

/** Which recurrent outputs feed the head. */
public enum Readout {
    /** Every step (many-to-many): one head row per (t, b), padded steps excluded from the loss. */
    PER_STEP,
    /** The last valid step of each sequence, t = length - 1 (many-to-one): one head row per b. */
    LAST_STEP,
    /**
     * The top layer's final hidden state of each direction, concatenated (many-to-one; Keras's
     * {@code Bidirectional(LSTM(...))}): one head row per b of directions x hidden features. The forward
     * direction's is its output at t = length - 1, the reverse direction's its output at t = 0.
     */
    FINAL_STATE
}
