package io.github.vecrnn.io;

import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.Embedding;
import io.github.vecrnn.cells.Merge;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.SequenceModel;
import io.github.vecrnn.kernel.Kernels;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A whole {@link SequenceModel} in one safetensors file: the weights under their PyTorch names
 * ({@code rnn.weight_ih_l0}, {@code head.weight}) and the architecture in the header's metadata, so that
 * loading needs no code (Keras's {@code model.save} and {@code load_model}):
 *
 * <pre>{@code
 * ModelFile.save(Path.of("model.safetensors"), model);
 * SequenceModel model = ModelFile.load(Path.of("model.safetensors"));   // another JVM: the same bits
 * }</pre>
 *
 * The metadata: {@code format} = {@value #FORMAT}, then {@code model.cell}, {@code model.input_size},
 * {@code model.hidden_size}, {@code model.layers}, {@code model.bidirectional}, {@code model.merge},
 * {@code model.batch_first}, {@code model.max_batch}, {@code model.max_steps}, {@code model.linear_before_reset},
 * {@code model.peepholes}, {@code model.input_forget}, {@code model.layer_norm}, {@code model.bias}, {@code model.dropout},
 * {@code model.head_out_features} and {@code model.readout}, and for a token model
 * {@code model.embedding_vocabulary}, each in the exact form {@link #save} writes.
 *
 * <p>Loading checks every entry and the shapes of the tensors it names before it builds anything, then loads
 * the weights all or nothing ({@link Weights}); a file that does not match is refused with an
 * {@link InvalidWeightsException} giving the reasons. A weights file without the architecture (saved by
 * {@link Weights#save}, or by PyTorch) still loads into a model built in code, with {@link Weights#load}.
 */
public final class ModelFile {
    /** The value of the {@code format} metadata entry. */
    public static final String FORMAT = "vecrnn.model/1";
    private static final String M = "model.";
    private static final Pattern COUNT = Pattern.compile("[1-9][0-9]{0,8}");

    private ModelFile() {
    }

    /** Writes the model's weights and architecture to path, atomically (see {@link SafeTensors#write}). */
    public static void save(Path path, SequenceModel model) throws IOException {
        Weights.save(path, model.namedParameters(), architecture(model));
    }

    /** The metadata entries {@link #save} writes for this model. */
    static Map<String, String> architecture(SequenceModel model) {
        Rnn rnn = model.rnn();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put(M + "cell", rnn.kind().name());
        meta.put(M + "input_size", Integer.toString(rnn.inputSize()));
        meta.put(M + "hidden_size", Integer.toString(rnn.hiddenSize()));
        meta.put(M + "layers", Integer.toString(rnn.layers()));
        meta.put(M + "bidirectional", Boolean.toString(rnn.directions() == 2));
        meta.put(M + "merge", rnn.merge().name());
        meta.put(M + "batch_first", Boolean.toString(rnn.batchFirst()));
        meta.put(M + "max_batch", Integer.toString(rnn.maxBatch()));
        meta.put(M + "max_steps", Integer.toString(rnn.maxSteps()));
        meta.put(M + "linear_before_reset", Boolean.toString(rnn.linearBeforeReset()));
        meta.put(M + "peepholes", Boolean.toString(rnn.peepholes()));
        meta.put(M + "input_forget", Boolean.toString(rnn.inputForget()));
        meta.put(M + "layer_norm", Boolean.toString(rnn.layerNorm()));
        meta.put(M + "bias", Boolean.toString(rnn.bias()));
        meta.put(M + "dropout", Float.toString(rnn.dropout()));
        meta.put(M + "head_out_features", Integer.toString(model.head().outFeatures()));
        meta.put(M + "readout", model.readout().name());
        if (model.embedding() != null) meta.put(M + "embedding_vocabulary", Integer.toString(model.embedding().vocabularySize()));
        return meta;
    }

    /** Builds the model a file describes and loads its weights, computing with {@link Kernels#preferred()}. */
    public static SequenceModel load(Path path) throws IOException {
        return load(path, Kernels.preferred());
    }

    /** As {@link #load(Path)}, computing with the given kernels (e.g. a thread count). */
    public static SequenceModel load(Path path, Kernels kernels) throws IOException {
        if (kernels == null) throw new IllegalArgumentException("kernels is null");
        return SafeTensors.readMapped(path, contents -> load(contents, kernels));
    }

    /** As {@link #load(Path, Kernels)}, from parsed contents. */
    public static SequenceModel load(SafeTensors.Contents contents, Kernels kernels) {
        if (kernels == null) throw new IllegalArgumentException("kernels is null");
        Map<String, String> meta = contents.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new InvalidWeightsException("no model architecture in this file: metadata 'format' is "
                    + (meta.get("format") == null ? "missing" : "\"" + meta.get("format") + "\"") + ", expected \"" + FORMAT
                    + "\"; for weights alone, build the model in code and use Weights.load");
        }
        List<String> problems = new ArrayList<>();
        CellKind cell = choice(meta, "cell", CellKind.class, problems);
        int input = count(meta, "input_size", problems), hidden = count(meta, "hidden_size", problems);
        int layers = count(meta, "layers", problems), maxBatch = count(meta, "max_batch", problems);
        int maxSteps = count(meta, "max_steps", problems), out = count(meta, "head_out_features", problems);
        boolean bidirectional = flag(meta, "bidirectional", problems), batchFirst = flag(meta, "batch_first", problems);
        boolean linearBeforeReset = flag(meta, "linear_before_reset", problems), peepholes = flag(meta, "peepholes", problems);
        boolean inputForget = flag(meta, "input_forget", problems), layerNorm = flag(meta, "layer_norm", problems);
        boolean bias = flag(meta, "bias", problems);
        Merge merge = choice(meta, "merge", Merge.class, problems);
        Readout readout = choice(meta, "readout", Readout.class, problems);
        float dropout = dropout(meta, problems);
        boolean embedded = meta.containsKey(M + "embedding_vocabulary");
        int vocabulary = embedded ? count(meta, "embedding_vocabulary", problems) : 0;
        if (problems.isEmpty()) {   // the tensors the sizes name must be in the file with those shapes: nothing is built for a claim
            long gates = (long) cell.gates() * hidden;
            long features = readout == Readout.FINAL_STATE ? (bidirectional ? 2L : 1L) * hidden
                    : bidirectional && merge == Merge.CONCAT ? 2L * hidden : hidden;
            expectShape(contents, "rnn.weight_ih_l0", new long[] {gates, input}, problems);
            expectShape(contents, "rnn.weight_hh_l0", new long[] {gates, hidden}, problems);
            expectShape(contents, "head.weight", new long[] {out, features}, problems);
            if (layers > 1) expectShape(contents, "rnn.weight_ih_l" + (layers - 1), new long[] {gates, features}, problems);
            if (embedded) expectShape(contents, "embedding.weight", new long[] {vocabulary, input}, problems);
        }
        if (!problems.isEmpty()) throw new InvalidWeightsException("model refused, nothing built: " + String.join("; ", problems));

        SequenceModel model;
        try {
            Rnn rnn = Rnn.builder(cell, input, hidden).layers(layers).bidirectional(bidirectional).merge(merge)
                    .batchFirst(batchFirst).maxBatch(maxBatch).maxSteps(maxSteps).linearBeforeReset(linearBeforeReset)
                    .peepholes(peepholes).inputForget(inputForget).layerNorm(layerNorm).bias(bias).dropout(dropout).kernels(kernels).build();
            int rows = readout == Readout.PER_STEP ? maxSteps * maxBatch : maxBatch;
            Embedding embedding = embedded ? new Embedding(vocabulary, input, maxSteps * maxBatch, new Rng(0)) : null;
            model = new SequenceModel(embedding, rnn, new Dense(SequenceModel.features(rnn, readout), out, rows, new Rng(0), kernels), readout);
        } catch (IllegalArgumentException e) {
            throw new InvalidWeightsException("model refused, nothing built: " + e.getMessage());
        }
        Weights.load(contents, model.namedParameters());
        return model;
    }

    private static String entry(Map<String, String> meta, String key, List<String> problems) {
        String value = meta.get(M + key);
        if (value == null) problems.add("metadata '" + M + key + "' is missing");
        return value;
    }

    private static int count(Map<String, String> meta, String key, List<String> problems) {
        String value = entry(meta, key, problems);
        if (value == null) return 1;
        if (!COUNT.matcher(value).matches()) {
            problems.add("metadata '" + M + key + "' is \"" + value + "\", not a count from 1 to 999999999");
            return 1;
        }
        return Integer.parseInt(value);
    }

    private static boolean flag(Map<String, String> meta, String key, List<String> problems) {
        String value = entry(meta, key, problems);
        if (value == null || value.equals("false")) return false;
        if (value.equals("true")) return true;
        problems.add("metadata '" + M + key + "' is \"" + value + "\", not true or false");
        return false;
    }

    private static <E extends Enum<E>> E choice(Map<String, String> meta, String key, Class<E> type, List<String> problems) {
        String value = entry(meta, key, problems);
        if (value == null) return null;
        for (E e : type.getEnumConstants()) if (e.name().equals(value)) return e;
        problems.add("metadata '" + M + key + "' is \"" + value + "\", not one of " + Arrays.toString(type.getEnumConstants()));
        return null;
    }

    private static float dropout(Map<String, String> meta, List<String> problems) {
        String value = entry(meta, "dropout", problems);
        if (value == null) return 0f;
        try {
            float p = Float.parseFloat(value);
            if (Float.toString(p).equals(value) && p >= 0f && p < 1f) return p;
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add("metadata '" + M + "dropout' is \"" + value + "\", not a probability in [0, 1) as save writes it");
        return 0f;
    }

    private static void expectShape(SafeTensors.Contents contents, String name, long[] shape, List<String> problems) {
        SafeTensors.Tensor t = contents.tensors().get(name);
        if (t == null) {
            problems.add("tensor '" + name + "' " + Arrays.toString(shape) + " that the architecture needs is missing");
        } else if (!Arrays.equals(t.shape(), shape)) {
            problems.add("tensor '" + name + "' is " + Arrays.toString(t.shape()) + ", the architecture needs "
                    + Arrays.toString(shape));
        }
    }
}
