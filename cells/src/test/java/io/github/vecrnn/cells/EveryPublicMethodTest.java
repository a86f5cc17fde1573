package io.github.vecrnn.cells;

import io.github.vecrnn.io.InvalidWeightsException;
import io.github.vecrnn.io.Layouts;
import io.github.vecrnn.io.ModelFile;
import io.github.vecrnn.io.Onnx;
import io.github.vecrnn.io.SafeTensors;
import io.github.vecrnn.io.Weights;
import io.github.vecrnn.kernel.Activations;
import io.github.vecrnn.kernel.ArrayOps;
import io.github.vecrnn.kernel.Gemm;
import io.github.vecrnn.kernel.Kernels;
import io.github.vecrnn.kernel.PackedMatrix;
import io.github.vecrnn.train.Adam;
import io.github.vecrnn.train.Checkpoint;
import io.github.vecrnn.train.Dataset;
import io.github.vecrnn.train.EarlyStopping;
import io.github.vecrnn.train.Epoch;
import io.github.vecrnn.train.Evaluation;
import io.github.vecrnn.train.Fit;
import io.github.vecrnn.train.History;
import io.github.vecrnn.train.LearningRateSchedule;
import io.github.vecrnn.train.Metric;
import io.github.vecrnn.train.ModelCheckpoint;
import io.github.vecrnn.train.Clipping;
import io.github.vecrnn.train.Loss;
import io.github.vecrnn.train.Sgd;
import io.github.vecrnn.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.lang.module.ModuleReader;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One table of bad calls covering every public method and constructor (with parameters) of the exported
 * packages of vecrnn-kernel and vecrnn-cells. Each row calls a method with a bad argument and expects the
 * exception type and a message naming the argument and the shapes or values involved. The table is
 * checked against the API found by reflection: a new public method without a row (or a stated reason to
 * have none) fails this test. Null arguments are not rows: they throw NullPointerException, Java's
 * convention, except where a null would be stored and fail later (builders), which the table covers.
 */
class EveryPublicMethodTest {

    record Case(String method, Class<? extends Throwable> expected, String fragment, Executable call) {}

    static Case bad(String method, String fragment, Executable call) {
        return new Case(method, IllegalArgumentException.class, fragment, call);
    }

    /** Methods whose every non-null argument is valid, with the reason. */
    static final Map<String, String> NOTHING_TO_REFUSE = Map.ofEntries(
            Map.entry("Rng.setState(long)", "every long is a state"),
            Map.entry("new Rng(long)", "every long is a seed"),
            Map.entry("Rnn.Builder.seed(long)", "every long is a seed"),
            Map.entry("Rnn.Builder.bidirectional(boolean)", "a flag; conflicts are refused by build(), rows below"),
            Map.entry("Rnn.Builder.batchFirst(boolean)", "a flag"),
            Map.entry("Rnn.Builder.linearBeforeReset(boolean)", "a flag; conflicts are refused by build()"),
            Map.entry("Rnn.Builder.peepholes(boolean)", "a flag; conflicts are refused by build()"),
            Map.entry("Rnn.Builder.inputForget(boolean)", "a flag; conflicts are refused by build()"),
            Map.entry("Rnn.Builder.layerNorm(boolean)", "a flag; conflicts are refused by build()"),
            Map.entry("Rnn.Builder.checkFinite(boolean)", "a flag"),
            Map.entry("Rnn.training(boolean)", "a flag"),
            Map.entry("Rnn.inferenceMode(boolean)", "a flag; backward after a forward in this mode is refused (InferenceModeTest)"),
            Map.entry("new NonFiniteException(long, String, String)", "an exception's fields"),
            Map.entry("new InvalidWeightsException(String)", "an exception's message"),
            Map.entry("new Layouts.OnnxLayer(float[], float[], float[], float[])", "a result record of toOnnx; fromOnnx checks the arrays it is given"),
            Map.entry("new Layouts.KerasLayer(float[], float[], float[])", "a result record of toKeras; fromKeras checks the arrays it is given"),
            Map.entry("new SafeTensors.Contents(Map, Map)", "a result record of parse; each Tensor in it is checked on construction"),
            Map.entry("Weights.tensors(Map)", "any modules can be listed; each FloatTensor is checked on construction"),
            Map.entry("Initializers.layerNormDefaults(Parameters)", "any module: only its layer_norm_* tensors are set"),
            Map.entry("Initializers.kerasDefault(Rnn, Rng)", "any stack: each tensor kind has Keras's rule (peepholes get 0)"),
            Map.entry("Clipping.globalNorm(List)", "any list of modules has a norm (0 when empty)"),
            Map.entry("Optimizer.setUp(List)", "refuses a different module count, a row under Optimizer.step(List) shows it"),
            Map.entry("Kernels.parallel(ParallelTask)", "any task; null is a NullPointerException, GemmTest shows the parts run"),
            Map.entry("ParallelTask.run(int, int)", "an interface the caller implements"),
            Map.entry("Fit.shuffle(boolean)", "a flag"),
            Map.entry("Rnn.Builder.bias(boolean)", "a flag"),
            Map.entry("SequenceModel.features(Rnn, Readout)", "every stack and readout have a width; a null stack is a NullPointerException"),
            Map.entry("Fit.seed(long)", "every long is a seed"),
            Map.entry("EarlyStopping.restoreBestWeights(boolean)", "a flag"),
            Map.entry("new Evaluation(double, Map)", "a result record of evaluate"),
            Map.entry("new Epoch(int, double, Evaluation, double, long)", "a result record of fit"),
            Map.entry("new History(List, boolean)", "a result record of fit"),
            Map.entry("FitListener.epochStarted(Trainer, int, int, int)", "an interface the caller implements; fit calls it"),
            Map.entry("FitListener.stepEnded(Trainer, int, int, int, float)", "an interface the caller implements; fit calls it"),
            Map.entry("FitListener.epochEnded(Trainer, Epoch)", "an interface the caller implements; fit calls it"),
            Map.entry("FitListener.fitEnded(Trainer, History)", "an interface the caller implements; fit calls it"),
            Map.entry("EarlyStopping.epochEnded(Trainer, Epoch)", "a listener fit calls; FitTest shows it"),
            Map.entry("EarlyStopping.fitEnded(Trainer, History)", "a listener fit calls; FitTest shows it"),
            Map.entry("ModelCheckpoint.stepEnded(Trainer, int, int, int, float)", "a listener fit calls; a failed save is an UncheckedIOException"),
            Map.entry("ModelCheckpoint.epochEnded(Trainer, Epoch)", "a listener fit calls; a failed save is an UncheckedIOException"));

