package io.github.vecrnn.cells;

/** Which recurrent outputs feed the head. */
public enum Readout {
    /** Every step (many-to-many): one head row per (t, b), padded steps excluded from the loss. */
    PER_STEP,
    /** The last valid step of each sequence, t = length - 1 (many-to-one): one head row per b. */
    LAST_STEP
}
