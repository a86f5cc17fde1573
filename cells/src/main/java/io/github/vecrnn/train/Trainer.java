package io.github.vecrnn.train;

import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.RnnState;
import io.github.vecrnn.cells.SequenceModel;
import io.github.vecrnn.cells.internal.CallGuard;

import java.util.ArrayList;
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
    private final SequenceModel model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final List<Parameters> params;
    private final List<String> prefixes;   // the modules' names, in params' order
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
        this.prefixes = List.copyOf(model.namedParameters().keySet());
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
        checkGradients(current, params, prefixes);
        if (!Double.isNaN(clipNorm)) lastNorm = Clipping.clipByGlobalNorm(params, clipNorm);
        if (!Float.isNaN(clipValue)) Clipping.clipByValue(params, clipValue);
        optimizer.step(params, prefixes);      // all or nothing: refuses an update that is not finite
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

    // --------------------------------------------------------------------------- whole datasets

    private static final System.Logger LOG = System.getLogger(Trainer.class.getName());

    /**
     * Trains on a whole dataset for {@code fit}'s epochs (Keras's {@code model.fit}): batches in a seeded
     * shuffled order, one {@link #step} each (or truncated BPTT), then the validation scores; listeners see every
     * step and epoch and may stop early. Everything is checked before the first step. After the first epoch's
     * first step, a step allocates nothing. Each epoch is logged (System.Logger, DEBUG).
     */
    public History fit(Dataset data, Fit fit) {
        guard.enter();
        try {
            return runFit(data, fit);
        } finally {
            guard.exit();
        }
    }

    /** The loss and metrics over a whole dataset, in batches of batchSize, dropout off (Keras's {@code evaluate}). */
    public Evaluation evaluate(Dataset data, int batchSize, Metric... metrics) {
        guard.enter();
        try {
            Metric[] checked = Scores.check(loss, metrics);
            checkData("data", data, false);
            Batches batches = new Batches(data, checkBatchSize(batchSize), 0);
            return score(data, batches, checked);
        } finally {
            guard.exit();
        }
    }

    private History runFit(Dataset data, Fit fit) {
        boolean truncated = fit.k1 > 0;
        checkData("data", data, truncated);
        if (truncated) checkTruncated(data, fit);
        int batch = fit.batchSizeSet() ? checkBatchSize(fit.batchSize) : Math.min(fit.batchSize, model.rnn().maxBatch());
        Dataset train = data, validation = fit.validation;
        if (fit.validationSplit > 0) {
            int trainCount = (int) (data.size() * (1 - fit.validationSplit));
            if (trainCount < 1 || trainCount >= data.size()) {
                throw new IllegalArgumentException("validationSplit " + fit.validationSplit + " of " + data.size()
                        + " sequences leaves " + trainCount + " to train on and " + (data.size() - trainCount) + " to validate on; both need one");
            }
            Dataset[] parts = data.split(trainCount);
            train = parts[0];
            validation = parts[1];
        }
        if (validation != null) checkData("validation", validation, false);
        Metric[] metrics = Scores.check(loss, fit.metrics);
        List<FitListener> all = new ArrayList<>(fit.listeners);
        if (fit.progress == Fit.Progress.ON || (fit.progress == Fit.Progress.AUTO && ProgressBar.onTerminal())) {
            all.add(new ProgressBar(System.out));
        }
        FitListener[] listeners = all.toArray(FitListener[]::new);

        Batches batches = new Batches(train, batch, truncated ? train.maxSteps() : 0);
        Batches scoring = validation == null ? null : new Batches(validation, batch, 0);
        Rng shuffler = new Rng(fit.seed);
        List<Epoch> epochs = new ArrayList<>();
        boolean stopped = false;
        for (int epoch = 1; epoch <= fit.epochs && !stopped; epoch++) {
            long start = System.nanoTime();
            if (fit.shuffle) batches.shuffle(shuffler);
            int steps = (train.size() + batch - 1) / batch;
            for (FitListener l : listeners) l.epochStarted(this, epoch, fit.epochs, steps);
            double sum = 0;
            for (int s = 0; s < steps; s++) {
                int from = s * batch, size = Math.min(batch, train.size() - from);
                int stepCount = batches.gather(from, size, model.rnn().batchFirst());
                float value = truncated
                        ? runTruncated(batches.x, batches.y, size, stepCount, fit.k1, fit.k2, null)
                        : update(batches.x, batches.y, size, stepCount, batches.lengthsOrNull(size, stepCount), null, 0);
                sum += (double) value * size;
                for (FitListener l : listeners) l.stepEnded(this, epoch, s + 1, steps, value);
            }
            Evaluation scores = validation == null ? null : score(validation, scoring, metrics);
            Epoch done = new Epoch(epoch, sum / train.size(), scores, optimizer.learningRate(), System.nanoTime() - start);
            epochs.add(done);
            LOG.log(System.Logger.Level.DEBUG, () -> done.toString());
            for (FitListener l : listeners) stopped |= l.epochEnded(this, done);
        }
        History history = new History(epochs, stopped && epochs.size() < fit.epochs);
        for (FitListener l : listeners) l.fitEnded(this, history);
        return history;
    }

    /** Loss and metrics over a dataset with dropout off, the model's training flag put back after. */
    private Evaluation score(Dataset data, Batches batches, Metric[] metrics) {
        Rnn rnn = model.rnn();
        boolean training = rnn.isTraining();
        rnn.training(false);
        try {
            Scores scores = new Scores(loss, metrics);
            int cols = model.head().outFeatures();
            for (int from = 0; from < data.size(); from += batches.batch) {
                int size = Math.min(batches.batch, data.size() - from);
                int steps = batches.gather(from, size, rnn.batchFirst());
                float[] logits = model.forward(batches.x, size, steps, batches.lengthsOrNull(size, steps), null);
                double value = loss.compute(logits, batches.y, model.rows(), cols, model.rowMask(), dLogits);
                scores.add(logits, batches.y, model.rows(), cols, model.rowMask(), value);
            }
            return scores.result();
        } finally {
            rnn.training(training);
        }
    }

    private int checkBatchSize(int batchSize) {
        if (batchSize < 1 || batchSize > model.rnn().maxBatch()) {
            throw new IllegalArgumentException("batchSize must be in [1, " + model.rnn().maxBatch() + "] (the stack's maxBatch), got " + batchSize);
        }
        return batchSize;
    }

    /** A dataset this model can read: its features, targets and readout, steps within maxSteps (unless truncated). */
    private void checkData(String name, Dataset data, boolean truncated) {
        if (data == null) throw new IllegalArgumentException(name + " is null");
        Rnn rnn = model.rnn();
        if (data.features() != model.inputFeatures()) {
            throw new IllegalArgumentException(name + " has " + data.features() + " features per step, the model takes " + model.inputFeatures()
                    + (model.embedding() != null ? " (a token id)" : ""));
        }
        boolean perStep = model.readout() == Readout.PER_STEP;
        if (data.perStepTargets() != perStep) {
            throw new IllegalArgumentException(name + " has " + (data.perStepTargets() ? "per-step" : "per-sequence") + " targets, the model's readout "
                    + model.readout() + " needs " + (perStep ? "per-step (Dataset.perStep)" : "per-sequence (Dataset.perSequence or windows)") + " targets");
        }
        int width = loss == Loss.CROSS_ENTROPY ? 1 : model.head().outFeatures();
        if (data.targetWidth() != width) {
            throw new IllegalArgumentException(name + " has target rows of " + data.targetWidth() + " values, " + loss + " on a head of "
                    + model.head().outFeatures() + " outputs needs " + width + (loss == Loss.CROSS_ENTROPY ? " (the class index)" : ""));
        }
        if (!truncated && data.maxSteps() > rnn.maxSteps()) {
            throw new IllegalArgumentException(name + " has sequences of up to " + data.maxSteps() + " steps, above the stack's maxSteps "
                    + rnn.maxSteps());
        }
    }

    private void checkTruncated(Dataset data, Fit fit) {
        if (model.readout() != Readout.PER_STEP) {
            throw new IllegalArgumentException("truncated BPTT needs per-step targets (Readout.PER_STEP)");
        }
        if (fit.k2 > model.rnn().maxSteps()) {
            throw new IllegalArgumentException("k2 = " + fit.k2 + " is above the stack's maxSteps " + model.rnn().maxSteps());
        }
        if (data.padded() || data.maxSteps() % fit.k1 != 0) {
            throw new IllegalArgumentException("truncated BPTT needs sequences of one length, a multiple of k1 = " + fit.k1
                    + "; data has sequences of up to " + data.maxSteps() + " steps" + (data.padded() ? ", some shorter" : ""));
        }
    }

    /** A dataset's batches: its order and the buffers one batch is copied into, allocated once. */
    private static final class Batches {
        final Dataset data;
        final int batch;
        final int[] order, lengths;
        final float[] x, y;

        /** steps: the longest batch to copy (0: the dataset's longest sequence). */
        Batches(Dataset data, int batch, int steps) {
            this.data = data;
            this.batch = batch;
            int t = Math.max(steps, data.maxSteps());
            order = new int[data.size()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            lengths = new int[batch];
            x = new float[t * batch * data.features()];
            y = new float[(data.perStepTargets() ? t : 1) * batch * data.targetWidth()];
        }

        /** Fisher-Yates over the order, from the given generator. */
        void shuffle(Rng rng) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1), swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }

        int gather(int from, int size, boolean batchFirst) {
            return data.gather(order, from, size, batchFirst, x, lengths, y);
        }

        /** The batch's lengths, or null when every sequence has all steps (the stack's fast path). */
        int[] lengthsOrNull(int size, int steps) {
            for (int b = 0; b < size; b++) if (lengths[b] != steps) return lengths;
            return null;
        }
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
        if (model.readout() != Readout.PER_STEP) {
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
        Rnn rnn = model.rnn();
        int in = model.inputFeatures(), cols = model.head().outFeatures();
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
