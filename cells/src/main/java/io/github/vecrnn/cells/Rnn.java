package io.github.vecrnn.cells;

import io.github.vecrnn.cells.internal.CallGuard;
import io.github.vecrnn.cells.internal.Dropout;
import io.github.vecrnn.cells.internal.RecurrentLayer;
import io.github.vecrnn.cells.internal.TimeMajor;
import io.github.vecrnn.kernel.Kernels;

/**
 * A recurrent layer stack with PyTorch's semantics: {@code layers} stacked layers of RNN, LSTM or GRU
 * cells, optionally bidirectional, sequence-first [T, B, I] or batch-first [B, T, I] input, per-sequence
 * lengths, initial states in and final states out, backpropagation through time.
 *
 * <pre>{@code
 * Rnn lstm = Rnn.lstm(13, 37).layers(2).bidirectional(true).maxBatch(32).maxSteps(100).build();
 * RnnOutput out = lstm.forward(x, batch, steps, lengths, null);   // out.output(): [T, B, 2H]
 * lstm.backward(dOutput, null, null);                              // adds into parameters().gradients()
 * }</pre>
 *
 * <p>Every buffer (kept activations, gate scratch, gradients) is sized at build time for
 * {@code maxBatch} and {@code maxSteps}; forward and backward allocate nothing. Parameter names and
 * layouts are PyTorch's ({@code weight_ih_l0}, {@code weight_hh_l0_reverse}, ...), plus
 * {@code weight_peephole_l{k}} = [p_i, p_f, p_o] (3H) when peepholes are on.
 *
 * <p>Threads: an instance holds one set of activations and buffers, so it serves one thread at a
 * time; a call that finds another thread's call running on the same instance throws
 * {@link IllegalStateException}. For concurrent inference give each thread a {@link #replica()}: replicas
 * read the same weight array and have their own buffers, so N threads compute exactly what one thread would.
 */
public final class Rnn {
    private final Builder builder;   // a copy of the settings it was built with, never changed
    private final Kernels kernels;
    private final int directions, features, hidden;
    private final Parameters params;
    private final RecurrentLayer[] layerDirections; // [layer * directions + direction]
    private final float[][] layerInputGradient; // dL/d(input of layer l), [T*B, I_l]
    private final float[][] raw;     // per layer [T*B, D*H]: the directions' outputs side by side
    private final float[][] merged;  // per layer [T*B, H] when directions are merged by sum/mul/average
    private final float[][] dropoutMask; // per layer below the top, [T*B, F] (0 or 1/(1-p)), when dropout > 0
    private final float[] timeMajorInput, userOutput, timeMajorGradient, dRaw, userInputGradient;
    private final float[] finalHidden, finalCell, dInitialHidden, dInitialCell;
    private final int[] lengthsCopy;
    private final RnnOutput result = new RnnOutput();
    private final CallGuard guard = new CallGuard("an Rnn or FrozenRnn");
    private final Rng dropoutRng;
    private boolean training = true;
    private boolean inference;      // inference mode: forward keeps nothing for backward
    private boolean forwardKept;    // whether the last forward call kept what backward reads
    private boolean dropoutApplied; // whether the last forward call drew masks: backward must match it
    private boolean forwardDone;
    private boolean lengthsGiven;
    private float[] lastInput; // layer 0's time-major input of the last forward call, read by backward
    private WarmUp warmUp;     // the warm-up started with this stack's configuration, until its first call

    public static Builder lstm(int inputSize, int hiddenSize) {
        return new Builder(CellKind.LSTM, inputSize, hiddenSize);
    }

    public static Builder gru(int inputSize, int hiddenSize) {
        return new Builder(CellKind.GRU, inputSize, hiddenSize);
    }

    /** The Elman RNN with tanh; {@code .kind(CellKind.RNN_RELU)} for ReLU. */
    public static Builder rnn(int inputSize, int hiddenSize) {
        return new Builder(CellKind.RNN_TANH, inputSize, hiddenSize);
    }

    public static Builder builder(CellKind kind, int inputSize, int hiddenSize) {
        return new Builder(kind, inputSize, hiddenSize);
    }

