package io.github.vecrnn.train;

import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.cells.RnnState;
import io.github.vecrnn.cells.SequenceModel;
import io.github.vecrnn.cells.internal.CallGuard;

import java.util.List;

/**
 * One training step = forward, loss, backward through time, finiteness check, clipping, optimizer
 * update. After the first step (which allocates the optimizer state) a step allocates nothing.
 *
 * <pre>{@code
 * Trainer trainer = new Trainer(model, Loss.BCE_WITH_LOGITS, new Adam(1e-3f)).clipByGlobalNorm(1.0);
 * for (...) { float loss = trainer.step(x, y, batch, steps, null); }
 * }</pre>
 *
 * <p>A loss (as the float returned), a gradient or an updated weight or optimizer state that would be
 * NaN or infinite throws {@link NonFiniteException} naming the step and the parameter; the update is not
 * made, so the model and the optimizer keep the values of the last good step.
 */
public final class Trainer {
    private static final List<String> PREFIXES = List.of("rnn.", "head.");
    private final SequenceModel model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final List<Parameters> params;
    private final float[] dLogits;
    private final CallGuard guard = new CallGuard("a Trainer");
    private double clipNorm = Double.NaN;
    private float clipValue = Float.NaN;
    private long step;
    private double lastNorm = Double.NaN;

    public Trainer(SequenceModel model, Loss loss, Optimizer optimizer) {
        if (model == null || loss == null || optimizer == null) {
            throw new IllegalArgumentException("model, loss and optimizer must not be null, got " + model + ", " + loss + ", " + optimizer);
        }
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.params = model.parameters();
        this.dLogits = new float[model.rnn().maxSteps() * model.rnn().maxBatch() * model.head().outFeatures()];
    }

    /** Clip gradients to this global L2 norm before each update. */
    public Trainer clipByGlobalNorm(double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("maxNorm must be > 0, got " + maxNorm);
        this.clipNorm = maxNorm;
        return this;
    }

    /** Clamp gradient elements to [-limit, limit] before each update. */
    public Trainer clipByValue(float limit) {
        if (!(limit > 0f)) throw new IllegalArgumentException("limit must be > 0, got " + limit);
        this.clipValue = limit;
        return this;
    }

    public SequenceModel model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** Steps completed. */
    public long steps() {
        return step;
    }

    /** Sets the step count, for resuming from a checkpoint. */
    void restoreSteps(long steps) {
        this.step = steps;
    }

    /** The global gradient norm of the last step before clipping (NaN before a step or without norm clipping). */
    public double lastGradientNorm() {
        return lastNorm;
    }

    /** One training step from zero initial states; returns the loss before the update. */
    public float step(float[] x, float[] target, int batch, int steps, int[] lengths) {
        return step(x, target, batch, steps, lengths, null);
    }

    /** One training step from the given initial states (null: zeros). */
    public float step(float[] x, float[] target, int batch, int steps, int[] lengths, RnnState initial) {
        guard.enter();
        try {
            return update(x, target, batch, steps, lengths, initial, 0);
        } finally {
            guard.exit();
        }
    }

    /** A step whose loss ignores steps t < ignoreFirst (truncated BPTT's overlap). */
    private float update(float[] x, float[] target, int batch, int steps, int[] lengths, RnnState initial, int ignoreFirst) {
        long current = step + 1;
        for (int i = 0; i < params.size(); i++) params.get(i).zeroGradients();
        float[] logits = model.forward(x, batch, steps, lengths, initial);
        if (ignoreFirst > 0) model.maskStepsBefore(ignoreFirst);
        int rows = model.rows(), cols = model.head().outFeatures();
        double value = loss.compute(logits, target, rows, cols, model.rowMask(), dLogits);
        float returned = (float) value;
        if (!Float.isFinite(returned)) {
            throw new NonFiniteException(current, null, "step " + current + ": the loss is " + value
                    + (Double.isFinite(value) ? ", beyond float's range" : "") + "; no update was made");
        }
        model.backward(dLogits);
        checkGradients(current, params, PREFIXES);
        if (!Double.isNaN(clipNorm)) lastNorm = Clipping.clipByGlobalNorm(params, clipNorm);
        if (!Float.isNaN(clipValue)) Clipping.clipByValue(params, clipValue);
        optimizer.step(params, PREFIXES);      // all or nothing: refuses an update that is not finite
        step = current;
        return returned;
    }

    /** The loss without training (no gradients, no update); dropout is still as the model is set. */
    public float evaluate(float[] x, float[] target, int batch, int steps, int[] lengths) {
        guard.enter();
        try {
            return runEvaluate(x, target, batch, steps, lengths);
        } finally {
            guard.exit();
        }
    }

    private float runEvaluate(float[] x, float[] target, int batch, int steps, int[] lengths) {
        float[] logits = model.forward(x, batch, steps, lengths, null);
        return (float) loss.compute(logits, target, model.rows(), model.head().outFeatures(), model.rowMask(), dLogits);
    }

