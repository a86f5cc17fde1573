package io.github.vecrnn.cells.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Refuses a second thread inside an instance that serves one thread at a time. A call enters (one
 * compare-and-set) and exits (one release store); a thread that finds the instance busy gets an
 * {@link IllegalStateException} naming {@code replica()} instead of sharing its buffers and computing
 * wrong results. Calls from different threads one after the other are fine: the flag's release and
 * acquire also order them.
 */
public final class CallGuard {
    private static final VarHandle BUSY;

    static {
        try {
            BUSY = MethodHandles.lookup().findVarHandle(CallGuard.class, "busy", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String what;
    @SuppressWarnings("unused") // through BUSY
    private boolean busy;

    /** what: the kind of instance, for the message (e.g. "an Rnn or FrozenRnn"). */
    public CallGuard(String what) {
        this.what = what;
    }

    /** Marks the instance busy, or throws when another call is inside it. */
    public void enter() {
        if (!BUSY.compareAndSet(this, false, true)) {
            throw new IllegalStateException(what + " serves one thread at a time, and another call is running on this one"
                    + " (on another thread): give each thread its own replica()");
        }
    }

    /** Marks the instance free again (in a finally block after enter). */
    public void exit() {
        BUSY.setRelease(this, false);
    }
}