    /**
     * frozen: a FrozenRnn's stack, over shared (valuesOnly) as it is: its layers and buffers are for inference
     * only (no gradients, nothing kept for backward, weights packed once; see RecurrentLayer).
     */
    private Rnn(Builder b, Parameters shared, boolean frozen) {
        this.builder = b.copy();
        this.kernels = b.kernels;
        this.hidden = b.hiddenSize;
        this.directions = b.bidirectional ? 2 : 1;
        this.features = directions == 2 && b.merge == Merge.CONCAT ? 2 * hidden : hidden;
        int maxRows = Math.multiplyExact(b.maxSteps, b.maxBatch);
        int gates = b.kind.gates();

        Parameters.Builder pb = new Parameters.Builder();
        for (int l = 0; l < b.layers; l++) {
            int in = layerInputSize(l);
            for (int d = 0; d < directions; d++) {
                String s = suffix(l, d);
                pb.add("weight_ih_" + s, gates * hidden, in);
                pb.add("weight_hh_" + s, gates * hidden, hidden);
                if (b.bias) {
                    pb.add("bias_ih_" + s, gates * hidden);
                    pb.add("bias_hh_" + s, gates * hidden);
                } else {   // read by the cells as every stack's are, always zero
                    pb.addConstant("bias_ih_" + s, gates * hidden);
                    pb.addConstant("bias_hh_" + s, gates * hidden);
                }
                if (b.peepholes) pb.add("weight_peephole_" + s, 3 * hidden);
                if (b.layerNorm) {
                    pb.add("layer_norm_ih_weight_" + s, gates * hidden);
                    pb.add("layer_norm_hh_weight_" + s, gates * hidden);
                    if (b.kind == CellKind.LSTM) {
                        pb.add("layer_norm_cell_weight_" + s, hidden);
                        pb.add("layer_norm_cell_bias_" + s, hidden);
                    }
                }
            }
        }
        if (shared == null) {
            this.params = pb.build();
            Initializers.pytorchDefault(params, hidden, new Rng(b.seed));
            Initializers.layerNormDefaults(params);
        } else {
            this.params = frozen ? shared : shared.withValues(shared.values());
        }

        float[] ones = new float[maxRows];
        java.util.Arrays.fill(ones, 1f);
        this.layerDirections = new RecurrentLayer[b.layers * directions];
        RecurrentLayer.Options options = new RecurrentLayer.Options(b.kind, b.peepholes, b.inputForget, b.linearBeforeReset, b.layerNorm);
        this.layerInputGradient = new float[b.layers][];
        this.raw = new float[b.layers][];
        this.merged = new float[b.layers][];
        this.dropoutMask = new float[b.layers][];
        for (int l = 0; l < b.layers; l++) {
            int in = layerInputSize(l);
            for (int d = 0; d < directions; d++) {
                String s = suffix(l, d);
                layerDirections[l * directions + d] = new RecurrentLayer(kernels, params, s, options, in, hidden, d == 1,
                                                                         b.maxSteps, b.maxBatch, ones, frozen);
            }
            layerInputGradient[l] = new float[frozen ? 0 : Math.multiplyExact(maxRows, in)];
            raw[l] = new float[Math.multiplyExact(maxRows, directions * hidden)];
            if (directions == 2 && b.merge != Merge.CONCAT) merged[l] = new float[maxRows * hidden];
            if (b.dropout > 0 && l < b.layers - 1 && !frozen) dropoutMask[l] = new float[maxRows * features];
        }
        this.timeMajorInput = b.batchFirst ? new float[Math.multiplyExact(maxRows, b.inputSize)] : null;
        this.userOutput = b.batchFirst ? new float[maxRows * features] : null;
        this.timeMajorGradient = b.batchFirst && !frozen ? new float[maxRows * features] : null;
        this.userInputGradient = b.batchFirst && !frozen ? new float[maxRows * b.inputSize] : null;
        this.dRaw = new float[frozen ? 0 : maxRows * directions * hidden];
        int stateSize = b.layers * directions * b.maxBatch * hidden;
        this.finalHidden = new float[stateSize];
        this.dInitialHidden = new float[stateSize];
        this.finalCell = b.kind.hasCellState() ? new float[stateSize] : null;
        this.dInitialCell = b.kind.hasCellState() ? new float[stateSize] : null;
        this.lengthsCopy = new int[b.maxBatch];
        this.dropoutRng = new Rng(b.seed ^ 0x5DEECE66DL);
    }

    private int layerInputSize(int l) {
        return l == 0 ? builder.inputSize : features;
    }

    private static String suffix(int layer, int direction) {
        return "l" + layer + (direction == 1 ? "_reverse" : "");
    }

    /**
     * A stack with the same configuration that shares this one's weight values (the same array, not a
     * copy: loading weights or a training update is seen by both) and has its own activations, buffers,
     * gradients and dropout generator (seeded as this one was at build time), in the same training and
     * inference modes.
     * One replica per thread makes concurrent inference safe; changing the weights while a replica runs
     * is a data race.
     */
    public Rnn replica() {
        Rnn r = new Rnn(builder, params, false);
        r.training = training;
        r.inference = inference;
        r.warmUp = warmUp;
        return r;
    }

