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

    /**
     * One update of every module from its gradients, all or nothing: when any new value (a weight or a
     * state element) would be NaN or infinite, nothing is written, the step count stays, and a
     * {@link NonFiniteException} names the first such element (as "module k: tensor[index]").
     */
    public final void step(List<Parameters> params) {
        step(params, null);
    }

    /**
     * As {@link #step(List)}; prefixes (null: none) name the modules in the exception, as the Trainer's
     * "rnn." and "head.". Every update is first computed without writing, to check it is finite, then
     * computed again and written: the check costs one more pass over the values (both passes are plain
     * loops the JIT vectorizes), and a refused step leaves the weights and the state exactly as they were.
     */
    final void step(List<Parameters> params, List<String> prefixes) {
        setUp(params);
        long next = stepCount + 1;
        for (int i = 0; i < params.size(); i++) {
            Parameters p = params.get(i);
            if (!updateIsFinite(i, p.values(), p.gradients(), 0, p.size(), next)) throw notFinite(i, p, next, prefixes);
        }
        for (int i = 0; i < params.size(); i++) {
            Parameters p = params.get(i);
            update(i, p.values(), p.gradients(), next);
        }
        stepCount = next;
    }

    /** The exception for module i, whose update at step is not finite, naming its first element that is not. */
    private NonFiniteException notFinite(int module, Parameters p, long step, List<String> prefixes) {
        int index = 0;
        while (index < p.size() - 1 && updateIsFinite(module, p.values(), p.gradients(), index, index + 1, step)) index++;
        Parameters.Tensor t = p.tensorAt(index);
        String name = (prefixes == null ? "module " + module + ": " : prefixes.get(module)) + t.name() + "[" + (index - t.offset()) + "]";
        return new NonFiniteException(step, name, "step " + step + ": the update of " + name + " (value " + p.values()[index]
                + ", gradient " + p.gradients()[index] + ", learning rate " + learningRate
                + ") would not be finite; no update was made, the weights are those of the last good step");
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

    /** Sets the step count, for resuming from a checkpoint (0 <= steps < Long.MAX_VALUE, checked there). */
    void restoreSteps(long steps) {
        this.stepCount = steps;
    }

    /** Allocates the per-module state (first step only). */
    protected abstract void allocate(List<Parameters> params);

    /**
     * Whether the update of module i's elements [from, to) at step (counting from 1) would leave every new
     * weight and state element finite; writes nothing. It must compute the values {@link #update} writes.
     */
    protected abstract boolean updateIsFinite(int module, float[] values, float[] gradients, int from, int to, long step);

    /** Writes the update of module i at step (counting from 1), which {@link #updateIsFinite} has checked. */
    protected abstract void update(int module, float[] values, float[] gradients, long step);

    /** The names of the state slots (as {@link #state()} will have them), known before {@link #setUp}. */
    protected List<String> stateNames() {
        return List.of();
    }

    /**
     * Whether value can be an element of the named state slot: a checkpoint that holds any other value is
     * refused. By default a value must be finite; Adam's second moment must also be >= 0.
     */
    protected boolean isValidState(String slot, float value) {
        return Float.isFinite(value);
    }

    /** What {@link #isValidState} asks of the slot's values, for messages. */
    protected String stateRequirement(String slot) {
        return "finite";
    }

    /** Whether {@link #setUp} would take this many modules: always before the first call, else the same count. */
    final boolean servesModules(int count) {
        return modules < 0 || modules == count;
    }
}
