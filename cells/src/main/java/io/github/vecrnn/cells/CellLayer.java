package io.github.vecrnn.cells;

import io.github.vecrnn.kernel.Kernels;
import io.github.vecrnn.kernel.PackedMatrix;
import io.github.vecrnn.kernel.ParallelTask;

/**
 * One direction of one recurrent layer: the sequence loop shared by every cell kind.
 *
 * <p>Data layout (time-major, rows = t * B + b): the input x is [T*B, I]; {@code pre} holds the
 * pre-activations [T*B, G*H] and, after each step, the gate activations that backward needs.
 * Hidden states live in {@code states}, T + 1 slots of [B, H]: the forward direction keeps h_{-1}
 * (the initial state) in slot 0 and h_t in slot t + 1; the reverse direction keeps the initial state in
 * slot T and h_t in slot t. Either way the states that fed steps 0..T-1 are one contiguous block,
 * so the recurrent weight gradient is one GEMM after the loop.
 *
 * <p>Sequence lengths (ONNX {@code sequence_lens}): a row b whose step t is past its length keeps its
 * state (the step is computed, then overwritten with the previous state), its output is 0, and in
 * backward its gate gradients are 0 and its state gradient passes through unchanged.
 *
 * <p>Layer normalization (optional, LSTM and reset-after GRU; Ba, Kiros and Hinton 2016, the LN-LSTM
 * of their section 6): the input projection and the recurrent projection are normalized separately,
 * each over its whole row of G*H pre-activations, and scaled by their own gains; the biases then add:
 * <pre>
 *   pre_t = gamma_x * LN(W x_t) + b_W  +  gamma_h * LN(R h_{t-1}) + b_R,   LN(v) = (v - mean v) / sqrt(var v + eps)
 * </pre>
 * with eps = 1e-5 (PyTorch's LayerNorm default) and the gains initialized to 1.
 */
abstract class CellLayer {
    final Kernels kernels;
    final Kernels oneThread;   // kernels for the parts of a step that runs split over threads
    private final RowSplit rowSplit = new RowSplit();
    private final UnitSplit unitSplit = new UnitSplit();
    private final StepBarrier barrier;
    final int inputSize, hidden, gates, gateWidth;
    final boolean reverse;
    final Parameters params;
    final int wIh, wHh, bIh, bHh;
    final int maxRows, maxBatch;
    // Rows of the buffers that keep per step what backward reads: all T*B, or one step's B in a frozen layer,
    // which only runs in inference mode (see keptRow).
    final int keptRows;

    final float[] pre;     // [T*B, G*H] pre-activations, then activations
    // A call split over threads by hidden units: part q's own rows [stepBuffers() * B, G*H] in which its
    // gate columns are computed (see UnitSplit); allocated by the first such call.
    private float[][] partRows;
    final float[] dPre;    // [T*B, G*H] gradients of the input-side pre-activations
    final float[] states;  // [(T+1), B, H]; [2, B, H] in a frozen layer (see slotOffset)
    final int stateSlots;
    float[] dh, dhPrev;    // [B, H] running state gradient
    final float[] ones;    // [T*B] of 1f: bias gradients are column sums, computed as GEMVs
    final float[] projectionBias; // [G*H] the bias added in the input projection
    private final float[] weightGradientT; // [max(I, H), G*H] a weight gradient's transpose (addWeightGradient)
    // W^T [I, G*H] and R^T [H, G*H], packed in strips of the GEMM tile's width (PackedMatrix): every
    // step's GEMMs read them, so they are laid out once per forward call rather than at every step
    // (measured: 2x faster per step at batch 32 than packing R^T per step), and at batch 1 a step is
    // the vertical matrix-vector form, without lane sums. R^T is packed in column blocks that start at
    // recurrentBlockStarts, so that a cell can multiply by some gates' rows alone (the reset-before
    // GRU's R_{r,z} and R_n). The packs are a cache keyed on the weights' exact bits: a forward call
    // compares W and R with the copies they were made from (weightsSeen) and packs again only when a
    // bit differs, so repeated inference skips the packing and a training step, whose weights changed,
    // redoes it.
    final PackedMatrix inputWeightsPacked;
    final PackedMatrix[] recurrentWeightsPacked;
    final int[] recurrentBlockStarts;
    private final float[] weightsSeen; // [G*H*I + G*H*H] W then R as they were when last packed
    private boolean packValid;
    // A FrozenRnn's layer: its weights never change (once packed, the packs are not compared again), and it
    // only runs in inference mode, so the buffers that only backward reads are not allocated (dPre, the
    // weight gradient's scratch, R packed for backward) or hold one step (keptRows, and pre: see preRow),
    // and it keeps two slots of states (slotOffset).
    private final boolean frozen;
    // R itself, in the same row blocks, packed for backward's dh_{t-1} = dPre_t R (at every step): packed
    // when a backward call first needs it after the weights were packed for forward.
    private final PackedMatrix[] recurrentRowsPacked;
    private boolean rowsPackValid;
    // At least this batch: each step's input projection is computed just before the step. Below it, a
    // per-step projection would be a matrix-vector product that streams W^T at every step.
    static final int PER_STEP_PROJECTION_MIN_BATCH = 4;
    // On several threads, from this many rows per thread, each thread runs the whole sequence for its own
    // rows of the batch (RowSplit) instead of a part of every step's hidden units (UnitSplit). Measured on
    // LSTM A inference, 2 threads (units split time / rows split time, medians of 31 alternating rounds in
    // one JVM): batch 32 1.10, 24 1.16, 16 1.04, 8 1.07-1.19, but 6 0.67 and 4 0.85; LSTM C (batch 64,
    // hidden 512) 1.04; GRU A batch 16 1.05, 12 1.06.
    static final int ROW_SPLIT_MIN_ROWS = 8;