    static final Kernels K = Kernels.preferred();

    static Rnn lstm() {
        return Rnn.lstm(3, 4).maxBatch(2).maxSteps(5).build();
    }

    static SequenceModel model() {
        return new SequenceModel(lstm(), new Dense(4, 2, 10, new Rng(1)), Readout.PER_STEP);
    }

    static Trainer trainer() {
        return new Trainer(model(), Loss.MSE, new Adam(1e-3f));
    }

    static final Path MISSING = Path.of("no-such-directory", "file.safetensors");

    static List<Case> cases() {
        float[] a = new float[12], b = new float[12], c = new float[12];
        Rnn rnn = lstm();
        RnnOutput out = rnn.forward(new float[30], 2, 5, null, null);
        Dense dense = new Dense(4, 2, 10, new Rng(1));
        dense.forward(new float[40], 10);
        Embedding embedding = new Embedding(10, 3, 4, new Rng(1));
        embedding.forward(new int[] {1, 2}, 2);
        SequenceModel model = model();
        model.forward(new float[30], 2, 5, null, null);
        Parameters params = rnn.parameters();
        Trainer trainer = trainer();
        SafeTensors.Contents weightsOnly = SafeTensors.parse(SafeTensors.toBytes(Weights.tensors(model.namedParameters()), Map.of()));
        List<Case> t = new ArrayList<>();

        // ---- kernel: sizes, offsets, lengths, overlaps, overflow
        t.add(bad("Kernels.sgemm(boolean, boolean, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int)",
                  "more than an int index can reach", () -> K.sgemm(false, false, 70000, 70000, 1, 1f, new float[70000], 0, 1,
                                                                     new float[70000], 0, 70000, 0f, c, 0, 70000)));
        t.add(bad("Gemm.sgemm(boolean, boolean, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int)",
                  "lda = 2 is smaller than the row length 3", () -> Gemm.sgemm(false, false, 2, 2, 3, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2)));
        t.add(bad("Kernels.sgemv(boolean, int, int, float, float[], int, int, float[], int, float, float[], int)",
                  "x has length 12 but offset 0 + n 13", () -> K.sgemv(false, 1, 13, 1f, new float[13], 0, 13, c, 0, 0f, new float[1], 0)));
        t.add(bad("Gemm.sgemv(boolean, int, int, float, float[], int, int, float[], int, float, float[], int)",
                  "m must be >= 0, got -1", () -> Gemm.sgemv(false, -1, 2, 1f, a, 0, 2, b, 0, 0f, c, 0)));
        t.add(bad("Kernels.transpose(int, int, float[], int, int, float[], int, int)", "has length 12",
                  () -> K.transpose(4, 4, a, 0, 4, c, 0, 4)));
        t.add(bad("Kernels.addTransposed(int, int, float[], int, int, float[], int, int)", "has length 12",
                  () -> K.addTransposed(4, 4, a, 0, 4, c, 0, 4)));
        t.add(bad("Kernels.newPackedMatrix(int, int)", "shape must be non-negative, got -1 x 4", () -> K.newPackedMatrix(-1, 4)));
        t.add(bad("Kernels.pack(boolean, float[], int, int, PackedMatrix)", "has length 12",
                  () -> K.pack(false, a, 0, 4, K.newPackedMatrix(4, 4))));
        t.add(bad("Kernels.sgemmPacked(int, float, float[], int, int, PackedMatrix, float, float[], int, int)", "has length 12",
                  () -> K.sgemmPacked(2, 1f, a, 0, 7, K.newPackedMatrix(7, 2), 0f, c, 0, 2)));
        t.add(bad("Kernels.sgemmPackedColumns(int, float, float[], int, int, PackedMatrix, int, int, float, float[], int, int)",
                  "columns [1, 3) are not a range of PackedMatrix[4 x 4",
                  () -> K.sgemmPackedColumns(2, 1f, a, 0, 4, K.newPackedMatrix(4, 4), 1, 2, 0f, c, 0, 2)));
        t.add(bad("Kernels.sgemmPackedColumnBlocks(int, float, float[], int, int, PackedMatrix, int, int, int, int, float, float[], int, int)",
                  "blockStride = 1 must be a multiple of",
                  () -> K.sgemmPackedColumnBlocks(1, 1f, a, 0, 4, K.newPackedMatrix(4, 4), 0, 1, 2, 1, 0f, c, 0, 2)));
        t.add(bad("Kernels.gatePreactivations(int, float[], int, int, PackedMatrix, float[], int, int, PackedMatrix, int, int, float[], int, float[], int, int)",
                  "bias has length 3 but offset 0 + n 4 = 4 is past its end",
                  () -> K.gatePreactivations(2, a, 0, 4, K.newPackedMatrix(4, 4), a, 0, 4, K.newPackedMatrix(4, 4), 0, 4, new float[3], 0, c, 0, 4)));
        t.add(bad("Kernels.withThreads(int)", "threads must be >= 1, got 0", () -> K.withThreads(0)));
        t.add(bad("Kernels.lstmCell(float[], int, int, float[], int, float[], int, float[], int, float[], int, int)",
                  "gateStride = 2 is smaller than n = 3", () -> K.lstmCell(c, 0, 2, a, 0, b, 0, b, 0, b, 0, 3)));
        for (String op : List.of("add", "hadamard")) {
            Executable kernelCall = op.equals("add") ? () -> K.add(a, 0, b, 0, c, 0, 13) : () -> K.hadamard(a, 0, b, 0, c, 0, 13);
            Executable staticCall = op.equals("add") ? () -> ArrayOps.add(a, -1, b, 0, c, 0, 2) : () -> ArrayOps.hadamard(a, 0, b, 0, c, 0, -2);
            t.add(bad("Kernels." + op + "(float[], int, float[], int, float[], int, int)", "has length 12", kernelCall));
            t.add(bad("ArrayOps." + op + "(float[], int, float[], int, float[], int, int)", "-", staticCall));
        }
        t.add(bad("Kernels.dot(float[], int, float[], int, int)", "y offset must be >= 0, got -2", () -> K.dot(a, 0, b, -2, 3)));
        t.add(bad("ArrayOps.dot(float[], int, float[], int, int)", "n must be >= 0, got -1", () -> ArrayOps.dot(a, 0, b, 0, -1)));
        t.add(bad("Kernels.axpy(float, float[], int, float[], int, int)", "y has length 12 but offset 0 + n 13",
                  () -> K.axpy(1f, new float[13], 0, c, 0, 13)));
        t.add(bad("ArrayOps.axpy(float, float[], int, float[], int, int)", "offset 5 + n 8", () -> ArrayOps.axpy(1f, a, 5, c, 0, 8)));
        t.add(bad("Kernels.scale(float, float[], int, float[], int, int)", "offset 0 + n 13", () -> K.scale(2f, a, 0, c, 0, 13)));
        t.add(bad("ArrayOps.scale(float, float[], int, float[], int, int)", "partly overlaps", () -> ArrayOps.scale(2f, c, 0, c, 1, 10)));
        for (String f : List.of("sigmoid", "tanh", "sigmoidDerivative", "tanhDerivative")) {
            Executable kernelCall = switch (f) {
                case "sigmoid" -> () -> K.sigmoid(c, 0, c, 1, 10);
                case "tanh" -> () -> K.tanh(a, 0, c, 0, -1);
                case "sigmoidDerivative" -> () -> K.sigmoidDerivative(a, 0, c, 4, 10);
                default -> () -> K.tanhDerivative(a, 13, c, 0, 0);
            };
            Executable staticCall = switch (f) {
                case "sigmoid" -> () -> Activations.sigmoid(a, 0, c, 0, 13);
                case "tanh" -> () -> Activations.tanh(a, -1, c, 0, 1);
                case "sigmoidDerivative" -> () -> Activations.sigmoidDerivative(a, 0, c, 0, -5);
                default -> () -> Activations.tanhDerivative(c, 2, c, 0, 4);
            };
            t.add(bad("Kernels." + f + "(float[], int, float[], int, int)", f.equals("tanhDerivative") ? "offset 13" : "", kernelCall));
            t.add(bad("Activations." + f + "(float[], int, float[], int, int)", "", staticCall));
        }

        // ---- cells: builders, sizes, shapes, states, lengths
        t.add(bad("Rnn.lstm(int, int)", "inputSize must be >= 1, got 0", () -> Rnn.lstm(0, 4)));
        t.add(bad("Rnn.gru(int, int)", "hiddenSize must be >= 1, got -1", () -> Rnn.gru(3, -1)));
        t.add(bad("Rnn.rnn(int, int)", "inputSize must be >= 1, got -7", () -> Rnn.rnn(-7, 2)));
        t.add(bad("Rnn.builder(CellKind, int, int)", "kind is null", () -> Rnn.builder(null, 3, 4)));
        t.add(bad("Rnn.Builder.layers(int)", "layers", () -> Rnn.lstm(3, 4).layers(0)));
        t.add(bad("Rnn.Builder.maxBatch(int)", "maxBatch", () -> Rnn.lstm(3, 4).maxBatch(0)));
        t.add(bad("Rnn.Builder.maxSteps(int)", "maxSteps", () -> Rnn.lstm(3, 4).maxSteps(-2)));
        t.add(bad("Rnn.Builder.dropout(float)", "[0, 1)", () -> Rnn.lstm(3, 4).dropout(Float.NaN)));
        t.add(bad("Rnn.Builder.merge(Merge)", "merge is null", () -> Rnn.lstm(3, 4).merge(null)));
        t.add(bad("Rnn.Builder.kernels(Kernels)", "kernels is null", () -> Rnn.lstm(3, 4).kernels(null)));
        t.add(bad("Rnn.newState(int)", "batch must be in [1, 2] (maxBatch), got 3", () -> rnn.newState(3)));
        FrozenRnn frozen = rnn.freeze();
        t.add(bad("FrozenRnn.newState(int)", "batch must be in [1, 2] (maxBatch), got 0", () -> frozen.newState(0)));
        t.add(bad("FrozenRnn.forward(float[], int, int, int[], RnnState)", "steps must be in [1, 5] (maxSteps), got 6",
                  () -> frozen.forward(new float[60], 2, 6, null, null)));
        t.add(bad("Rnn.forward(float[], int, int, int[], RnnState)", "lengths[1] = 6 is outside [1, 5]",
                  () -> rnn.forward(new float[30], 2, 5, new int[] {5, 6}, null)));
        t.add(bad("Rnn.backward(float[], float[], float[])", "dOutput has 39 floats, shape [5, 2, 4] (T, B, F) needs 40",
                  () -> rnn.backward(new float[39], null, null)));
        t.add(bad("Rnn.backward(float[], float[], float[], boolean)", "dFinalHidden has 7 floats, shape [1, 2, 4] needs 8",
                  () -> rnn.backward(null, new float[7], null, false)));
        t.add(bad("RnnOutput.index(int, int, int)", "(t=5, b=0, f=0) is outside the output's shape [T=5, B=2, F=4]",
                  () -> out.index(5, 0, 0)));
        t.add(bad("new RnnState(int, int, int, boolean)", "[65536, 65536, 2] exceeds one Java array",
                  () -> new RnnState(65536, 65536, 2, false)));
        t.add(bad("RnnState.copyFrom(RnnState)", "cannot copy a state of shape [1, 1, 4] into [1, 2, 4]",
                  () -> rnn.newState(2).copyFrom(rnn.newState(1))));
        t.add(bad("RnnState.carryFrom(RnnOutput)", "cannot carry final states of shape [1, 2, 4]",
                  () -> new RnnState(1, 1, 4, true).carryFrom(out)));
        t.add(bad("new Dense(int, int, int, Rng)", "Dense output [maxRows, out] [100000, 100000] exceeds one Java array",
                  () -> new Dense(1, 100000, 100000, new Rng(1))));
        t.add(bad("new Dense(int, int, int, Rng, Kernels)", "kernels is null", () -> new Dense(1, 1, 1, new Rng(1), null)));
        t.add(bad("Dense.forward(float[], int)", "rows must be in [1, 10], got 11", () -> dense.forward(new float[44], 11)));
        t.add(bad("Dense.backward(float[])", "dy has 19 floats, shape [10, 2] needs 20", () -> dense.backward(new float[19])));
        t.add(bad("new Embedding(int, int, int, Rng)", "vocab, dim and maxTokens >= 1", () -> new Embedding(0, 3, 4, new Rng(1))));
        t.add(bad("Embedding.forward(int[], int)", "tokens[1] = 10 is outside [0, 10)", () -> embedding.forward(new int[] {0, 10}, 2)));
        t.add(bad("Embedding.backward(float[])", "dOut has 5 floats, shape [2, 3] needs 6", () -> embedding.backward(new float[5])));
        t.add(bad("new SequenceModel(Rnn, Dense, Readout)", "head takes 5 features but the recurrent stack outputs 4",
                  () -> new SequenceModel(lstm(), new Dense(5, 2, 10, new Rng(1)), Readout.LAST_STEP)));
        t.add(bad("SequenceModel.forward(float[], int, int, int[], RnnState)", "steps must be in [1, 5] (maxSteps), got 6",
                  () -> model.forward(new float[36], 2, 6, null, null)));
        t.add(bad("SequenceModel.maskStepsBefore(int)", "firstCounted must be >= 0, got -1", () -> model.maskStepsBefore(-1)));
        t.add(bad("SequenceModel.backward(float[])", "dy has 3 floats, shape [10, 2] needs 20", () -> model.backward(new float[3])));
        t.add(bad("Parameters.withValues(float[])", "values has 3 floats, the tensors [weight, bias] need 10",
                  () -> dense.parameters().withValues(new float[3])));
        t.add(bad("Parameters.tensorAt(int)", "index 99999 is outside the parameters'", () -> params.tensorAt(99999)));
        t.add(bad("Parameters.tensor(String)", "no parameter named 'weight_ih_l7'", () -> params.tensor("weight_ih_l7")));
        t.add(bad("Parameters.Builder.add(String, int[])", "non-positive dimension in [3, 0]", () -> new Parameters.Builder().add("w", 3, 0)));
        t.add(bad("new Parameters.Tensor(String, int, int[])", "offset must be >= 0, got -4", () -> new Parameters.Tensor("w", -4, new int[] {2})));
        t.add(bad("Rng.uniform(float, float)", "need finite lo <= hi, got [1.0, -1.0)", () -> new Rng(1).uniform(1, -1)));
        t.add(bad("Rng.nextInt(int)", "bound must be positive, got 0", () -> new Rng(1).nextInt(0)));
        t.add(bad("Initializers.pytorchDefault(Parameters, int, Rng)", "hidden must be >= 1, got 0",
                  () -> Initializers.pytorchDefault(params, 0, new Rng(1))));
        t.add(bad("Initializers.uniform(Parameters, String, float, Rng)", "bound must be finite and >= 0, got -1.0",
                  () -> Initializers.uniform(params, "bias_ih_l0", -1f, new Rng(1))));
        t.add(bad("Initializers.glorotUniform(Parameters, String, int, int, Rng)", "fanIn and fanOut must be >= 1, got 0, 16",
                  () -> Initializers.glorotUniform(params, "weight_ih_l0", 0, 16, new Rng(1))));
        t.add(bad("Initializers.constant(Parameters, String, float)", "no parameter named 'bias'",
                  () -> Initializers.constant(params, "bias", 0f)));
        t.add(bad("Initializers.orthogonalBlocks(Parameters, String, int, Rng)", "weight_ih_l0 has shape [16, 3], not [k * 4, 4]",
                  () -> Initializers.orthogonalBlocks(params, "weight_ih_l0", 4, new Rng(1))));
        t.add(bad("Initializers.forgetGateBias(Rnn, float)", "forget-gate bias is an LSTM setting, not GRU",
                  () -> Initializers.forgetGateBias(Rnn.gru(3, 4).build(), 1f)));

        // ---- train
        t.add(bad("new Adam(float)", "learning rate must be positive and finite, got 0.0", () -> new Adam(0f)));
        t.add(bad("Adam.adamW(float, float)", "weight decay must be >= 0, got -0.1", () -> Adam.adamW(1e-3f, -0.1f)));
        t.add(bad("new Adam(float, float, float, float, float, boolean)", "betas must be in [0, 1), got (1.0, 0.999)",
                  () -> new Adam(1e-3f, 1f, 0.999f, 1e-8f, 0f, false)));
        t.add(bad("new Sgd(float)", "learning rate must be positive and finite, got -1.0", () -> new Sgd(-1f)));
        t.add(bad("new Sgd(float, float)", "momentum must be in [0, 1), got 1.0", () -> new Sgd(0.1f, 1f)));
        t.add(bad("new Sgd(float, float, float, boolean)", "Nesterov momentum needs momentum > 0", () -> new Sgd(0.1f, 0f, 0f, true)));
        t.add(bad("Optimizer.setLearningRate(float)", "got NaN", () -> new Sgd(0.1f).setLearningRate(Float.NaN)));
        t.add(bad("Optimizer.step(List)", "this optimizer was set up for 2 modules, got 1", () -> {
            Sgd sgd = new Sgd(0.1f);
            sgd.step(model.parameters());
            sgd.step(List.of(params));
        }));
        t.add(bad("Clipping.clipByGlobalNorm(List, double)", "maxNorm must be > 0, got 0.0", () -> Clipping.clipByGlobalNorm(List.of(params), 0)));
        t.add(bad("Clipping.clipByValue(List, float)", "limit must be > 0, got -1.0", () -> Clipping.clipByValue(List.of(params), -1f)));
        t.add(bad("Loss.compute(float[], float[], int, int, float[], float[])", "logits has 5 floats, shape [3, 2] needs 6",
                  () -> Loss.MSE.compute(new float[5], new float[6], 3, 2, null, new float[6])));
        t.add(bad("new Trainer(SequenceModel, Loss, Optimizer)", "must not be null", () -> new Trainer(model(), null, new Adam(1e-3f))));
        t.add(bad("Trainer.clipByGlobalNorm(double)", "maxNorm must be > 0, got NaN", () -> trainer().clipByGlobalNorm(Double.NaN)));
        t.add(bad("Trainer.clipByValue(float)", "limit must be > 0, got 0.0", () -> trainer().clipByValue(0f)));
        t.add(bad("Trainer.step(float[], float[], int, int, int[])", "target has 19 floats, MSE over [10, 2] needs 20",
                  () -> trainer.step(new float[30], new float[19], 2, 5, null)));
        t.add(bad("Trainer.step(float[], float[], int, int, int[], RnnState)", "initial state has shape [1, 1, 4], expected [1, 2 or more, 4]",
                  () -> trainer.step(new float[30], new float[40], 2, 5, null, new RnnState(1, 1, 4, true))));
        t.add(bad("Trainer.evaluate(float[], float[], int, int, int[])", "batch must be in [1, 2] (maxBatch), got 5",
                  () -> trainer.evaluate(new float[75], new float[50], 5, 5, null)));
        t.add(bad("Trainer.stepTruncated(float[], float[], int, int, int, int, RnnState)", "need 1 <= k1 <= k2 with k2 a multiple of k1, got k1=2, k2=3",
                  () -> trainer.stepTruncated(new float[30], new float[40], 2, 4, 2, 3, null)));
        t.add(bad("Trainer.checkGradients(long, List, List)", "prefixes has 1 names for 2 modules",
                  () -> Trainer.checkGradients(1, model.parameters(), List.of("rnn."))));
        t.add(new Case("Checkpoint.save(Path, Trainer)", NoSuchFileException.class, "no-such-directory", () -> Checkpoint.save(MISSING, trainer)));
        t.add(new Case("Checkpoint.save(Path, Trainer, Map)", NoSuchFileException.class, "no-such-directory",
                       () -> Checkpoint.save(MISSING, trainer, Map.of())));
        t.add(new Case("Checkpoint.load(Path, Trainer)", NoSuchFileException.class, "no-such-directory", () -> Checkpoint.load(MISSING, trainer)));
        t.add(bad("Checkpoint.load(SafeTensors.Contents, Trainer)", "not a vecrnn checkpoint: metadata 'format' is missing",
                  () -> Checkpoint.load(weightsOnly, trainer)));

        // ---- fit, evaluate, predict
        float[][][] seqs = new float[4][3][3];
        float[][] rows = new float[4][2];
        Dataset data = Dataset.perSequence(seqs, rows);
        t.add(bad("Dataset.perSequence(float[][][], float[][])", "x has 4 sequences but y has 3 target rows",
                  () -> Dataset.perSequence(seqs, new float[3][2])));
        t.add(bad("Dataset.perStep(float[][][], float[][][])", "y[0] has 2 steps, x[0] has 3",
                  () -> Dataset.perStep(seqs, new float[4][2][2])));
        t.add(bad("Dataset.windows(float[], int, int, int)", "horizon must be >= 1, got 0", () -> Dataset.windows(new float[9], 1, 3, 0)));
        t.add(bad("Dataset.split(int)", "count must be in [1, 3], got 4", () -> data.split(4)));
        t.add(bad("Dataset.length(int)", "sequence 4 out of range [0, 4)", () -> data.length(4)));
        t.add(bad("Fit.epochs(int)", "epochs must be >= 1, got 0", () -> Fit.epochs(0)));
        t.add(bad("Fit.batchSize(int)", "batchSize must be >= 1, got 0", () -> Fit.epochs(1).batchSize(0)));
        t.add(bad("Fit.validation(Dataset)", "validationSplit is set already", () -> Fit.epochs(1).validationSplit(0.5).validation(data)));
        t.add(bad("Fit.validationSplit(double)", "validationSplit must be in (0, 1), got 1.0", () -> Fit.epochs(1).validationSplit(1)));
        t.add(bad("Fit.truncated(int, int)", "need 1 <= k1 <= k2 with k2 a multiple of k1, got k1=2, k2=3", () -> Fit.epochs(1).truncated(2, 3)));
        t.add(bad("Fit.metrics(Metric[])", "metrics contains null", () -> Fit.epochs(1).metrics(Metric.MSE, null)));
        t.add(bad("Fit.listener(FitListener)", "listener is null", () -> Fit.epochs(1).listener(null)));
        t.add(bad("Fit.progress(Fit.Progress)", "progress is null", () -> Fit.epochs(1).progress(null)));
        t.add(bad("Trainer.fit(Dataset, Fit)", "data has target rows of 3 values, MSE on a head of 2 outputs needs 2",
                  () -> trainer().fit(Dataset.perStep(new float[2][5][3], new float[2][5][3]), Fit.epochs(1))));
        t.add(bad("Trainer.evaluate(Dataset, int, Metric[])", "batchSize must be in [1, 2] (the stack's maxBatch), got 3",
                  () -> trainer().evaluate(Dataset.perStep(new float[2][5][3], new float[2][5][2]), 3)));
        t.add(bad("Evaluation.metric(Metric)", "MAE was not evaluated", () -> new Evaluation(1, Map.of()).metric(Metric.MAE)));
        t.add(bad("History.validationMetric(Metric)", "fit had no validation data",
                  () -> new History(List.of(new Epoch(1, 1, null, 0.1, 1)), false).validationMetric(Metric.MSE)));
        t.add(bad("EarlyStopping.patience(int)", "patience must be >= 1, got 0", () -> EarlyStopping.patience(0)));
        t.add(bad("EarlyStopping.minDelta(double)", "minDelta must be finite and >= 0, got -1.0", () -> EarlyStopping.patience(1).minDelta(-1)));
        t.add(bad("ModelCheckpoint.everySteps(Path, int)", "steps must be >= 1, got 0", () -> ModelCheckpoint.everySteps(MISSING, 0)));
        t.add(bad("ModelCheckpoint.best(Path)", "path is null", () -> ModelCheckpoint.best(null)));
        t.add(bad("LearningRateSchedule.of(IntToDoubleFunction)", "rateOfEpoch is null", () -> LearningRateSchedule.of(null)));
        t.add(bad("LearningRateSchedule.stepDecay(double, double, int)", "factor must be in (0, 1], got 2.0",
                  () -> LearningRateSchedule.stepDecay(0.1, 2, 1)));
        t.add(bad("LearningRateSchedule.epochStarted(Trainer, int, int, int)", "the schedule gives epoch 3 the learning rate NaN",
                  () -> LearningRateSchedule.of(epoch -> Double.NaN).epochStarted(trainer(), 3, 5, 10)));
        t.add(bad("SequenceModel.predict(float[][][])", "x[1] has 6 steps, the stack takes 1 to 5 (maxSteps)",
                  () -> model().predict(new float[][][] {new float[2][3], new float[6][3]})));

        t.add(bad("FrozenSequenceModel.forward(float[], int, int, int[], RnnState)", "batch must be in [1, 2] (maxBatch), got 3",
                  () -> model().freeze().forward(new float[45], 3, 5, null, null)));
        t.add(bad("FrozenSequenceModel.predict(float[][][])", "x[0][1] has 2 features, the stack takes 3",
                  () -> model().freeze().predict(new float[][][] {{new float[3], new float[2]}})));
        t.add(new Case("ModelFile.save(Path, SequenceModel)", NoSuchFileException.class, "no-such-directory", () -> ModelFile.save(MISSING, model())));
        t.add(new Case("ModelFile.load(Path)", NoSuchFileException.class, "no-such-directory", () -> ModelFile.load(MISSING)));
        t.add(bad("ModelFile.load(Path, Kernels)", "kernels is null", () -> ModelFile.load(MISSING, null)));
        t.add(new Case("ModelFile.load(SafeTensors.Contents, Kernels)", InvalidWeightsException.class,
                       "no model architecture in this file", () -> ModelFile.load(weightsOnly, K)));

        t.add(bad("Parameters.get(String)", "no parameter named 'weight'; the parameters are [weight_ih_l0", () -> lstm().parameters().get("weight")));
        t.add(bad("Parameters.set(String, float[])", "tensor bias_ih_l0 [16] takes 16 values, got 3",
                  () -> lstm().parameters().set("bias_ih_l0", new float[3])));
        t.add(bad("Parameters.gradient(String)", "no parameter named 'bias'", () -> lstm().parameters().gradient("bias")));

        float[] flat = new float[5 * 2 * 3];
        t.add(bad("new SequenceBatch(float[], int, int, int, boolean, int[])", "data has 30 floats, [steps 4, batch 2, features 3] is 24",
                  () -> new SequenceBatch(flat, 4, 2, 3, false, null)));
        t.add(bad("SequenceBatch.timeMajor(float[], int, int, int)", "steps, batch and features must be >= 1, got 0, 2, 3",
                  () -> SequenceBatch.timeMajor(flat, 0, 2, 3)));
        t.add(bad("SequenceBatch.batchFirst(float[], int, int, int)", "data has 30 floats, [batch 2, steps 4, features 3] is 24",
                  () -> SequenceBatch.batchFirst(flat, 2, 4, 3)));
        t.add(bad("SequenceBatch.withLengths(int[])", "lengths[0] = 0, not in [1, 5]", () -> SequenceBatch.timeMajor(flat, 5, 2, 3).withLengths(new int[2])));
        t.add(bad("Rnn.forward(SequenceBatch, RnnState)", "the batch is batch-first but the stack reads time-major input",
                  () -> lstm().forward(SequenceBatch.batchFirst(flat, 2, 5, 3), null)));
        t.add(bad("FrozenRnn.forward(SequenceBatch, RnnState)", "the batch has 1 features per step, the stack takes 3",
                  () -> lstm().freeze().forward(SequenceBatch.timeMajor(flat, 5, 6, 1), null)));
        t.add(bad("SequenceModel.forward(SequenceBatch, RnnState)", "the batch is batch-first",
                  () -> model().forward(SequenceBatch.batchFirst(flat, 2, 5, 3), null)));
        t.add(bad("FrozenSequenceModel.forward(SequenceBatch, RnnState)", "batch must be in [1, 2] (maxBatch), got 5",
                  () -> model().freeze().forward(SequenceBatch.timeMajor(flat, 2, 5, 3), null)));

        t.add(bad("new SequenceModel(Embedding, Rnn, Dense, Readout)", "the embedding takes at most 3 tokens a call, the stack up to 10",
                  () -> new SequenceModel(new Embedding(5, 3, 3, new Rng(1)), lstm(), new Dense(4, 2, 10, new Rng(1)), Readout.PER_STEP)));

        t.add(bad("Parameters.Builder.addConstant(String, int[])", "tensor b has a non-positive dimension in [0]",
                  () -> new Parameters.Builder().addConstant("b", 0)));

        // ---- io
        t.add(new Case("SafeTensors.read(Path)", NoSuchFileException.class, "no-such-directory", () -> SafeTensors.read(MISSING)));
        t.add(new Case("SafeTensors.readMapped(Path, Function)", NoSuchFileException.class, "no-such-directory",
                       () -> SafeTensors.readMapped(MISSING, contents -> contents)));
        t.add(bad("SafeTensors.parse(byte[])", "file is 3 bytes, shorter than the 8-byte header length", () -> SafeTensors.parse(new byte[3])));
        SafeTensors.FloatTensor one = new SafeTensors.FloatTensor("w", new int[] {2}, new float[2], 0);
        t.add(bad("SafeTensors.toBytes(List, Map)", "duplicate tensor name w", () -> SafeTensors.toBytes(List.of(one, one), Map.of())));
        t.add(bad("SafeTensors.write(Path, List, Map)", "duplicate tensor name w", () -> SafeTensors.write(MISSING, List.of(one, one), Map.of())));
        t.add(bad("new SafeTensors.FloatTensor(String, int[], float[], int)", "tensor w [3] at offset 1 runs past its array of 3",
                  () -> new SafeTensors.FloatTensor("w", new int[] {3}, new float[3], 1)));
        t.add(bad("new SafeTensors.Tensor(String, SafeTensors.DType, long[], ByteBuffer)", "tensor 'w' has 8 bytes but F32 [3] needs 12",
                  () -> new SafeTensors.Tensor("w", SafeTensors.DType.F32, new long[] {3}, ByteBuffer.allocate(8))));
        t.add(bad("SafeTensors.Contents.get(String)", "no tensor named 'nope'", () -> weightsOnly.get("nope")));
        t.add(new Case("Weights.save(Path, Parameters)", NoSuchFileException.class, "no-such-directory", () -> Weights.save(MISSING, params)));
        t.add(new Case("Weights.save(Path, Map, Map)", NoSuchFileException.class, "no-such-directory",
                       () -> Weights.save(MISSING, model.namedParameters(), Map.of())));
        t.add(new Case("Weights.load(Path, Parameters)", NoSuchFileException.class, "no-such-directory", () -> Weights.load(MISSING, params)));
        t.add(new Case("Weights.load(Path, Map)", NoSuchFileException.class, "no-such-directory",
                       () -> Weights.load(MISSING, model.namedParameters())));
        t.add(bad("Weights.load(SafeTensors.Contents, Map)", "missing tensor 'weight_ih_l0' [16, 3]",
                  () -> Weights.load(weightsOnly, Map.of("", params))));
        t.add(bad("Weights.check(SafeTensors.Contents, Map)", "no tensor named", () -> {
            List<String> problems = Weights.check(weightsOnly, Map.of("", params));
            throw new IllegalArgumentException(problems.isEmpty() ? "no problems found" : "no tensor named: " + problems);
        }));
        t.add(bad("Onnx.export(Rnn, boolean)", "no layer normalization", () -> Onnx.export(Rnn.lstm(3, 4).layerNorm(true).build(), false)));
        SequenceModel bidirectionalLast = new SequenceModel(Rnn.lstm(3, 4).bidirectional(true).build(), new Dense(8, 1, 1, new Rng(1)),
                                                            Readout.LAST_STEP);
        t.add(bad("Onnx.export(SequenceModel, boolean)", "needs one direction", () -> Onnx.export(bidirectionalLast, false)));
        t.add(bad("Onnx.write(SequenceModel, boolean, Path)", "needs one direction", () -> Onnx.write(bidirectionalLast, false, MISSING)));
        t.add(bad("Onnx.write(Rnn, boolean, Path)", "no layer normalization",
                  () -> Onnx.write(Rnn.lstm(3, 4).layerNorm(true).build(), false, MISSING)));
        t.add(bad("Layouts.toOnnx(Rnn, int)", "layer 1 out of range [0, 1)", () -> Layouts.toOnnx(rnn, 1)));
        t.add(bad("Layouts.fromOnnx(Rnn, int, float[], float[], float[], float[])", "W has 47 values, expected shape",
                  () -> Layouts.fromOnnx(rnn, 0, new float[47], new float[64], new float[32], null)));
        t.add(bad("Layouts.toKeras(Rnn, int, boolean)", "reverse direction requested but", () -> Layouts.toKeras(rnn, 0, true)));
        t.add(bad("Layouts.fromKeras(Rnn, int, boolean, float[], float[], float[])", "kernel has 3 values, expected shape",
                  () -> Layouts.fromKeras(rnn, 0, false, new float[3], new float[64], new float[16])));
        return t;
    }