    /**
     * An inference-only copy of this stack with its weights as they are now (as an ONNX Runtime session
     * made from an exported model): later changes to this stack's weights, by training or loading, do not
     * reach it; freeze again to pick them up. It runs in evaluation and inference mode, and the same bits
     * as this stack does there.
     *
     * <p>Why: a stack packs its weights for the GEMMs once and, at every forward call, compares them with
     * the copies it packed from, so that a weight changed in {@link Parameters#values()} is never missed.
     * That comparison reads every weight, and pushes the packed weights out of the core's cache; a frozen
     * stack owns weights nobody else can write and skips it.
     */
    public FrozenRnn freeze() {
        return new FrozenRnn(frozen(params.values().clone()));
    }

    /**
     * A stack with this configuration over the given values, in evaluation and inference mode, whose
     * layers pack the weights once and never check them again: the caller guarantees nobody writes the
     * values (FrozenRnn keeps them private).
     */
    Rnn frozen(float[] values) {
        Rnn r = new Rnn(builder, params.valuesOnly(values), true);
        r.training = false;
        r.inference = true;
        r.warmUp = warmUp;
        return r;
    }

    // ------------------------------------------------------------------------------ accessors

    public Parameters parameters() {
        return params;
    }

    public CellKind kind() {
        return builder.kind;
    }

    public int inputSize() {
        return builder.inputSize;
    }

    public int hiddenSize() {
        return hidden;
    }

    public int layers() {
        return builder.layers;
    }

    public int directions() {
        return directions;
    }

    /** Width of each output step: 2H for a bidirectional concat, else H. */
    public int outputSize() {
        return features;
    }

    public boolean batchFirst() {
        return builder.batchFirst;
    }

    public int maxBatch() {
        return builder.maxBatch;
    }

    public int maxSteps() {
        return builder.maxSteps;
    }

    public boolean linearBeforeReset() {
        return builder.linearBeforeReset;
    }

    public boolean peepholes() {
        return builder.peepholes;
    }

    public boolean inputForget() {
        return builder.inputForget;
    }

    /** Whether the LSTM/GRU layers normalize their projections (and the LSTM its cell state). */
    /** Whether the layers have biases (PyTorch's {@code bias=True}, the default). */
    public boolean bias() {
        return builder.bias;
    }

    public boolean layerNorm() {
        return builder.layerNorm;
    }

    public Merge merge() {
        return builder.merge;
    }

    public float dropout() {
        return builder.dropout;
    }

    /** Training mode applies dropout between layers (when configured); evaluation mode does not. */
    public Rnn training(boolean on) {
        this.training = on;
        return this;
    }

    public boolean isTraining() {
        return training;
    }

    /**
     * Inference mode (as PyTorch's {@code torch.inference_mode()}): forward keeps nothing for backward.
     * Each step computes its gates in the same few rows, which stay in cache, instead of keeping every
     * step's activations. The outputs and final
     * states are the same bits as outside it; backward after a forward call in this mode throws
     * {@link IllegalStateException}. Independent of {@link #training(boolean)}, which decides dropout.
     */
    public Rnn inferenceMode(boolean on) {
        this.inference = on;
        return this;
    }

    public boolean isInferenceMode() {
        return inference;
    }

    /** The generator of dropout masks, for checkpoints. */
    public Rng dropoutRng() {
        return dropoutRng;
    }

    /** A zero state for this layer stack and batch size. */
    public RnnState newState(int batch) {
        checkBatch(batch);
        return new RnnState(builder.layers * directions, batch, hidden, builder.kind.hasCellState());
    }

    // -------------------------------------------------------------------------------- forward

    /**
     * Runs the stack. {@code input} is [T, B, I] ([B, T, I] when batch-first); {@code lengths} (null:
     * all T) gives each sequence's length in [1, T]; {@code initial} (null: zeros) the initial states.
     * The result is reused by the next call.
     */
    public RnnOutput forward(float[] input, int batch, int steps, int[] lengths, RnnState initial) {
        guard.enter();
        try {
            return runForward(input, batch, steps, lengths, initial);
        } finally {
            guard.exit();
        }
    }

    /**
     * Runs the stack on a shaped batch: as {@link #forward(float[], int, int, int[], RnnState)}, after checking
     * that its feature count and layout are the stack's.
     */
    public RnnOutput forward(SequenceBatch x, RnnState initial) {
        x.checkFor(this);
        return forward(x.data(), x.batch(), x.steps(), x.lengthsView(), initial);
    }

