package io.github.vecrnn.train;

import io.github.vecrnn.cells.Parameters;

import java.util.List;

/**
 * Updates parameters from their gradients. State (momentum, moments) is allocated at the first step,
 * one array per module, and reused; a step allocates nothing afterwards. An optimizer serves one
 * fixed list of modules: calling it with a different list is an error.
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
        if (modules < 0) {
            modules = params.size();
            allocate(params);
        } else if (params.size() != modules) {
            throw new IllegalArgumentException("this optimizer was set up for " + modules + " modules, got " + params.size());
        }
        stepCount++;
        for (int i = 0; i < params.size(); i++) {
            Parameters p = params.get(i);
            update(i, p.values(), p.gradients(), stepCount);
        }
    }

    /** Allocates the per-module state (first step only). */
    protected abstract void allocate(List<Parameters> params);

    /** Updates module i; step counts from 1. */
    protected abstract void update(int module, float[] values, float[] gradients, long step);
}
