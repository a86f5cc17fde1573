package io.github.vecrnn.cells;

/** How a bidirectional layer combines its forward and backward outputs (Keras merge modes). */
public enum Merge {
    /** [forward, backward] on the feature axis, 2H wide: PyTorch's only mode, the default. */
    CONCAT,
    /** forward + backward, H wide. */
    SUM,
    /** forward * backward, H wide. */
    MUL,
    /** (forward + backward) / 2, H wide. */
    AVERAGE
}