    // input [T, B, I] (or [B, T, I]), h_0 (c_0) [L*D, B, H] -> output [T, B, F] (or [B, T, F]), h_n (c_n) [L*D, B, H]
    private RnnOutput runForward(float[] input, int batch, int steps, int[] lengths, RnnState initial) {
        checkForward(input, batch, steps, lengths, initial);
        if (warmUp != null) {   // the first call: compiled code is on its way, faster than interpreting this call
            warmUp.await();
            warmUp = null;
        }
        begin(batch, steps, lengths);
        float[] x = builder.batchFirst ? timeMajor(input, timeMajorInput, steps, batch, builder.inputSize) : input;
        lastInput = x;
        for (int l = 0; l < builder.layers; l++) x = layerForward(l, x, steps, batch, initial);
        float[] output = builder.batchFirst ? batchFirst(x, userOutput, steps, batch, features) : x;
        result.set(output, finalHidden, finalCell, steps, batch, features, builder.layers * directions, hidden, builder.batchFirst);
        forwardDone = true;
        forwardKept = !inference;
        return result;
    }

    /** Everything forward checks before it changes anything: shapes, lengths, finite values, the initial states. */
    private void checkForward(float[] input, int batch, int steps, int[] lengths, RnnState initial) {
        checkBatch(batch);
        if (steps < 1 || steps > builder.maxSteps) {
            throw new IllegalArgumentException("steps must be in [1, " + builder.maxSteps + "] (maxSteps), got " + steps);
        }
        int in = builder.inputSize;
        long need = (long) steps * batch * in;
        if (input == null) throw new IllegalArgumentException("input is null");
        if (input.length < need) {
            throw new IllegalArgumentException("input has " + input.length + " floats, shape " + shapeString(steps, batch, in)
                    + " needs " + need);
        }
        if (builder.checkFinite) {
            for (int i = 0; i < need; i++) {
                if (!Float.isFinite(input[i])) {
                    throw new IllegalArgumentException("input[" + i + "] is " + input[i] + " (at " + position(i, steps, batch, in)
                            + "); inputs must be finite");
                }
            }
        }
        if (lengths != null) {
            if (lengths.length < batch) {
                throw new IllegalArgumentException("lengths has " + lengths.length + " entries, batch is " + batch);
            }
            for (int b = 0; b < batch; b++) {
                if (lengths[b] < 1 || lengths[b] > steps) {
                    throw new IllegalArgumentException("lengths[" + b + "] = " + lengths[b] + " is outside [1, " + steps + "] (T)");
                }
            }
        }
        if (initial != null) {
            int slices = builder.layers * directions;
            if (initial.slices() != slices || initial.batch() < batch || initial.hiddenSize() != hidden) {
                throw new IllegalArgumentException("initial state has shape " + initial.shapeString() + ", expected ["
                        + slices + ", " + batch + " or more, " + hidden + "] (a state serves any batch up to its own)");
            }
            if (builder.kind.hasCellState() != (initial.cell() != null)) {
                throw new IllegalArgumentException(initial.cell() == null
                        ? "initial state lacks a cell state; " + builder.kind + " needs one (c_0)"
                        : "initial state has a cell state; " + builder.kind + " has none (only LSTM states have c_0)");
            }
            if (builder.checkFinite) {
                checkFiniteState("h_0", initial.hidden(), slices, batch, initial.batch());
                if (initial.cell() != null) checkFiniteState("c_0", initial.cell(), slices, batch, initial.batch());
            }
        }
    }

    /**
     * The call's shape, once checked: from here it changes this stack's buffers (and until it ends, what a
     * backward call would read is not the last call's).
     */
    private void begin(int batch, int steps, int[] lengths) {
        forwardDone = false;
        lengthsGiven = lengths != null;
        if (lengths != null) System.arraycopy(lengths, 0, lengthsCopy, 0, batch);
        dropoutApplied = training && builder.dropout > 0;
    }

    // x [T*B, I_l] -> layer l's output [T*B, F]: both directions, merged, dropout between layers in training
    private float[] layerForward(int l, float[] x, int steps, int batch, RnnState initial) {
        int bh = batch * hidden, rows = steps * batch;
        int stateSlice = initial == null ? 0 : initial.batch() * hidden;   // a state may hold more rows than the call reads
        int[] lens = lengthsGiven ? lengthsCopy : null;
        for (int d = 0; d < directions; d++) {
            int slice = l * directions + d;
            RecurrentLayer direction = layerDirections[slice];
            direction.forward(x, 0, steps, batch, lens,
                              initial == null ? null : initial.hidden(), slice * stateSlice,
                              initial == null ? null : initial.cell(), slice * stateSlice,
                              raw[l], d * hidden, directions * hidden, !inference);
            direction.copyFinalHidden(finalHidden, slice * bh);
            if (finalCell != null) direction.copyFinalCell(finalCell, slice * bh);
        }
        float[] out = builder.merge.forward(raw[l], merged[l], rows, hidden);
        if (dropoutMask[l] != null && dropoutApplied) Dropout.forward(out, dropoutMask[l], rows * features, builder.dropout, dropoutRng);
        return out;
    }