    static final float LAYER_NORM_EPS = 1e-5f;
    final boolean layerNorm;
    final int inputGain, recurrentGain;          // offsets of gamma_x, gamma_h [G*H]; -1 without layer norm
    final float[] inputNormalized, recurrentNormalized; // [T*B, G*H] LN(W x_t) and LN(R h_{t-1}), kept for backward
    final float[] inputRstd, recurrentRstd;      // [T*B] 1 / sqrt(var + eps) of each row
    final float[] dRecurrentProjection;          // [T*B, G*H] dL/d(R h_{t-1}) before the normalization

    int steps, batch;
    int[] lengths; // null: every sequence runs all steps
    // Whether the last forward call kept what backward reads (false in inference mode: see preRow).
    private boolean keep;
    private boolean perStep;

    /**
     * recurrentSplit: R^T is packed as the column blocks [0, split) and [split, G*H) (split = G*H: one
     * block); a recurrent product then covers whole blocks.
     */
    CellLayer(Kernels kernels, Parameters params, String suffix, int inputSize, int hidden, int gates,
              int recurrentSplit, boolean reverse, boolean layerNorm, int maxSteps, int maxBatch, float[] ones,
              boolean frozen) {
        this.kernels = kernels;
        this.barrier = new StepBarrier(kernels.threads());
        this.oneThread = kernels.withThreads(1);
        this.params = params;
        this.inputSize = inputSize;
        this.hidden = hidden;
        this.gates = gates;
        this.gateWidth = gates * hidden;
        this.reverse = reverse;
        this.wIh = params.tensor("weight_ih_" + suffix).offset();
        this.wHh = params.tensor("weight_hh_" + suffix).offset();
        this.bIh = params.tensor("bias_ih_" + suffix).offset();
        this.bHh = params.tensor("bias_hh_" + suffix).offset();
        this.maxRows = maxSteps * maxBatch;
        this.maxBatch = maxBatch;
        this.frozen = frozen;
        this.keptRows = frozen ? maxBatch : maxRows;
        // A frozen layer (inference only) keeps one step's rows of pre where the projection runs per step, and
        // the projection of every step below PER_STEP_PROJECTION_MIN_BATCH (and with layer norm): see preRow
        int preRows = frozen && !layerNorm
                      ? Math.max(maxBatch, Math.min(maxBatch, PER_STEP_PROJECTION_MIN_BATCH - 1) * maxSteps) : maxRows;
        this.pre = new float[preRows * gateWidth];
        this.dPre = new float[frozen ? 0 : maxRows * gateWidth];
        this.stateSlots = frozen ? 2 : maxSteps + 1;
        this.states = new float[stateSlots * maxBatch * hidden];
        this.dh = new float[maxBatch * hidden];
        this.dhPrev = new float[maxBatch * hidden];
        this.ones = ones;
        this.projectionBias = new float[gateWidth];
        this.weightGradientT = new float[frozen ? 0 : Math.max(inputSize, hidden) * gateWidth];
        this.inputWeightsPacked = kernels.newPackedMatrix(inputSize, gateWidth);
        this.recurrentBlockStarts = recurrentSplit == gateWidth ? new int[] {0} : new int[] {0, recurrentSplit};
        this.recurrentWeightsPacked = new PackedMatrix[recurrentBlockStarts.length];
        this.recurrentRowsPacked = new PackedMatrix[recurrentBlockStarts.length];
        for (int i = 0; i < recurrentBlockStarts.length; i++) {
            int end = i + 1 < recurrentBlockStarts.length ? recurrentBlockStarts[i + 1] : gateWidth;
            recurrentWeightsPacked[i] = kernels.newPackedMatrix(hidden, end - recurrentBlockStarts[i]);
            if (!frozen) recurrentRowsPacked[i] = kernels.newPackedMatrix(end - recurrentBlockStarts[i], hidden);
        }
        this.weightsSeen = new float[frozen ? 0 : gateWidth * (inputSize + hidden)];
        this.layerNorm = layerNorm;
        this.inputGain = layerNorm ? params.tensor("layer_norm_ih_weight_" + suffix).offset() : -1;
        this.recurrentGain = layerNorm ? params.tensor("layer_norm_hh_weight_" + suffix).offset() : -1;
        int normRows = layerNorm ? maxRows : 0, normKept = layerNorm ? keptRows : 0;
        this.inputNormalized = new float[normRows * gateWidth];
        this.recurrentNormalized = new float[normKept * gateWidth];
        this.inputRstd = new float[normRows];
        this.recurrentRstd = new float[normKept];
        this.dRecurrentProjection = new float[frozen ? 0 : normRows * gateWidth];
    }

    /**
     * c[rows [b0, b1) of the step's rows at cOffset, ldc] += the recurrent input of step t over all G*H gate
     * columns, with k for the product: R h_{t-1}, or with layer norm (then always the whole batch and the
     * layer's kernels: such a step is never split) gamma_h * LN(R h_{t-1}) (the normalized rows are kept
     * for backward).
     */
    final void recurrentInput(Kernels k, int t, int prev, int b0, int b1, float[] c, int cOffset, int ldc) {
        if (layerNorm) normalizedRecurrentInput(t, prev, c, cOffset, ldc);
        else recurrentProduct(k, states, slotOffset(prev) + b0 * hidden, b1 - b0, 0, gateWidth, c, cOffset + b0 * ldc, ldc);
    }

