package io.github.vecrnn.train;

import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.cells.SequenceModel;
import io.github.vecrnn.io.InvalidWeightsException;
import io.github.vecrnn.io.SafeTensors;
import io.github.vecrnn.io.Weights;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a training run needs to continue exactly where it stopped, in one safetensors file:
 * <ul>
 *   <li>the weights, under the model's PyTorch-style names ({@code rnn.weight_ih_l0}, {@code head.bias});</li>
 *   <li>the optimizer's state per tensor ({@code optimizer.exp_avg.rnn.weight_ih_l0}), its step count,
 *       learning rate and hyperparameters;</li>
 *   <li>the dropout generator's state and the trainer's step count;</li>
 *   <li>the caller's own strings (data position, epoch, its own generators' states) under {@code user.}.</li>
 * </ul>
 * Resuming from a checkpoint into a trainer built the same way (same architecture, optimizer kind and
 * hyperparameters) and feeding the same batches gives bitwise the same run as never stopping, on the same
 * vector width and thread count.
 *
 * <p>Saving is atomic: the file is written beside the target, forced to disk and renamed over it, so a
 * crash during a save leaves the previous checkpoint intact (a stray {@code *.tmp} file may remain).
 * Loading checks everything first (format, architecture, optimizer kind and settings, every tensor's
 * shape, every number) and changes nothing when any check fails.
 *
 * <p>Not included: the trainer's clipping settings (configuration, not state) and any
 * {@link io.github.vecrnn.cells.RnnState} the caller carries between calls.
 */
public final class Checkpoint {
    /** The value of the {@code format} metadata entry. */
    public static final String FORMAT = "vecrnn.checkpoint/1";
    private static final String OPTIMIZER = "optimizer.";
    private static final String USER = "user.";

    private Checkpoint() {
    }

    /** Saves the trainer's model, optimizer, dropout generator and step count. */
    public static void save(Path path, Trainer trainer) throws IOException {
        save(path, trainer, Map.of());
    }

    /** As {@link #save(Path, Trainer)}, plus the caller's strings, returned by {@link #load}. */
    public static void save(Path path, Trainer trainer, Map<String, String> user) throws IOException {
        SequenceModel model = trainer.model();
        Optimizer optimizer = trainer.optimizer();
        optimizer.setUp(model.parameters());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("trainer.step", Long.toString(trainer.steps()));
        meta.put("rng.dropout", Long.toString(model.rnn().dropoutRng().state()));
        meta.put(OPTIMIZER + "steps", Long.toString(optimizer.steps()));
        meta.put(OPTIMIZER + "learning_rate", Float.toString(optimizer.learningRate()));
        for (Map.Entry<String, String> e : optimizer.settings().entrySet()) meta.put(OPTIMIZER + e.getKey(), e.getValue());
        for (Map.Entry<String, String> e : user.entrySet()) meta.put(USER + e.getKey(), e.getValue());

        SafeTensors.write(path, Weights.tensors(arrays(model, optimizer)), meta);
    }

    /**
     * Restores a checkpoint into a trainer built like the one that saved it; returns the caller's strings.
     * A file that does not match (another architecture, optimizer or format) or is corrupt is refused with
     * an {@link InvalidWeightsException} giving the reasons, and the trainer is left as it was.
     */
    public static Map<String, String> load(Path path, Trainer trainer) throws IOException {
        SafeTensors.Contents contents = SafeTensors.read(path);
        try {
            return load(contents, trainer);
        } catch (InvalidWeightsException e) {
            throw new InvalidWeightsException(path + ": " + e.getMessage());
        }
    }