    private float[] layerOutput(int l) {
        return merged[l] != null ? merged[l] : raw[l];
    }

    /** Refuses a NaN or infinity in the rows a call reads of an initial state [slices, stateBatch, H], naming where it is. */
    private void checkFiniteState(String name, float[] state, int slices, int batch, int stateBatch) {
        for (int slice = 0; slice < slices; slice++) {
            for (int i = slice * stateBatch * hidden, end = i + batch * hidden; i < end; i++) {
                if (!Float.isFinite(state[i])) {
                    int b = i / hidden % stateBatch;
                    throw new IllegalArgumentException("initial state " + name + "[" + slice + ", " + b + ", " + i % hidden + "] is "
                            + state[i] + " (layer " + slice / directions + (directions == 2 ? (slice % 2 == 0 ? " forward" : " reverse") : "")
                            + ", b=" + b + "); states must be finite");
                }
            }
        }
    }

    // ------------------------------------------------------------------------------- backward

    /**
     * Backpropagation through time for the last forward call. {@code dOutput} is dL/d(output) in the
     * output's layout (null: none); {@code dFinalHidden} / {@code dFinalCell} dL/dh_n and dL/dc_n
     * (null: zero). Parameter gradients are ADDED to {@link Parameters#gradients()} (zero them between
     * steps). Backward reads the input array given to forward: do not change it in between.
     * Afterwards {@link #inputGradient()} and {@link #initialHiddenGradient()} hold dL/dx and
     * dL/dh_0.
     */
    public void backward(float[] dOutput, float[] dFinalHidden, float[] dFinalCell) {
        backward(dOutput, dFinalHidden, dFinalCell, true);
    }

    /**
     * As {@link #backward(float[], float[], float[])}; with {@code inputGradient} false the GEMM for
     * dL/dx of the first layer is skipped (training does not need it) and {@link #inputGradient()}
     * is not updated.
     */
    public void backward(float[] dOutput, float[] dFinalHidden, float[] dFinalCell, boolean inputGradient) {
        guard.enter();
        try {
            runBackward(dOutput, dFinalHidden, dFinalCell, inputGradient);
        } finally {
            guard.exit();
        }
    }

    // dL/d(output), dL/dh_n (dL/dc_n) -> parameter gradients (added), dL/dx, dL/dh_0 (dL/dc_0)
    private void runBackward(float[] dOutput, float[] dFinalHidden, float[] dFinalCell, boolean inputGradient) {
        checkBackward(dOutput, dFinalHidden, dFinalCell);
        int steps = result.steps, batch = result.batch;
        float[] dTop = dOutput != null && builder.batchFirst ? timeMajor(dOutput, timeMajorGradient, steps, batch, features) : dOutput;
        float[] dLayerOut = dTop;       // dL/d(output of layer l), [T*B, F] or null
        for (int l = builder.layers - 1; l >= 0; l--) {
            dLayerOut = layerBackward(l, dLayerOut, dFinalHidden, dFinalCell, l > 0 || inputGradient);
        }
        if (builder.batchFirst && inputGradient) batchFirst(layerInputGradient[0], userInputGradient, steps, batch, builder.inputSize);
        params.zeroConstantGradients();   // bias(false): the zero biases stay zero
    }

    /** Refuses gradients shorter than the last forward call's shapes, or a backward with nothing kept to read. */
    private void checkBackward(float[] dOutput, float[] dFinalHidden, float[] dFinalCell) {
        if (!forwardDone) throw new IllegalStateException("backward needs a forward call first");
        if (!forwardKept) {
            throw new IllegalStateException("the last forward call ran in inference mode, which keeps nothing for backward;"
                    + " call inferenceMode(false) and run forward again");
        }
        int steps = result.steps, batch = result.batch, rows = steps * batch;
        int bh = batch * hidden, slices = builder.layers * directions;
        // Messages are built only on failure, so a valid call allocates nothing.
        if (dOutput != null && dOutput.length < (long) rows * features) {
            throw tooShort("dOutput", dOutput, (long) rows * features, shapeString(steps, batch, features));
        }
        if (dFinalHidden != null && dFinalHidden.length < (long) slices * bh) {
            throw tooShort("dFinalHidden", dFinalHidden, (long) slices * bh, "[" + slices + ", " + batch + ", " + hidden + "]");
        }
        if (dFinalCell != null && !builder.kind.hasCellState()) {
            throw new IllegalArgumentException("dFinalCell given but " + builder.kind + " has no cell state");
        }
        if (dFinalCell != null && dFinalCell.length < (long) slices * bh) {
            throw tooShort("dFinalCell", dFinalCell, (long) slices * bh, "[" + slices + ", " + batch + ", " + hidden + "]");
        }
    }