    private void normalizedRecurrentInput(int t, int prev, float[] c, int cOffset, int ldc) {
        int row = keptRow(t), base = row * gateWidth;
        java.util.Arrays.fill(recurrentNormalized, base, base + batch * gateWidth, 0f);
        recurrentProduct(kernels, states, slotOffset(prev), batch, 0, gateWidth, recurrentNormalized, base, gateWidth);
        float[] w = params.values();
        for (int b = 0; b < batch; b++) {
            int r = base + b * gateWidth, o = cOffset + b * ldc;
            recurrentRstd[row + b] = normalize(recurrentNormalized, r, gateWidth);
            for (int j = 0; j < gateWidth; j++) c[o + j] += w[recurrentGain + j] * recurrentNormalized[r + j];
        }
    }

    /**
     * From dL/d(recurrent input of step t) [B, G*H] at (dIn, dInOffset), writes dh_{t-1} (beta = 0) or
     * adds it to dhPrev (beta = 1): dIn R without layer norm; with it, the gradient is first taken back
     * through gamma_h * LN(.) (and gamma_h's gradient added). Padding rows contribute nothing.
     */
    final void recurrentInputBackward(int t, float[] dIn, int dInOffset, float beta) {
        if (!layerNorm) {
            recurrentProductBackward(dIn, dInOffset, gateWidth, 0, beta, dhPrev);
            return;
        }
        int row = t * batch, base = row * gateWidth;
        for (int b = 0; b < batch; b++) {
            int r = base + b * gateWidth;
            if (isPadding(t, b)) {
                java.util.Arrays.fill(dRecurrentProjection, r, r + gateWidth, 0f);
                continue;
            }
            normalizeBackward(dIn, dInOffset + b * gateWidth, recurrentGain, recurrentNormalized, r, recurrentRstd[row + b],
                              dRecurrentProjection, r, gateWidth);
        }
        recurrentProductBackward(dRecurrentProjection, base, gateWidth, 0, beta, dhPrev);
    }

    /**
     * c[B, H] = d R_block + beta * c (beta 0 or 1), R_block being the row block of R that starts at gate row
     * gateOffset and d [B, block rows] (at dOffset, row stride ldd) the gradient of its product: the
     * backward of {@link #recurrentProduct} for that block, with R packed.
     */
    final void recurrentProductBackward(float[] d, int dOffset, int ldd, int gateOffset, float beta, float[] c) {
        if (!rowsPackValid) {
            float[] w = params.values();
            for (int i = 0; i < recurrentBlockStarts.length; i++) {
                kernels.pack(false, w, wHh + recurrentBlockStarts[i] * hidden, hidden, recurrentRowsPacked[i]);
            }
            rowsPackValid = true;
        }
        int block = recurrentBlock(gateOffset);
        if (recurrentBlockStarts[block] != gateOffset) {
            throw new IllegalStateException("no block of R starts at gate row " + gateOffset);
        }
        kernels.sgemmPacked(batch, 1f, d, dOffset, ldd, recurrentRowsPacked[block], beta, c, 0, hidden);
    }

    /** Normalizes v[off, off + n) in place to zero mean and unit variance; returns 1 / sqrt(var + eps). */
    static float normalize(float[] v, int off, int n) {
        double sum = 0;
        for (int j = 0; j < n; j++) sum += v[off + j];
        float mean = (float) (sum / n);
        double sq = 0;
        for (int j = 0; j < n; j++) {
            float d = v[off + j] - mean;
            sq += d * d;
        }
        float rstd = (float) (1.0 / Math.sqrt(sq / n + LAYER_NORM_EPS));
        for (int j = 0; j < n; j++) v[off + j] = (v[off + j] - mean) * rstd;
        return rstd;
    }

    /**
     * Backward of y = gamma * xhat, xhat = LN(v): given dy, adds dgamma += dy * xhat and writes
     * dv = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gamma. dv may alias dy.
     */
    final void normalizeBackward(float[] dy, int dyOff, int gain, float[] xhat, int xOff, float rstd,
                                 float[] dv, int dvOff, int n) {
        float[] w = params.values(), grad = params.gradients();
        double sumG = 0, sumGx = 0;
        for (int j = 0; j < n; j++) {
            float g = dy[dyOff + j] * w[gain + j];
            grad[gain + j] += dy[dyOff + j] * xhat[xOff + j];
            sumG += g;
            sumGx += g * xhat[xOff + j];
        }
        float meanG = (float) (sumG / n), meanGx = (float) (sumGx / n);
        for (int j = 0; j < n; j++) {
            float g = dy[dyOff + j] * w[gain + j];
            dv[dvOff + j] = rstd * (g - meanG - xhat[xOff + j] * meanGx);
        }
    }