    /**
     * Throws {@link NonFiniteException} naming the first gradient element that is NaN or infinite,
     * as "prefix + tensor[index]"; prefixes.get(k) names module k.
     */
    public static void checkGradients(long step, List<Parameters> params, List<String> prefixes) {
        if (prefixes.size() != params.size()) {
            throw new IllegalArgumentException("prefixes has " + prefixes.size() + " names for " + params.size() + " modules");
        }
        for (int k = 0; k < params.size(); k++) {
            float[] g = params.get(k).gradients();
            for (int i = 0; i < g.length; i++) {
                if (!Float.isFinite(g[i])) {
                    String name = prefixes.get(k) + nameOf(params.get(k), i);
                    throw new NonFiniteException(step, name, "step " + step + ": the gradient of " + name + " is " + g[i]
                            + "; no update was made");
                }
            }
        }
    }

    // --------------------------------------------------------------------------- truncated BPTT

    private RnnState[] boundaryStates;
    private float[] windowInput, windowTarget;

    /**
     * Truncated backpropagation through time over one long stretch of sequences (per-step targets):
     * every k1 steps, one update that backpropagates through the last k2 steps (Williams and Peng's
     * BPTT(k2, k1); k1 = k2 is the common "split into chunks" form). The loss of an update counts only
     * its k1 new steps; the k2 - k1 older ones are re-run from the saved state so gradients reach back
     * k2 steps. States carry across updates without gradients.
     *
     * @param x         [totalSteps, B, I] (or [B, totalSteps, I] when the stack is batch-first)
     * @param target    per-step targets in the same layout as the logits (one row per step and sequence)
     * @param state     the state at step 0 (null: zeros); if given, it receives the state after the last step
     * @return the mean of the updates' losses
     */
    public float stepTruncated(float[] x, float[] target, int batch, int totalSteps, int k1, int k2, RnnState state) {
        guard.enter();
        try {
            return runTruncated(x, target, batch, totalSteps, k1, k2, state);
        } finally {
            guard.exit();
        }
    }

    private float runTruncated(float[] x, float[] target, int batch, int totalSteps, int k1, int k2, RnnState state) {
        if (model.readout() != io.github.vecrnn.cells.Readout.PER_STEP) {
            throw new IllegalArgumentException("truncated BPTT needs per-step targets (Readout.PER_STEP)");
        }
        if (k1 < 1 || k2 < k1 || k2 % k1 != 0) {
            throw new IllegalArgumentException("need 1 <= k1 <= k2 with k2 a multiple of k1, got k1=" + k1 + ", k2=" + k2);
        }
        if (k2 > model.rnn().maxSteps()) {
            throw new IllegalArgumentException("k2 = " + k2 + " is above the stack's maxSteps " + model.rnn().maxSteps());
        }
        if (totalSteps < k1 || totalSteps % k1 != 0) {
            throw new IllegalArgumentException("totalSteps must be a positive multiple of k1 = " + k1 + ", got " + totalSteps);
        }
        io.github.vecrnn.cells.Rnn rnn = model.rnn();
        int in = rnn.inputSize(), cols = model.head().outFeatures();
        int targetWidth = loss == Loss.CROSS_ENTROPY ? 1 : cols;
        if (x.length < (long) totalSteps * batch * in) {
            throw new IllegalArgumentException("x has " + x.length + " floats, " + totalSteps + " steps x " + batch + " x " + in
                    + " needs " + (long) totalSteps * batch * in);
        }
        if (target.length < (long) totalSteps * batch * targetWidth) {
            throw new IllegalArgumentException("target has " + target.length + " floats, needs " + (long) totalSteps * batch * targetWidth);
        }
        int ring = k2 / k1 + 1;
        if (boundaryStates == null || boundaryStates.length != ring || boundaryStates[0].batch() != batch) {
            boundaryStates = new RnnState[ring];
            for (int i = 0; i < ring; i++) boundaryStates[i] = rnn.newState(batch);
            windowInput = new float[rnn.maxSteps() * rnn.maxBatch() * in];
            windowTarget = new float[rnn.maxSteps() * rnn.maxBatch() * targetWidth];
        }
        RnnState start = boundaryStates[0];
        if (state == null) start.reset();
        else start.copyFrom(state);
        double sum = 0;
        int updates = 0;
        for (int end = k1; end <= totalSteps; end += k1) {
            int begin = Math.max(0, end - k2), window = end - begin;
            copyWindow(x, windowInput, begin, window, batch, totalSteps, in, rnn.batchFirst());
            copyWindow(target, windowTarget, begin, window, batch, totalSteps, targetWidth, rnn.batchFirst());
            RnnState from = boundaryStates[(begin / k1) % ring];
            sum += update(windowInput, windowTarget, batch, window, null, from, window - k1);
            updates++;
            boundaryStates[(end / k1) % ring].carryFrom(model.recurrentOutput());
        }
        if (state != null) state.copyFrom(boundaryStates[(totalSteps / k1) % ring]);
        return (float) (sum / updates);
    }

    private static void copyWindow(float[] src, float[] dst, int begin, int window, int batch, int total, int width,
                                   boolean batchFirst) {
        if (!batchFirst) {
            System.arraycopy(src, begin * batch * width, dst, 0, window * batch * width);
            return;
        }
        for (int b = 0; b < batch; b++) {
            System.arraycopy(src, (b * total + begin) * width, dst, b * window * width, window * width);
        }
    }

    private static String nameOf(Parameters p, int index) {
        Parameters.Tensor t = p.tensorAt(index);
        return t.name() + "[" + (index - t.offset()) + "]";
    }
}