    // dL/d(output of layer l) [T*B, F] (or null) -> dL/d(input of layer l) [T*B, I_l] (or null without inputGradient)
    private float[] layerBackward(int l, float[] dOut, float[] dFinalHidden, float[] dFinalCell, boolean inputGradient) {
        int rows = result.steps * result.batch, bh = result.batch * hidden;
        // the mask multiplies in place: below the top, dOut is this stack's own buffer
        if (dOut != null && dropoutMask[l] != null && dropoutApplied) Dropout.backward(dOut, dropoutMask[l], rows * features);
        float[] dRaw = dOut;
        if (dOut != null && merged[l] != null) {
            builder.merge.backward(dOut, raw[l], this.dRaw, rows, hidden);
            dRaw = this.dRaw;
        }
        float[] x = l == 0 ? lastInput : layerOutput(l - 1);
        for (int d = 0; d < directions; d++) {
            int slice = l * directions + d;
            layerDirections[slice].backward(dRaw, d * hidden, directions * hidden,
                                            dFinalHidden, slice * bh, dFinalCell, slice * bh,
                                            x, 0, inputGradient ? layerInputGradient[l] : null, 0, d > 0,
                                            dInitialHidden, slice * bh, dInitialCell, slice * bh);
        }
        return layerInputGradient[l];
    }

    /** dL/dx of the last backward call, in the input's layout ([T, B, I] or [B, T, I]); valid T*B*I elements. */
    public float[] inputGradient() {
        return builder.batchFirst ? userInputGradient : layerInputGradient[0];
    }

    /** dL/dh_0 of the last backward call, [layers * directions, B, H]. */
    public float[] initialHiddenGradient() {
        return dInitialHidden;
    }

    /** dL/dc_0 of the last backward call (LSTM), else null. */
    public float[] initialCellGradient() {
        return dInitialCell;
    }

    // -------------------------------------------------------------------------------- helpers

    private void checkBatch(int batch) {
        if (batch < 1 || batch > builder.maxBatch) {
            throw new IllegalArgumentException("batch must be in [1, " + builder.maxBatch + "] (maxBatch), got " + batch);
        }
    }

    private static IllegalArgumentException tooShort(String name, float[] a, long need, String shape) {
        return new IllegalArgumentException(name + " has " + a.length + " floats, shape " + shape + " needs " + need);
    }

    private String shapeString(int steps, int batch, int width) {
        return builder.batchFirst ? "[" + batch + ", " + steps + ", " + width + "] (B, T, F)"
                                 : "[" + steps + ", " + batch + ", " + width + "] (T, B, F)";
    }

    private String position(int i, int steps, int batch, int width) {
        int row = i / width, f = i % width;
        int t = builder.batchFirst ? row % steps : row / batch;
        int b = builder.batchFirst ? row / steps : row % batch;
        return "t=" + t + ", b=" + b + ", feature " + f;
    }

    /** src [B, T, width] -> dst [T, B, width]; returns dst. */
    private static float[] timeMajor(float[] src, float[] dst, int steps, int batch, int width) {
        TimeMajor.fromBatchFirst(src, dst, steps, batch, width);
        return dst;
    }

    /** src [T, B, width] -> dst [B, T, width]; returns dst. */
    private static float[] batchFirst(float[] src, float[] dst, int steps, int batch, int width) {
        TimeMajor.toBatchFirst(src, dst, steps, batch, width);
        return dst;
    }

    @Override
    public String toString() {
        return "Rnn[" + builder.kind + ", input " + builder.inputSize + ", hidden " + hidden + ", layers " + builder.layers
               + (directions == 2 ? ", bidirectional " + builder.merge : "")
               + (builder.kind == CellKind.GRU ? ", linearBeforeReset " + builder.linearBeforeReset : "")
               + (builder.peepholes ? ", peepholes" : "") + (builder.inputForget ? ", inputForget" : "")
               + (builder.layerNorm ? ", layerNorm" : "")
               + ", " + params.size() + " parameters]";
    }

    // -------------------------------------------------------------------------------- builder

    /** The configuration. Defaults: 1 layer, unidirectional, sequence-first, maxBatch 1, maxSteps 1. */
    public static final class Builder {
        final CellKind kind;
        final int inputSize, hiddenSize;
        int layers = 1, maxBatch = 1, maxSteps = 1;
        boolean bidirectional, batchFirst, peepholes, inputForget, layerNorm;
        boolean bias = true;
        boolean linearBeforeReset = true, checkFinite = true;
        Merge merge = Merge.CONCAT;
        float dropout;
        long seed = 42;
        Kernels kernels = Kernels.preferred();
        boolean warmUpModel;   // the tiny stack a WarmUp runs, which starts no warm-up of its own