    /**
     * c[rows, cols at cOffset, ldc] += a[rows, H] R_sub^T, where R_sub is R's gate rows
     * [gateOffset, gateOffset + cols), a whole number of R^T's packed column blocks: the recurrent
     * product of one step, with k (a part of a split call passes a one-thread Kernels).
     */
    final void recurrentProduct(Kernels k, float[] a, int aOffset, int rows, int gateOffset, int cols, float[] c, int cOffset, int ldc) {
        for (int i = 0; i < recurrentBlockStarts.length; i++) {
            int start = recurrentBlockStarts[i];
            PackedMatrix block = recurrentWeightsPacked[i];
            if (start >= gateOffset && start + block.cols() <= gateOffset + cols) {
                k.sgemmPacked(rows, 1f, a, aOffset, hidden, block, 1f, c, cOffset + start - gateOffset, ldc);
            }
        }
    }

    // ------------------------------------------------------------------ what each cell supplies

    /**
     * Fills {@link #projectionBias}: the biases that simply add to the input projection. For the LSTM
     * and the Elman RNN both biases do, b_W + b_R; the GRU overrides this.
     */
    void prepareProjectionBias() {
        float[] w = params.values();
        for (int j = 0; j < gateWidth; j++) projectionBias[j] = w[bIh + j] + w[bHh + j];
    }

    /** One step: from pre[t] (input projection) and the state in slot prev, writes the state in slot cur. */
    abstract void stepForward(int t, int prev, int cur);

    /** One step back: from dh (and the cell's own carried gradients) writes dPre[t] and dhPrev. */
    abstract void stepBackward(int t, int prev, int cur);

    /**
     * Gradients of the recurrent weights and biases, after the loop. Where R h_{t-1} + b_R adds to the
     * same pre-activations as W x_t + b_W (LSTM, Elman RNN): dR += dPre^T [h_{t-1}] and db_R = db_W =
     * the column sums of dPre. The GRU overrides this.
     */
    void recurrentGradients() {
        int rows = steps * batch;
        float[] grad = params.gradients();
        float[] dProjection = layerNorm ? dRecurrentProjection : dPre;
        addWeightGradient(gateWidth, hidden, rows, dProjection, 0, gateWidth, states, previousStatesOffset(), wHh);
        kernels.sgemv(true, rows, gateWidth, 1f, dPre, 0, gateWidth, ones, 0, 1f, grad, bHh);
    }

    /**
     * Copies the units [h0, h0 + n) of row b's extra state (the LSTM's c) from slot prev to slot cur;
     * nothing for other cells.
     */
    void carryExtraState(int b, int prev, int cur, int h0, int n) {
    }

    /** Row b was padding at this step: its extra state gradient passes through. */
    void passExtraGradient(int b) {
    }

    void setExtraInitialState(float[] c0, int c0Offset) {
    }

    void beginExtraBackward(float[] dcN, int dcNOffset) {
    }

    void endExtraBackward(float[] dc0, int dc0Offset) {
    }

    // ----------------------------------------------------------------------------- the loops

    /**
     * Where the states of slot t (h_t of the batch's rows) start. A frozen layer keeps two slots, t and
     * t - 1 taking turns: inference reads h_{t-1} and writes h_t, nothing older.
     */
    final int slotOffset(int slot) {
        return (frozen ? slot & 1 : slot) * batch * hidden;
    }

    /** The time index of the direction's s-th step: s forward, T - 1 - s in reverse. */
    final int stepTime(int s) {
        return reverse ? steps - 1 - s : s;
    }

    /** The slot of the state step t reads, h_{t-1}: t forward, t + 1 in reverse. */
    final int prevSlot(int t) {
        return reverse ? t + 1 : t;
    }

    /** The slot step t writes, h_t: t + 1 forward, t in reverse. */
    final int curSlot(int t) {
        return reverse ? t : t + 1;
    }

    final int finalSlot() {
        return reverse ? 0 : steps;
    }

    final boolean isPadding(int t, int b) {
        return lengths != null && t >= lengths[b];
    }

    /**
     * The first of step t's rows in pre (rows of G*H): t * B, or 0 in inference mode when the input is
     * projected per step, where every step reuses the first step's rows: they stay in cache, where a
     * new block of rows at each step was written out to memory (measured on LSTM A inference, one
     * thread: 29.2 -> 28.5 ms, with keptRow).
     */
    final int preRow(int t) {
        return keep || !perStep ? t * batch : 0;
    }

    /**
     * The first of step t's rows in the other buffers that a step writes only for backward (the LSTM's
     * tanh(c_t), the GRU's recurrent rows, the normalized recurrent rows): t * B, or 0 in inference mode.
     */
    final int keptRow(int t) {
        return keep ? t * batch : 0;
    }

