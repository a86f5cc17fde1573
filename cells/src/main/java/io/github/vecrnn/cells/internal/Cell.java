package io.github.vecrnn.cells.internal;

import io.github.vecrnn.kernel.Kernels;

/**
 * What makes a recurrent cell an LSTM, a GRU or an Elman RNN: the arithmetic of one time step, forward and
 * backward, on top of what every cell shares ({@link Recurrence} runs the steps; {@link GateProjection}
 * computes W x_t + b and R h_{t-1}). Each implementation holds its equations in its Javadoc and both
 * directions side by side. A cell whose state is more than h_t (the LSTM's c_t) declares it with
 * {@link #carried()}: the recurrence starts, carries (through padding) and returns it as it does h_t.
 */
interface Cell {
    /** The biases that simply add to the input projection W x_t, into bias [G*H]: b_W + b_R, or b_W alone. */
    void projectionBias(float[] bias);

    /** Whether a step adds R h_{t-1}, all of it and nothing else, to W x_t + b: then one product computes both. */
    boolean takesWholeRecurrentProduct();

    /** Whether a step can be computed for a block of the batch's rows and a range of the hidden units. */
    boolean splitsSteps();

    /** The buffer [rows, {@link #keptWidth()}] a step keeps for backward besides its gates, or null (none). */
    default float[] kept() {
        return null;
    }

    /** Width of {@link #kept()}'s rows. */
    default int keptWidth() {
        return 0;
    }

    /** The state the cell carries besides h_t (the LSTM's c_t), or null (none). */
    default CarriedState carried() {
        return null;
    }

    /**
     * Step t for the rows [b0, b1) and the units [h0, h1) (all units, or a range starting at a multiple of
     * the packed strips' width): rows.gates holds the step's input projection (with R h_{t-1} when fused)
     * and receives its gates; writes those rows' and units' h_t (and c_t), with k for the products. Runs
     * beside the same step for other rows or units on other threads: it writes only its own block.
     */
    void forward(int t, int b0, int b1, int h0, int h1, Kernels k, boolean fused, StepRows rows);

    /** Step t back: from dL/dh_t (and dL/dc_t), writes dPre_t and dL/dh_{t-1} (and dL/dc_{t-1}). */
    void backward(int t);

    /** After the loop back: the gradients of the recurrent weights and biases. */
    void recurrentGradients();
}