        private Builder(CellKind kind, int inputSize, int hiddenSize) {
            if (kind == null) throw new IllegalArgumentException("kind is null");
            if (inputSize < 1) throw new IllegalArgumentException("inputSize must be >= 1, got " + inputSize);
            if (hiddenSize < 1) throw new IllegalArgumentException("hiddenSize must be >= 1, got " + hiddenSize);
            this.kind = kind;
            this.inputSize = inputSize;
            this.hiddenSize = hiddenSize;
        }

        private Builder copy() {
            Builder b = new Builder(kind, inputSize, hiddenSize);
            b.layers = layers; b.maxBatch = maxBatch; b.maxSteps = maxSteps; b.bidirectional = bidirectional;
            b.batchFirst = batchFirst; b.peepholes = peepholes; b.inputForget = inputForget; b.layerNorm = layerNorm;
            b.linearBeforeReset = linearBeforeReset; b.checkFinite = checkFinite; b.merge = merge; b.bias = bias;
            b.dropout = dropout; b.seed = seed; b.kernels = kernels; b.warmUpModel = warmUpModel;
            return b;
        }

        public Builder layers(int layers) {
            if (layers < 1) throw new IllegalArgumentException("layers must be >= 1, got " + layers);
            this.layers = layers;
            return this;
        }

        public Builder bidirectional(boolean on) {
            this.bidirectional = on;
            return this;
        }

        /** How the two directions combine (bidirectional only); CONCAT by default, as PyTorch. */
        public Builder merge(Merge merge) {
            if (merge == null) throw new IllegalArgumentException("merge is null");
            this.merge = merge;
            return this;
        }

        /** Input and output as [B, T, F] instead of [T, B, F]. States stay [layers*dirs, B, H] (PyTorch). */
        public Builder batchFirst(boolean on) {
            this.batchFirst = on;
            return this;
        }

        /** GRU only: true = "reset after" (PyTorch, cuDNN, Keras; default), false = "reset before" (Cho 2014, ONNX default). */
        public Builder linearBeforeReset(boolean on) {
            this.linearBeforeReset = on;
            return this;
        }

        /** LSTM only: peephole connections (ONNX P). */
        public Builder peepholes(boolean on) {
            this.peepholes = on;
            return this;
        }

        /** LSTM only: couple the forget gate to the input gate, f = 1 - i (ONNX input_forget, CIFG). */
        public Builder inputForget(boolean on) {
            this.inputForget = on;
            return this;
        }

        /**
         * LSTM and reset-after GRU: layer normalization after Ba, Kiros and Hinton 2016 (their LN-LSTM):
         * gamma_x * LN(W x_t) + gamma_h * LN(R h_{t-1}) + biases, each LN over the row's G*H
         * pre-activations, and for the LSTM h_t = o_t * tanh(gamma_c * LN(c_t) + beta_c); eps 1e-5, gains
         * start at 1 and shifts at 0. Adds layer_norm_ih_weight, layer_norm_hh_weight (and
         * layer_norm_cell_weight / _bias) per layer and direction.
         */
        public Builder layerNorm(boolean on) {
            this.layerNorm = on;
            return this;
        }

        /**
         * Whether the layers have biases b_W and b_R (PyTorch's {@code bias}, default true). Without them the
         * state dict has no {@code bias_ih_*} / {@code bias_hh_*} tensors, as PyTorch's {@code bias=False} saves it.
         */
        public Builder bias(boolean on) {
            this.bias = on;
            return this;
        }

        public Builder maxBatch(int maxBatch) {
            if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
            this.maxBatch = maxBatch;
            return this;
        }

        public Builder maxSteps(int maxSteps) {
            if (maxSteps < 1) throw new IllegalArgumentException("maxSteps must be >= 1, got " + maxSteps);
            this.maxSteps = maxSteps;
            return this;
        }

        /** Dropout probability on the outputs of every layer but the last, in training mode (PyTorch's dropout). */
        public Builder dropout(float p) {
            if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
            this.dropout = p;
            return this;
        }

        /** Seed of the initial weights (PyTorch's default U(-1/sqrt(H), 1/sqrt(H))) and of dropout masks. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Reject inputs that contain NaN or infinity (on by default; one pass over the input). */
        public Builder checkFinite(boolean on) {
            this.checkFinite = on;
            return this;
        }