    /**
     * Runs the direction over x [T*B, I] (rows from xOffset), from h0 (and c0; null means zeros),
     * writing h_t to out rows t*B+b at column outColumn (row stride outStride), 0 for padding. With keep
     * false (inference mode) the activations of the steps are not kept and backward must not follow.
     */
    final void forward(float[] x, int xOffset, int steps, int batch, int[] lengths,
                       float[] h0, int h0Offset, float[] c0, int c0Offset,
                       float[] out, int outColumn, int outStride, boolean keep) {
        this.steps = steps;
        this.batch = batch;
        this.lengths = lengths;
        this.keep = keep;
        int rows = steps * batch;
        prepareProjectionBias();
        packWeights();
        // W x_t + b: for every step at once ([T*B, I] x [I, G*H]), or, without layer norm and from a
        // batch of PER_STEP_PROJECTION_MIN_BATCH, one step at a time just before the step, whose GEMM then
        // adds R h_{t-1} onto rows still in cache (measured: the step's epilogue took 16% of an LSTM call
        // on cold rows).
        perStep = !layerNorm && batch >= PER_STEP_PROJECTION_MIN_BATCH;
        // On several threads, with at least ROW_SPLIT_MIN_ROWS rows per thread, each thread runs every step
        // for its own rows of the batch (RowSplit): rows never depend on each other, so the threads do not
        // meet until the end of the call, and each computes its rows as a step on one thread would (with
        // the whole of W^T and R^T to stream, which a units split halves). Below that, a cell that can
        // compute a step for a range of hidden units (all of those units' gate columns: projection,
        // recurrent product, gate arithmetic) runs the call as one parallel task (UnitSplit): each part
        // runs every step for its range of units and meets the others after each step (StepBarrier),
        // instead of sharing only the GEMMs: the gate arithmetic is split too, each core streams its own
        // half of R^T from its own L2, and a step costs one exchange between cores instead of two. The
        // ranges start at multiples of the packed strips' width, so every gate's columns of a range are
        // whole strips. Each part computes its gate columns in rows of its own (partRows) and copies them
        // to pre once, at the end: in pre, the parts' columns share a cache line at every border (Java does
        // not align arrays to lines), and the projection, recurrent product and activations each rewrote it
        // from both cores. Measured on LSTM A inference, 2 threads, with one parallel task per step: with
        // the two cores on one CCX (a 70 ns round trip between them) 18.2 -> 17.3 ms, on two CCDs (a 330 ns
        // round trip; the host moves this machine's cores between both placements) 30.8 -> 21.4 ms; batch 2
        // and 3 1.45-1.56x faster than sharing the step's product (LSTM and GRU A, medians of 101
        // alternating rounds in one JVM). One task per call against one per step (medians of 41
        // alternating rounds in one JVM, 2 threads, A sizes, old/new): LSTM batch 1 1.03-1.05 (batch 1
        // shared its matrix-vector product by columns and ran the cell on one thread before), 2 1.05,
        // 4 1.02, 8 1.03, 15 1.02; GRU batch 1 1.10, 2 1.07, 8 1.03.
        int strip = inputWeightsPacked.panelWidth();
        boolean splittable = kernels.threads() > 1 && splitsSteps();
        boolean splitRows = splittable && perStep && batch >= ROW_SPLIT_MIN_ROWS * kernels.threads();
        boolean split = splittable && !splitRows && hidden % strip == 0 && hidden >= 2 * strip;
        if (split && partRows == null) {
            // padded by a cache line, so that no two parts' rows share one whatever the arrays' alignment
            partRows = new float[kernels.threads()][stepBuffers() * maxBatch * gateWidth + 16];
        }
        int first = reverse ? steps : 0;
        if (h0 == null) {
            java.util.Arrays.fill(states, slotOffset(first), slotOffset(first) + batch * hidden, 0f);
        } else {
            System.arraycopy(h0, h0Offset, states, slotOffset(first), batch * hidden);
        }
        setExtraInitialState(c0, c0Offset);
        if (splitRows) {
            rowSplit.set(x, xOffset, out, outColumn, outStride);
            kernels.parallel(rowSplit);
            return;
        }
        if (split) {
            unitSplit.set(x, xOffset, out, outColumn, outStride);
            barrier.begin(steps);
            kernels.parallel(unitSplit);
            return;
        }
        if (!perStep) inputProjection(x, xOffset, 0, rows, 0);
        for (int s = 0; s < steps; s++) {
            int t = stepTime(s), prev = prevSlot(t), cur = curSlot(t);
            if (perStep) stepInput(kernels, x, xOffset, t, prev, 0, batch, 0, gateWidth, pre, preRow(t) * gateWidth);
            stepForward(t, prev, cur);
            finishStep(t, prev, cur, 0, batch, 0, hidden, out, outColumn, outStride);
        }
    }

    /**
     * After step t, for the rows [b0, b1) and the units [h0, h1): a padding row keeps its previous state
     * (and gets output 0), any other row's h_t goes to out.
     */
    private void finishStep(int t, int prev, int cur, int b0, int b1, int h0, int h1,
                            float[] out, int outColumn, int outStride) {
        int n = h1 - h0;
        for (int b = b0; b < b1; b++) {
            int o = out == null ? 0 : outColumn + (t * batch + b) * outStride + h0, unit = b * hidden + h0;
            if (isPadding(t, b)) {
                System.arraycopy(states, slotOffset(prev) + unit, states, slotOffset(cur) + unit, n);
                carryExtraState(b, prev, cur, h0, n);
                if (out != null) java.util.Arrays.fill(out, o, o + n, 0f);
            } else if (out != null) {
                System.arraycopy(states, slotOffset(cur) + unit, out, o, n);
            }
        }
    }

    /** Brings the packed W^T and R^T up to date with W and R (see weightsSeen). */
    private void packWeights() {
        if (packValid && frozen) return;
        float[] w = params.values();
        int wSize = gateWidth * inputSize, rSize = gateWidth * hidden;
        if (packValid
            && java.util.Arrays.equals(w, wIh, wIh + wSize, weightsSeen, 0, wSize)
            && java.util.Arrays.equals(w, wHh, wHh + rSize, weightsSeen, wSize, wSize + rSize)) {
            return;
        }
        kernels.pack(true, w, wIh, inputSize, inputWeightsPacked);
        for (int i = 0; i < recurrentBlockStarts.length; i++) {   // rows [start, ...) of R, transposed
            kernels.pack(true, w, wHh + recurrentBlockStarts[i] * hidden, hidden, recurrentWeightsPacked[i]);
        }
        if (!frozen) {                 // what the next call compares with (a frozen layer never compares)
            System.arraycopy(w, wIh, weightsSeen, 0, wSize);
            System.arraycopy(w, wHh, weightsSeen, wSize, rSize);
        }
        packValid = true;
        rowsPackValid = false;
    }

