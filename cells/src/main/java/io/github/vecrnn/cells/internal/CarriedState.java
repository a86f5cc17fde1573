package io.github.vecrnn.cells.internal;

/**
 * A state a cell carries from step to step, h_t (and the LSTM's cell state c_t): its value at every
 * slot of {@link StateSlots}, [slots, B, H], and in backward the running gradient dL/d(state) of the
 * step being processed (grad) and of the step before it (gradPrevious), [B, H] each.
 */
final class CarriedState {
    private final StateSlots slots;
    private final int hidden;
    final float[] values;
    float[] grad, gradPrevious;

    CarriedState(StateSlots slots, int maxBatch, int hidden) {
        this.slots = slots;
        this.hidden = hidden;
        this.values = new float[slots.count * maxBatch * hidden];
        this.grad = new float[maxBatch * hidden];
        this.gradPrevious = new float[maxBatch * hidden];
    }

    /** The initial state of a call of batch rows: from [B, H] at (from, offset), or zeros when from is null. */
    void start(float[] from, int offset, int batch) {
        int first = slots.offset(slots.initial());
        if (from == null) java.util.Arrays.fill(values, first, first + batch * hidden, 0f);
        else System.arraycopy(from, offset, values, first, batch * hidden);
    }

    /** Copies the final state, [B, H], to (to, offset). */
    void copyLast(float[] to, int offset, int batch) {
        System.arraycopy(values, slots.offset(slots.last()), to, offset, batch * hidden);
    }

    /** Row b past its length at step t keeps its state: units [h0, h0 + n) from slot previous to slot current. */
    void carry(int b, int previous, int current, int h0, int n) {
        System.arraycopy(values, slots.offset(previous) + b * hidden + h0, values, slots.offset(current) + b * hidden + h0, n);
    }

    /** Before backward: the gradient of the final state, [B, H] at (from, offset), or zeros when from is null. */
    void startBackward(float[] from, int offset, int batch) {
        if (from == null) java.util.Arrays.fill(grad, 0, batch * hidden, 0f);
        else System.arraycopy(from, offset, grad, 0, batch * hidden);
    }

    /** Row b was padding at this step: its gradient passes to the step before unchanged. */
    void passThrough(int b) {
        System.arraycopy(grad, b * hidden, gradPrevious, b * hidden, hidden);
    }

    /** One step back: the gradient of the step before becomes the current one. */
    void stepBack() {
        float[] swap = grad;
        grad = gradPrevious;
        gradPrevious = swap;
    }

    /** After backward: the gradient of the initial state, [B, H], to (to, offset) when to is not null. */
    void finishBackward(float[] to, int offset, int batch) {
        if (to != null) System.arraycopy(grad, 0, to, offset, batch * hidden);
    }
}
