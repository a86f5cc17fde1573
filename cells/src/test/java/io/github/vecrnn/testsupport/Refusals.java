package io.github.vecrnn.testsupport;

import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one check of a refusal: the call throws the expected type, with a message holding every fragment. */
public final class Refusals {
    private Refusals() {
    }

    /** The call throws an IllegalArgumentException whose message holds every fragment; returns it. */
    public static IllegalArgumentException fails(Executable call, String... fragments) {
        return fails(IllegalArgumentException.class, call, fragments);
    }

    /** The call throws an exception of the given type whose message holds every fragment; returns it. */
    public static <T extends Throwable> T fails(Class<T> type, Executable call, String... fragments) {
        T e = assertThrows(type, call);
        for (String f : fragments) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
        return e;
    }
}