    /**
     * pre rows [preRow0, preRow0 + rows) = W x_r + b, the input projection of rows [row0, row0 + rows) of
     * x [T*B, I]; with layer norm (then preRow0 = row0) gamma_x * LN(W x_r) + b (W x_r kept in
     * inputNormalized). Every element is the same FMA chain whichever rows a call covers, so one call for
     * all steps and one per step give the same bits.
     */
    private void inputProjection(float[] x, int xOffset, int row0, int rows, int preRow0) {
        if (!layerNorm) {
            projectColumns(kernels, x, xOffset, row0, rows, 0, gateWidth, pre, preRow0 * gateWidth);
        } else {                         // gamma_x * LN(W x_t) + b
            kernels.sgemmPacked(rows, 1f, x, xOffset + row0 * inputSize, inputSize, inputWeightsPacked,
                          0f, inputNormalized, row0 * gateWidth, gateWidth);
            float[] w = params.values();
            for (int r = row0; r < row0 + rows; r++) {
                int o = r * gateWidth;
                inputRstd[r] = normalize(inputNormalized, o, gateWidth);
                for (int j = 0; j < gateWidth; j++) pre[o + j] = w[inputGain + j] * inputNormalized[o + j] + projectionBias[j];
            }
        }
    }

    /**
     * W x_r + b for rows [row0, row0 + rows) of x and the gate columns [col0, col0 + cols) alone (col0 a
     * multiple of the packed strips' width; no layer norm), into c: rows of G*H from cOffset.
     */
    private void projectColumns(Kernels k, float[] x, int xOffset, int row0, int rows, int col0, int cols,
                                float[] c, int cOffset) {
        for (int r = 0; r < rows; r++) System.arraycopy(projectionBias, col0, c, cOffset + r * gateWidth + col0, cols);
        k.sgemmPackedColumns(rows, 1f, x, xOffset + row0 * inputSize, inputSize, inputWeightsPacked, col0, cols,
                1f, c, cOffset + col0, gateWidth);
    }

    /**
     * c columns [col0, col0 + cols) = W x_t + R h_{t-1} + b for the step's B rows (of G*H from cOffset), in
     * one product: {@link Kernels#gatePreactivations(int, float[], int, int, PackedMatrix, float[], int, int, PackedMatrix,
     * int, int, float[], int, float[], int, int)} with W^T and R^T packed, each element one FMA chain from
     * its bias over the input, then the previous state (col0 a multiple of the packed strips' width; R^T
     * one packed block, no layer norm). One pass over the rows instead of three (the bias copied in, the
     * projection added, the recurrent product added), and one register tile per block of C instead of two.
     * Measured on LSTM A inference (throwaway harness, medians of three interleaved JVM pairs): one thread
     * 28.9 -> 27.2 ms, two threads 16.5 -> 14.3 ms; RNN A one thread 7.15 -> 6.92 ms.
     */
    private void gateInput(Kernels k, float[] x, int xOffset, int t, int prev, int b0, int b1, int col0, int cols,
                           float[] c, int cOffset) {
        k.gatePreactivations(b1 - b0, x, xOffset + (t * batch + b0) * inputSize, inputSize, inputWeightsPacked,
                states, slotOffset(prev) + b0 * hidden, hidden, recurrentWeightsPacked[0], col0, cols,
                projectionBias, col0, c, cOffset + b0 * gateWidth + col0, gateWidth);
    }

    /**
     * A step's input, when the projection runs per step, for the gate columns [col0, col0 + cols) into c
     * (rows of G*H from cOffset): W x_t + R h_{t-1} + b in one product where the cell takes the whole
     * recurrent product (gateInput), else W x_t + b, to which the cell then adds its recurrent input.
     */
    private void stepInput(Kernels k, float[] x, int xOffset, int t, int prev, int b0, int b1, int col0, int cols,
                           float[] c, int cOffset) {
        if (gateInputFused()) gateInput(k, x, xOffset, t, prev, b0, b1, col0, cols, c, cOffset);
        else projectColumns(k, x, xOffset, t * batch + b0, b1 - b0, col0, cols, c, cOffset + b0 * gateWidth);
    }

    /**
     * Whether the last forward call computed each step's pre-activations W x_t + R h_{t-1} + b in one
     * product (gateInput): the cell then must not add R h_{t-1} again.
     */
    final boolean gateInputFused() {
        return perStep && takesWholeRecurrentProduct();
    }

    /**
     * Whether a step adds R h_{t-1}, all of it and nothing else, to the projection W x_t + b, so that
     * {@link #gateInput} may compute both (R^T is then packed as one block).
     */
    boolean takesWholeRecurrentProduct() {
        return false;
    }

    /**
     * Whether the cell implements {@link #stepForwardUnits} for a block of the batch's rows and of the
     * hidden units, so that a forward call may be split over threads by either.
     */
    boolean splitsSteps() {
        return false;
    }

    /** How many [B, G*H] buffers of a step a cell keeps for backward: pre, and the GRU's recurrent too. */
    int stepBuffers() {
        return 1;
    }

