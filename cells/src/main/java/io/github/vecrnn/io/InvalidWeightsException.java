package io.github.vecrnn.io;

/** A weight file that is corrupt or does not match the model; the message says why. Nothing was loaded. */
public class InvalidWeightsException extends IllegalArgumentException {
    public InvalidWeightsException(String message) {
        super(message);
    }
}
