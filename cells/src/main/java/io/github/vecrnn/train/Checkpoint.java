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
import java.util.regex.Pattern;

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
     * an {@link InvalidWeightsException} giving the reasons, and the trainer is left as it was. The file is
     * mapped, not read whole ({@link SafeTensors#readMapped}).
     */
    public static Map<String, String> load(Path path, Trainer trainer) throws IOException {
        return SafeTensors.readMapped(path, contents -> load(contents, trainer));
    }

    /**
     * As {@link #load(Path, Trainer)}, from parsed contents. Every value is checked before anything is
     * changed: the format, the weights' names, shapes and finiteness, the optimizer's kind and settings,
     * its state's names, shapes and values (finite; Adam's second moment also >= 0), the step counts, the
     * learning rate and the generator's state, each number in the exact form {@link #save} writes.
     */
    public static Map<String, String> load(SafeTensors.Contents contents, Trainer trainer) {
        Map<String, String> meta = contents.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new InvalidWeightsException("not a vecrnn checkpoint: metadata 'format' is " + quoted(meta.get("format"))
                    + ", expected \"" + FORMAT + "\"");
        }
        SequenceModel model = trainer.model();
        Optimizer optimizer = trainer.optimizer();
        List<Parameters> params = model.parameters();
        List<String> problems = new ArrayList<>(Weights.check(contents, model.namedParameters()));
        long step = count(meta, "trainer.step", problems);
        long optimizerSteps = count(meta, OPTIMIZER + "steps", problems);
        long rngState = integer(meta, "rng.dropout", problems);
        float learningRate = learningRate(meta, problems);
        Map<String, String> saved = new TreeMap<>(), current = new TreeMap<>(optimizer.settings());
        for (Map.Entry<String, String> e : meta.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(OPTIMIZER) && !key.equals(OPTIMIZER + "steps") && !key.equals(OPTIMIZER + "learning_rate")) {
                saved.put(key.substring(OPTIMIZER.length()), e.getValue());
            }
        }
        if (!saved.equals(current)) {
            problems.add("the checkpoint's optimizer is " + saved + ", this trainer's is " + current);
        } else {
            checkOptimizerState(contents, model, optimizer, problems);
        }
        if (!optimizer.servesModules(params.size())) {
            problems.add("this trainer's optimizer was set up for other modules than the model's " + params.size());
        }
        if (!problems.isEmpty()) {
            throw new InvalidWeightsException("checkpoint refused, nothing loaded: " + String.join("; ", problems));
        }

        // Everything is checked: from here nothing can fail.
        optimizer.setUp(params);
        Weights.load(contents, arrays(model, optimizer));
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
     * The optimizer state's tensors, checked against the model's modules (one per slot and module, named
     * "optimizer.<slot>.<module prefix><tensor>") and against what the optimizer allows of their values,
     * before the optimizer has any state (staged in scratch arrays); unknown "optimizer." tensors are problems.
     */
    private static void checkOptimizerState(SafeTensors.Contents contents, SequenceModel model, Optimizer optimizer,
                                            List<String> problems) {
        Map<String, Parameters> slots = new LinkedHashMap<>();
        for (String slot : optimizer.stateNames()) {
            for (Map.Entry<String, Parameters> m : model.namedParameters().entrySet()) {
                Parameters module = m.getValue();
                slots.put(OPTIMIZER + slot + "." + m.getKey(), module.withValues(new float[module.size()]));
            }
        }
        List<String> slotProblems = Weights.check(contents, slots);
        problems.addAll(slotProblems);
        for (String name : contents.tensors().keySet()) {
            if (name.startsWith(OPTIMIZER) && slots.keySet().stream().noneMatch(name::startsWith)) {
                problems.add("unexpected tensor '" + name + "'");
            }
        }
        if (!slotProblems.isEmpty()) return;
        for (String slot : optimizer.stateNames()) {
            for (Map.Entry<String, SafeTensors.Tensor> e : contents.tensors().entrySet()) {
                if (!e.getKey().startsWith(OPTIMIZER + slot + ".")) continue;
                float[] values = e.getValue().toFloatArray();
                for (int i = 0; i < values.length; i++) {
                    if (!optimizer.isValidState(slot, values[i])) {
                        problems.add("optimizer state '" + e.getKey() + "' holds " + values[i] + " at index " + i + "; "
                                + slot + " must be " + optimizer.stateRequirement(slot));
                        break;
                    }
                }
            }
        }
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

    private static String quoted(String s) {
        return s == null ? "missing" : "\"" + s + "\"";
    }

    /** The integers save writes: an optional '-', digits, no leading zero, no '+', no spaces. */
    private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]*)");
    /** The decimal form Float.toString writes (digits, '.', digits, an optional exponent): no NaN, no hex, no suffix. */
    private static final Pattern DECIMAL = Pattern.compile("-?(0|[1-9][0-9]*)\\.[0-9]+(E-?[0-9]+)?");

    private static long integer(Map<String, String> meta, String key, List<String> problems) {
        String v = meta.get(key);
        if (v == null || !INTEGER.matcher(v).matches()) {
            problems.add("metadata '" + key + "' is " + quoted(v) + ", not an integer");
            return 0;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            problems.add("metadata '" + key + "' is " + quoted(v) + ", outside the range of a 64-bit integer");
            return 0;
        }
    }

    /** A step count: an integer in [0, Long.MAX_VALUE), so that the next step can still be counted. */
    private static long count(Map<String, String> meta, String key, List<String> problems) {
        long v = integer(meta, key, problems);
        if (v < 0) problems.add("metadata '" + key + "' is " + v + ", negative");
        if (v == Long.MAX_VALUE) problems.add("metadata '" + key + "' is " + v + ", the largest long: no step could follow");
        return v;
    }

    private static float learningRate(Map<String, String> meta, List<String> problems) {
        String key = OPTIMIZER + "learning_rate", v = meta.get(key);
        if ("NaN".equals(v) || "Infinity".equals(v) || "-Infinity".equals(v)) {
            problems.add("metadata '" + key + "' is " + v + ", not positive and finite");
            return Float.NaN;
        }
        if (v == null || !DECIMAL.matcher(v).matches()) {
            problems.add("metadata '" + key + "' is " + quoted(v) + ", not a decimal number as Float.toString writes it");
            return Float.NaN;
        }
        float lr = Float.parseFloat(v);
        if (!(lr > 0f && Float.isFinite(lr))) problems.add("metadata '" + key + "' is " + v + ", not positive and finite");
        return lr;
    }
}