    /**
     * One step for the batch's rows [b0, b1) and the hidden units [h0, h1) alone (h0 a multiple of the
     * packed strips' width, or 0 with h1 = H): from the input projection and the state in slot prev, adds
     * the recurrent product of those rows and units' gate columns and writes their part of the state in
     * slot cur, with k for the products. part < 0: the step's rows of pre (and the cell's other step
     * buffers) hold the input projection and receive the gates. part >= 0: the call is part of a split
     * call (UnitSplit, all rows) and works in partRows(part) instead, whose first buffer holds the
     * projection of its columns; it copies its columns to the shared buffers at the end (keepColumns).
     * Runs beside the same call for other rows or units on other threads: it writes only its block of the
     * shared arrays.
     */
    void stepForwardUnits(int t, int prev, int cur, int b0, int b1, int h0, int h1, Kernels k, int part) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not split a step");
    }

    /** Part part's own rows of a call split by units: stepBuffers() buffers of [B, G*H], the first at 0. */
    final float[] partRows(int part) {
        return partRows[part];
    }

    /**
     * Copies the units [h0, h0 + n) of every gate from from (rows of G*H from fromOffset) to to (from
     * toOffset): a part of a call split by units keeps its gate columns for backward. Nothing in inference mode.
     */
    final void keepColumns(float[] from, int fromOffset, float[] to, int toOffset, int h0, int n) {
        if (!keep) return;      // inference mode: backward will not read them
        for (int b = 0; b < batch; b++) {
            for (int g = 0; g < gates; g++) {
                int o = b * gateWidth + g * hidden + h0;
                System.arraycopy(from, fromOffset + o, to, toOffset + o, n);
            }
        }
    }

    /**
     * c += h_{t-1} R^T for the units [h0, h0 + n) of every gate alone, c holding the step's rows of G*H from
     * cOffset (h0 a multiple of the packed strips' width; no layer norm; R^T packed as one block, which
     * the cells that split a step have). One product over the gates' column blocks: with one row, its
     * strips run four at a time whichever gate they belong to, where a product per gate would run a
     * block of two strips one strip per pass.
     */
    final void recurrentUnits(Kernels k, int prev, int b0, int b1, int h0, int n, float[] c, int cOffset) {
        k.sgemmPackedColumnBlocks(b1 - b0, 1f, states, slotOffset(prev) + b0 * hidden, hidden, recurrentWeightsPacked[0], h0, n,
                gates, hidden, 1f, c, cOffset + b0 * gateWidth + h0, gateWidth);
    }

    /** The packed block of R (and of R^T) that holds gate row (column of R^T) j. */
    private int recurrentBlock(int j) {
        int block = recurrentBlockStarts.length - 1;
        while (recurrentBlockStarts[block] > j) block--;
        return block;
    }

    /** A forward call as a parallel task: the call's input x (from xOffset) and where h_t goes (out). */
    private abstract class SplitCall implements ParallelTask {
        float[] x, out;
        int xOffset, outColumn, outStride;

        final void set(float[] x, int xOffset, float[] out, int outColumn, int outStride) {
            this.x = x;
            this.xOffset = xOffset;
            this.out = out;
            this.outColumn = outColumn;
            this.outStride = outStride;
        }
    }

    /**
     * A forward call as a parallel task: part q of n runs every step for the q-th range of hidden units
     * (all rows), in its own rows (partRows), and meets the other parts after each step (StepBarrier):
     * each step reads all of h_{t-1}, which the parts wrote.
     */
    private final class UnitSplit extends SplitCall {
        @Override
        public void run(int part, int parts) {
            int strip = inputWeightsPacked.panelWidth(), strips = hidden / strip;
            int h0 = strips * part / parts * strip, h1 = strips * (part + 1) / parts * strip;
            try {
                // the projection of every step for this part's columns alone, so that the rows each step
                // copies from pre were written by this core (not measured apart from the rest of the change)
                if (!perStep && h1 > h0) {
                    for (int g = 0; g < gates; g++) {
                        projectColumns(oneThread, x, xOffset, 0, steps * batch, g * hidden + h0, h1 - h0, pre, 0);
                    }
                }
                for (int s = 0; s < steps; s++) {
                    int t = stepTime(s), prev = prevSlot(t), cur = curSlot(t);
                    if (h1 > h0) {
                        unitsInput(x, xOffset, t, prev, h0, h1, partRows(part));
                        stepForwardUnits(t, prev, cur, 0, batch, h0, h1, oneThread, part);
                        finishStep(t, prev, cur, 0, batch, h0, h1, out, outColumn, outStride);
                    }
                    barrier.await(part, parts, s);
                }
            } catch (Throwable e) {
                barrier.breakFor(e);
                throw e;
            }
        }
    }

    /**
     * The input projection of step t for the units [h0, h1) of every gate, into own (rows of G*H): computed
     * with W x_t + b (or W x_t + R h_{t-1} + b where the cell takes the whole recurrent product) when the
     * projection runs per step, else copied from pre, where it was computed for all steps.
     */
    private void unitsInput(float[] x, int xOffset, int t, int prev, int h0, int h1, float[] own) {
        for (int g = 0; g < gates; g++) {
            int col0 = g * hidden + h0;
            if (perStep) {
                stepInput(oneThread, x, xOffset, t, prev, 0, batch, col0, h1 - h0, own, 0);
            } else {
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(pre, (preRow(t) + b) * gateWidth + col0, own, b * gateWidth + col0, h1 - h0);
                }
            }
        }
    }

    /**
     * A forward call as a parallel task: part q of n runs every step for the q-th range of the batch's
     * rows, all hidden units, in the shared buffers (the rows of different parts never meet).
     */
    private final class RowSplit extends SplitCall {
        @Override
        public void run(int part, int parts) {
            // even borders: an odd part would end in a one-row register tile, which streams the weights for one row
            int b0 = batch * part / parts & ~1, b1 = part == parts - 1 ? batch : batch * (part + 1) / parts & ~1;
            for (int s = 0; s < steps; s++) {
                int t = stepTime(s), prev = prevSlot(t), cur = curSlot(t);
                stepInput(oneThread, x, xOffset, t, prev, b0, b1, 0, gateWidth, pre, preRow(t) * gateWidth);
                stepForwardUnits(t, prev, cur, b0, b1, 0, hidden, oneThread, -1);
                finishStep(t, prev, cur, b0, b1, 0, hidden, out, outColumn, outStride);
            }
        }
    }

    /**
     * Backpropagates through the last forward call. dOut holds dL/dh_t at column dOutColumn of rows
     * t*B+b (null: none); dhN / dcN the gradients of the final states (null: zero). Adds parameter
     * gradients, writes (or with accumulate adds) dL/dx into dx [T*B, I], and writes dh0 / dc0.
     */
    final void backward(float[] dOut, int dOutColumn, int dOutStride, float[] dhN, int dhNOffset,
                        float[] dcN, int dcNOffset, float[] x, int xOffset, float[] dx, int dxOffset,
                        boolean accumulate, float[] dh0, int dh0Offset, float[] dc0, int dc0Offset) {
        int bh = batch * hidden;
        if (dhN == null) java.util.Arrays.fill(dh, 0, bh, 0f);
        else System.arraycopy(dhN, dhNOffset, dh, 0, bh);
        beginExtraBackward(dcN, dcNOffset);
        for (int s = steps - 1; s >= 0; s--) {
            int t = stepTime(s), prev = prevSlot(t), cur = curSlot(t);
            if (dOut != null) {
                for (int b = 0; b < batch; b++) {
                    if (isPadding(t, b)) continue;
                    int o = dOutColumn + (t * batch + b) * dOutStride;
                    kernels.add(dh, b * hidden, dOut, o, dh, b * hidden, hidden);
                }
            }
            stepBackward(t, prev, cur);
            if (lengths != null) {
                for (int b = 0; b < batch; b++) {
                    if (!isPadding(t, b)) continue;
                    int r = (t * batch + b) * gateWidth;
                    java.util.Arrays.fill(dPre, r, r + gateWidth, 0f);
                    System.arraycopy(dh, b * hidden, dhPrev, b * hidden, hidden);
                    passExtraGradient(b);
                }
            }
            float[] swap = dh;
            dh = dhPrev;
            dhPrev = swap;
        }
        if (dh0 != null) System.arraycopy(dh, 0, dh0, dh0Offset, bh);
        endExtraBackward(dc0, dc0Offset);

        int rows = steps * batch;
        float[] grad = params.gradients();
        // db_ih += column sums of dPre ; the recurrent weights and biases ; dW_ih += dPre^T x ; dx (+)= dPre W_ih
        kernels.sgemv(true, rows, gateWidth, 1f, dPre, 0, gateWidth, ones, 0, 1f, grad, bIh);
        recurrentGradients();
        if (layerNorm) {                 // dPre becomes dL/d(W x_t), through gamma_x * LN(.)
            for (int r = 0; r < rows; r++) {
                int o = r * gateWidth;
                normalizeBackward(dPre, o, inputGain, inputNormalized, o, inputRstd[r], dPre, o, gateWidth);
            }
        }
        addWeightGradient(gateWidth, inputSize, rows, dPre, 0, gateWidth, x, xOffset, wIh);
        if (dx != null) {
            kernels.sgemm(false, false, rows, inputSize, gateWidth, 1f, dPre, 0, gateWidth,
                          params.values(), wIh, inputSize, accumulate ? 1f : 0f, dx, dxOffset, inputSize);
        }
    }

    /**
     * A weight gradient: grad[gradOffset: gates x cols] += d^T act, d being [rows, gates] (at dOffset, row
     * stride ldd: gradients of pre-activations) and act [rows, cols] (at actOffset, row stride cols: the
     * inputs or states they multiplied). Computed as its transpose act^T d [cols, gates], then added
     * transposed: that way the GEMM streams d, whose rows are contiguous gate columns, in strips, and the
     * operand it transposes first is act, a quarter of d or less (measured on LSTM A's dR, 1024 x 256 x
     * 3200: 87 GFLOP/s against 80 with d^T act directly). Each element is the same FMA chain over the rows
     * and the same addition to grad as in one sgemm with beta = 1: the same bits.
     */
    final void addWeightGradient(int gates, int cols, int rows, float[] d, int dOffset, int ldd,
                                 float[] act, int actOffset, int gradOffset) {
        kernels.sgemm(true, false, cols, gates, rows, 1f, act, actOffset, cols, d, dOffset, ldd, 0f, weightGradientT, 0, gates);
        kernels.addTransposed(cols, gates, weightGradientT, 0, gates, params.gradients(), gradOffset, cols);
    }

    /** Offset of the first state that fed a step: slot 0 forward, slot 1 reverse (T*B contiguous rows). */
    final int previousStatesOffset() {
        return reverse ? slotOffset(1) : 0;
    }
}
