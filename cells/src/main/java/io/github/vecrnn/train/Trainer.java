package io.github.vecrnn.train;

import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.cells.RnnState;
import io.github.vecrnn.cells.SequenceModel;

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
 * <p>A loss or gradient that is NaN or infinite throws {@link NonFiniteException} naming the step and
 * the parameter; the update is skipped, so the model keeps the weights of the last good step.
 */
public final class Trainer {
    private static final List<String> PREFIXES = List.of("rnn.", "head.");
    private final SequenceModel model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final List<Parameters> params;
    private final float[] dLogits;
    private double clipNorm = Double.NaN;
    private float clipValue = Float.NaN;
    private long step;
    private double lastNorm = Double.NaN;

    public Trainer(SequenceModel model, Loss loss, Optimizer optimizer) {
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
        long current = step + 1;
        for (int i = 0; i < params.size(); i++) params.get(i).zeroGradients();
        float[] logits = model.forward(x, batch, steps, lengths, initial);
        int rows = model.rows(), cols = model.head().outFeatures();
        double value = loss.compute(logits, target, rows, cols, model.rowMask(), dLogits);
        if (!Double.isFinite(value)) {
            throw new NonFiniteException(current, null, "step " + current + ": the loss is " + value + "; no update was made");
        }
        model.backward(dLogits);
        checkGradients(current);
        if (!Double.isNaN(clipNorm)) lastNorm = Clipping.clipByGlobalNorm(params, clipNorm);
        if (!Float.isNaN(clipValue)) Clipping.clipByValue(params, clipValue);
        optimizer.step(params);
        step = current;
        return (float) value;
    }

    /** The loss without training (no gradients, no update); dropout is still as the model is set. */
    public float evaluate(float[] x, float[] target, int batch, int steps, int[] lengths) {
        float[] logits = model.forward(x, batch, steps, lengths, null);
        return (float) loss.compute(logits, target, model.rows(), model.head().outFeatures(), model.rowMask(), dLogits);
    }

    private void checkGradients(long current) {
        for (int k = 0; k < params.size(); k++) {
            float[] g = params.get(k).gradients();
            for (int i = 0; i < g.length; i++) {
                if (!Float.isFinite(g[i])) {
                    String name = PREFIXES.get(k) + nameOf(params.get(k), i);
                    throw new NonFiniteException(current, name, "step " + current + ": the gradient of " + name + " is " + g[i]
                            + "; no update was made");
                }
            }
        }
    }

    private static String nameOf(Parameters p, int index) {
        for (Parameters.Tensor t : p.tensors()) {
            if (index >= t.offset() && index < t.offset() + t.size()) {
                return t.name() + "[" + (index - t.offset()) + "]";
            }
        }
        return "#" + index;
    }
}
