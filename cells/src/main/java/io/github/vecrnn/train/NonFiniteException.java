package io.github.vecrnn.train;

/**
 * Training stopped because a loss or gradient became NaN or infinite. The step that failed was not
 * applied: the weights are those after the last good step.
 */
public class NonFiniteException extends ArithmeticException {
    private final long step;
    private final String parameter;

    public NonFiniteException(long step, String parameter, String message) {
        super(message);
        this.step = step;
        this.parameter = parameter;
    }

    /** The training step (counting from 1) that produced the value. */
    public long step() {
        return step;
    }

    /** The parameter whose gradient was not finite, or null when the loss itself was. */
    public String parameter() {
        return parameter;
    }
}