    /** As {@link #load(Path, Trainer)}, from parsed contents. */
    public static Map<String, String> load(SafeTensors.Contents contents, Trainer trainer) {
        Map<String, String> meta = contents.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new InvalidWeightsException("not a vecrnn checkpoint: metadata 'format' is " + quoted(meta.get("format"))
                    + ", expected \"" + FORMAT + "\"");
        }
        SequenceModel model = trainer.model();
        Optimizer optimizer = trainer.optimizer();
        Map<String, Parameters> modules = model.namedParameters();
        List<String> problems = new ArrayList<>(Weights.check(contents, modules));
        long step = nonNegative(meta, "trainer.step", problems);
        long optimizerSteps = nonNegative(meta, OPTIMIZER + "steps", problems);
        long rngState = number(meta, "rng.dropout", problems);
        float learningRate = Float.NaN;
        String lr = meta.get(OPTIMIZER + "learning_rate");
        try {
            learningRate = Float.parseFloat(lr == null ? "" : lr);
        } catch (NumberFormatException e) {
            problems.add("metadata 'optimizer.learning_rate' is " + quoted(lr) + ", not a number");
        }
        if (!Float.isNaN(learningRate) && !(learningRate > 0f && Float.isFinite(learningRate))) {
            problems.add("metadata 'optimizer.learning_rate' is " + lr + ", not positive and finite");
        }
        Map<String, String> saved = new TreeMap<>(), current = new TreeMap<>(optimizer.settings());
        for (Map.Entry<String, String> e : meta.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(OPTIMIZER) && !key.equals(OPTIMIZER + "steps") && !key.equals(OPTIMIZER + "learning_rate")) {
                saved.put(key.substring(OPTIMIZER.length()), e.getValue());
            }
        }
        if (!saved.equals(current)) {
            problems.add("the checkpoint's optimizer is " + saved + ", this trainer's is " + current);
        }

        if (!problems.isEmpty()) throw refused(problems);

        // The optimizer's state is loaded like weights: one module view per slot and module, named
        // "optimizer.<slot>.<module prefix>", checked and copied together with the weights, all or nothing.
        optimizer.setUp(model.parameters()); // zero state, as before a first step: harmless if the load is refused
        Map<String, Parameters> arrays = arrays(model, optimizer);
        for (String name : contents.tensors().keySet()) {
            if (name.startsWith(OPTIMIZER) && arrays.keySet().stream().noneMatch(name::startsWith)) {
                problems.add("unexpected tensor '" + name + "'");
            }
        }
        if (!problems.isEmpty()) throw refused(problems);
        Weights.load(contents, arrays);
        // After the arrays nothing can fail.
        optimizer.restoreSteps(optimizerSteps);
        optimizer.setLearningRate(learningRate);
        model.rnn().dropoutRng().setState(rngState);
        trainer.restoreSteps(step);
        Map<String, String> user = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : meta.entrySet()) {
            if (e.getKey().startsWith(USER)) user.put(e.getKey().substring(USER.length()), e.getValue());
        }
        return user;
    }

    /**
     * What a checkpoint holds as tensors: the model's modules under their prefixes, then each optimizer
     * slot laid over each module, as "optimizer.exp_avg.rnn." etc. (slots in name order).
     */
    private static Map<String, Parameters> arrays(SequenceModel model, Optimizer optimizer) {
        Map<String, Parameters> modules = model.namedParameters();
        Map<String, Parameters> arrays = new LinkedHashMap<>(modules);
        for (Map.Entry<String, float[][]> slot : new TreeMap<>(optimizer.state()).entrySet()) {
            int k = 0;
            for (Map.Entry<String, Parameters> m : modules.entrySet()) {
                arrays.put(OPTIMIZER + slot.getKey() + "." + m.getKey(), m.getValue().withValues(slot.getValue()[k++]));
            }
        }
        return arrays;
    }

    private static InvalidWeightsException refused(List<String> problems) {
        return new InvalidWeightsException("checkpoint refused, nothing loaded: " + String.join("; ", problems));
    }

    private static String quoted(String s) {
        return s == null ? "missing" : "\"" + s + "\"";
    }

    private static long number(Map<String, String> meta, String key, List<String> problems) {
        String v = meta.get(key);
        try {
            return Long.parseLong(v == null ? "" : v);
        } catch (NumberFormatException e) {
            problems.add("metadata '" + key + "' is " + quoted(v) + ", not an integer");
            return 0;
        }
    }

    private static long nonNegative(Map<String, String> meta, String key, List<String> problems) {
        long v = number(meta, key, problems);
        if (v < 0) problems.add("metadata '" + key + "' is " + v + ", negative");
        return v;
    }
}
