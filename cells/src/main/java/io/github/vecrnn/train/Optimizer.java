package io.github.vecrnn.train;

import io.github.vecrnn.cells.Parameters;

import java.util.List;
import java.util.Map;

/**
 * Updates parameters from their gradients. State (momentum, moments) is allocated at the first step,
 * one array per module, and reused; a step allocates nothing afterwards. An optimizer serves one
 * fixed list of modules: calling it with a different list is an error.
 *
 * <p>For checkpoints ({@link Checkpoint}) an optimizer exposes its state arrays by name
 * ({@link #state()}) and its hyperparameters ({@link #settings()}); a subclass with state must
 * override both, or a resumed run will not continue exactly.
 */
public abstract class Optimizer {
    protected float learningRate;
    private long stepCount;
    private int modules = -1;

    protected Optimizer(float learningRate) {
        setLearningRate(learningRate);
    }

    public float learningRate() {
        return learningRate;
    }

    /** Changes the learning rate (for schedules). */
    public void setLearningRate(float lr) {
        if (!(lr > 0f) || !Float.isFinite(lr)) throw new IllegalArgumentException("learning rate must be positive and finite, got " + lr);
        this.learningRate = lr;
    }

    /** Number of steps taken. */
    public long steps() {
        return stepCount;
    }

    /** One update of every module from its gradients. */
    public final void step(List<Parameters> params) {
        setUp(params);
        stepCount++;
        for (int i = 0; i < params.size(); i++) {
            Parameters p = params.get(i);
            update(i, p.values(), p.gradients(), stepCount);
        }
    }

    /**
     * Allocates the state for these modules (zeros) if that has not happened yet; the first
     * {@link #step} does it too. A different number of modules than before is an error.
     */
    public final void setUp(List<Parameters> params) {
        if (modules < 0) {
            modules = params.size();
            allocate(params);
        } else if (params.size() != modules) {
            throw new IllegalArgumentException("this optimizer was set up for " + modules + " modules, got " + params.size());
        }
    }

    /**
     * The state arrays by PyTorch's names (e.g. {@code exp_avg}), each indexed by module and laid out
     * like that module's {@link Parameters#values()}; the live arrays, empty before {@link #setUp}.
     */
    public Map<String, float[][]> state() {
        return Map.of();
    }

    /** The optimizer's kind and hyperparameters (not the learning rate), as exact strings. */
    public Map<String, String> settings() {
        return Map.of("optimizer", getClass().getSimpleName());
    }

    /** Sets the step count, for resuming from a checkpoint. */
    void restoreSteps(long steps) {
        this.stepCount = steps;
    }

    /** Allocates the per-module state (first step only). */
    protected abstract void allocate(List<Parameters> params);

    /** Updates module i; step counts from 1. */
    protected abstract void update(int module, float[] values, float[] gradients, long step);
}
