package io.github.vecrnn.cells.internal;

/**
 * Where one direction of a layer keeps the state of each step, in slots of [B, H], and in which order
 * it visits the steps.
 *
 * <p>A layer that trains keeps T + 1 slots, every state backward will read: the forward direction keeps
 * the initial state h_{-1} in slot 0 and h_t in slot t + 1; the reverse direction keeps the initial state
 * in slot T and h_t in slot t. Either way the states that fed steps 0..T-1 are one contiguous block of
 * T*B rows (from slot 0 forward, slot 1 reverse), so a recurrent weight gradient is one product. A
 * frozen layer keeps two slots that take turns (slot and 1 - slot): inference reads h_{t-1} and writes
 * h_t, nothing older.
 */
final class StateSlots {
    private final boolean reverse, ring;
    private final int hidden;
    final int count;
    private int steps, batch;

    StateSlots(boolean reverse, boolean frozen, int maxSteps, int hidden) {
        this.reverse = reverse;
        this.ring = frozen;
        this.hidden = hidden;
        this.count = frozen ? 2 : maxSteps + 1;
    }

    /** The call's shape; every offset below depends on it. */
    void begin(int steps, int batch) {
        this.steps = steps;
        this.batch = batch;
    }

    /** The time index of the direction's s-th step: s forward, T - 1 - s in reverse. */
    int stepTime(int s) {
        return reverse ? steps - 1 - s : s;
    }

    /** The slot of the state step t reads, h_{t-1}: t forward, t + 1 in reverse. */
    int previous(int t) {
        return reverse ? t + 1 : t;
    }

    /** The slot step t writes, h_t: t + 1 forward, t in reverse. */
    int current(int t) {
        return reverse ? t : t + 1;
    }

    /** The slot of the initial state: 0 forward, T in reverse. */
    int initial() {
        return reverse ? steps : 0;
    }

    /** The slot of the final state: T forward, 0 in reverse. */
    int last() {
        return reverse ? 0 : steps;
    }

    /** Where slot starts in a state array: slot * B * H (slot & 1 in a frozen layer's two slots). */
    int offset(int slot) {
        return (ring ? slot & 1 : slot) * batch * hidden;
    }

    /** Where the T*B states that fed steps 0..T-1 start: slot 0 forward, slot 1 reverse. */
    int fedStates() {
        return reverse ? offset(1) : 0;
    }
}