        /** The kernels to compute with, e.g. {@code Kernels.preferred().withThreads(2)}. */
        public Builder kernels(Kernels kernels) {
            if (kernels == null) throw new IllegalArgumentException("kernels is null");
            this.kernels = kernels;
            return this;
        }

        /** Marks the tiny stack of a {@link WarmUp}. */
        Builder forWarmUp() {
            warmUpModel = true;
            return this;
        }

        public Rnn build() {
            if (kind != CellKind.LSTM && (peepholes || inputForget)) {
                throw new IllegalArgumentException("peepholes and inputForget are LSTM options, not " + kind);
            }
            if (layerNorm && kind != CellKind.LSTM && kind != CellKind.GRU) {
                throw new IllegalArgumentException("layerNorm is an LSTM and GRU option, not " + kind);
            }
            if (layerNorm && kind == CellKind.GRU && !linearBeforeReset) {
                throw new IllegalArgumentException("layerNorm for the GRU needs linearBeforeReset(true) (reset after)");
            }
            if (!bidirectional && merge != Merge.CONCAT) {
                throw new IllegalArgumentException("merge " + merge + " needs bidirectional(true)");
            }
            if (dropout > 0 && layers == 1) {
                throw new IllegalArgumentException("dropout acts between layers; with 1 layer it would do nothing");
            }
            long rows = (long) maxSteps * maxBatch;
            int gates = kind.gates();
            long widest = Math.max(inputSize, (bidirectional ? 2L : 1L) * Math.max(gates, 2) * hiddenSize);
            if (rows > (Integer.MAX_VALUE - 8) / widest) {   // divided, not multiplied: the product can overflow a long
                throw new IllegalArgumentException("maxSteps * maxBatch * width = " + maxSteps + " * " + maxBatch + " * " + widest
                        + " floats exceeds one Java array; lower maxSteps or maxBatch");
            }
            long bytes = bufferBytes(), heap = Runtime.getRuntime().maxMemory();
            if (bytes > heap) throw tooLarge(bytes, heap, null);
            try {
                Rnn rnn = new Rnn(this, null, false);
                if (!warmUpModel) rnn.warmUp = WarmUp.start(this);
                return rnn;
            } catch (OutOfMemoryError e) {   // the heap's free part was smaller than its size: say which sizes
                throw tooLarge(bytes, heap, e);
            }
        }

        private IllegalArgumentException tooLarge(long bytes, long heap, OutOfMemoryError cause) {
            String message = String.format("this stack's buffers take about %,d MB (maxSteps %d x maxBatch %d = %,d rows), %s"
                    + " of %,d MB; lower maxSteps or maxBatch, or give the JVM more heap (-Xmx)", bytes >> 20, maxSteps, maxBatch,
                    (long) maxSteps * maxBatch, cause == null ? "more than the JVM's whole heap" : "and the JVM ran out of its heap",
                    heap >> 20);
            IllegalArgumentException e = new IllegalArgumentException(message);
            if (cause != null) e.initCause(cause);
            return e;
        }

        /**
         * About what build() allocates, in bytes: the buffers of maxSteps x maxBatch rows that forward and
         * backward keep (per layer and direction: the pre-activations and their gradients, the states, the
         * cells' own; per layer: the outputs and input gradients; the batch-first copies) plus weight-sized
         * ones (the parameters and their gradients, the packed weights). It follows the constructors;
         * RnnMemoryTest checks it against what build() allocates.
         */
        long bufferBytes() {
            long rows = (long) maxSteps * maxBatch, h = hiddenSize, gh = (long) kind.gates() * h;
            long d = bidirectional ? 2 : 1, features = d == 2 && merge == Merge.CONCAT ? 2 * h : h;
            long floats = rows * (1 + d * h + (batchFirst ? 2 * inputSize + 2 * features : 0));   // ones, dRaw, batch-first copies
            for (int l = 0; l < layers; l++) {
                long in = l == 0 ? inputSize : features;
                long perRow = 2 * gh + h;                                         // pre, dPre, states
                if (kind == CellKind.LSTM) perRow += 2 * h + (layerNorm ? h + 1 : 0);  // c_t, tanh(c_t), LN(c_t)
                if (kind == CellKind.GRU) perRow += linearBeforeReset ? 6 * h : h;     // R h + b_R and its gradient
                if (layerNorm) perRow += 3 * gh + 2;                              // normalized rows and their rstd
                long weights = gh * (in + h);
                floats += d * (rows * perRow + 4 * weights + gh * h + Math.max(in, h) * gh);   // params, grads, packs
                floats += rows * (in + d * h + (merge != Merge.CONCAT ? h : 0) + (dropout > 0 && l < layers - 1 ? features : 0));
            }
            return 4 * floats;
        }
    }
}