    @Test
    void everyRowIsRefusedWithAMessageNamingTheProblem() {
        List<String> wrong = new ArrayList<>();
        for (Case c : cases()) {
            try {
                c.call().execute();
                wrong.add(c.method() + ": no exception");
            } catch (Throwable e) {
                if (!c.expected().isInstance(e)) wrong.add(c.method() + ": " + e + ", expected " + c.expected().getSimpleName());
                else if (e.getMessage() == null || !e.getMessage().contains(c.fragment())) {
                    wrong.add(c.method() + ": message '" + e.getMessage() + "' lacks '" + c.fragment() + "'");
                }
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " rows failed:\n" + String.join("\n", wrong));
    }

    @Test
    void theTableCoversEveryPublicMethod() throws Exception {
        TreeSet<String> api = new TreeSet<>();
        api.addAll(publicApi(Kernels.class));
        api.addAll(publicApi(Rnn.class));
        TreeMap<String, Integer> rows = new TreeMap<>();
        for (Case c : cases()) rows.merge(c.method(), 1, Integer::sum);
        TreeSet<String> missing = new TreeSet<>(api);
        missing.removeAll(rows.keySet());
        missing.removeAll(NOTHING_TO_REFUSE.keySet());
        TreeSet<String> stale = new TreeSet<>(rows.keySet());
        stale.addAll(NOTHING_TO_REFUSE.keySet());
        stale.removeAll(api);
        assertEquals(new TreeSet<>(), missing, "public methods without a bad-input row or a reason");
        assertEquals(new TreeSet<>(), stale, "rows naming methods that are not public API (renamed?)");
        System.out.printf("public API: %d methods and constructors with parameters; %d bad-input rows; %d without anything to refuse%n",
                          api.size(), cases().size(), NOTHING_TO_REFUSE.size());
    }

    /** "Class.method(Type, ...)" / "new Class(Type, ...)" for every public member with parameters of the module's exported packages. */
    static List<String> publicApi(Class<?> anchor) throws IOException, ClassNotFoundException {
        Module module = anchor.getModule();
        assertTrue(module.isNamed(), "tests run on the module path");
        List<String> out = new ArrayList<>();
        var reference = module.getLayer().configuration().findModule(module.getName()).orElseThrow().reference();
        try (ModuleReader reader = reference.open()) {
            for (String resource : reader.list().toList()) {
                if (!resource.endsWith(".class") || resource.endsWith("module-info.class")) continue;
                String name = resource.substring(0, resource.length() - 6).replace('/', '.');
                String pkg = name.substring(0, name.lastIndexOf('.'));
                if (!module.isExported(pkg)) continue;
                Class<?> c = Class.forName(name, false, anchor.getClassLoader());
                if (!isPublic(c) || c.getProtectionDomain().getCodeSource().getLocation().getPath().contains("test-classes")) continue;
                String owner = name.substring(pkg.length() + 1).replace('$', '.');
                for (var m : c.getDeclaredMethods()) {
                    if (!Modifier.isPublic(m.getModifiers()) || m.isSynthetic() || m.isBridge() || m.getParameterCount() == 0) continue;
                    if (m.getName().equals("equals") || (c.isEnum() && m.getName().equals("valueOf"))) continue;
                    out.add(owner + "." + m.getName() + "(" + types(m.getParameterTypes()) + ")");
                }
                for (var k : c.getDeclaredConstructors()) {
                    if (Modifier.isPublic(k.getModifiers()) && k.getParameterCount() > 0) {
                        out.add("new " + owner + "(" + types(k.getParameterTypes()) + ")");
                    }
                }
            }
        }
        return out;
    }

    static boolean isPublic(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) return false;
        }
        return true;
    }

    static String types(Class<?>[] types) {
        return Arrays.stream(types).map(t -> t.getName().startsWith("io.github.vecrnn")
                ? t.getName().substring(t.getPackageName().length() + 1).replace('$', '.') : t.getSimpleName())
                .collect(Collectors.joining(", "));
    }
}
