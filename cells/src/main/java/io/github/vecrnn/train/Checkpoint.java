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

        Map<String, Parameters> modules = model.namedParameters();
        List<SafeTensors.FloatTensor> tensors = new ArrayList<>(Weights.tensors(modules));
        for (Map.Entry<String, float[][]> slot : new TreeMap<>(optimizer.state()).entrySet()) {
            int k = 0;
            for (Map.Entry<String, Parameters> m : modules.entrySet()) {
                float[] values = slot.getValue()[k++];
                for (Parameters.Tensor t : m.getValue().tensors()) {
                    String name = OPTIMIZER + slot.getKey() + "." + m.getKey() + t.name();
                    tensors.add(new SafeTensors.FloatTensor(name, t.shape(), values, t.offset()));
                }
            }
        }
        SafeTensors.write(path, tensors, meta);
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

        // Stage the optimizer's state: every slot of this optimizer, every tensor, nothing else.
        List<Parameters> params = model.parameters();
        Map<String, float[][]> staged = new LinkedHashMap<>();
        if (problems.isEmpty()) {
            optimizer.setUp(params); // zero state, as before a first step: harmless if the load is refused
            for (Map.Entry<String, float[][]> slot : optimizer.state().entrySet()) {
                float[][] copy = new float[params.size()][];
                int k = 0;
                for (Map.Entry<String, Parameters> m : modules.entrySet()) {
                    Parameters p = m.getValue();
                    copy[k] = new float[p.size()];
                    for (Parameters.Tensor t : p.tensors()) {
                        String name = OPTIMIZER + slot.getKey() + "." + m.getKey() + t.name();
                        SafeTensors.Tensor f = contents.tensors().get(name);
                        if (f == null) {
                            problems.add("missing tensor '" + name + "' " + t.shapeString());
                        } else if (f.dtype() != SafeTensors.DType.F32 || !Weights.sameShape(f.shape(), t.shape())) {
                            problems.add("tensor '" + name + "' is " + f.dtype() + " " + f.shapeString() + ", expected F32 "
                                    + t.shapeString());
                        } else {
                            float[] v = f.toFloatArray();
                            System.arraycopy(v, 0, copy[k], t.offset(), v.length);
                        }
                    }
                    k++;
                }
                staged.put(slot.getKey(), copy);
            }
            for (String name : contents.tensors().keySet()) {
                if (name.startsWith(OPTIMIZER) && !staged.containsKey(slotOf(name))) {
                    problems.add("unexpected tensor '" + name + "'");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidWeightsException("checkpoint refused, nothing loaded: " + String.join("; ", problems));
        }
        // The weights are checked and copied all or nothing; after them nothing can fail.
        Weights.load(contents, modules);
        for (Map.Entry<String, float[][]> slot : staged.entrySet()) {
            float[][] live = optimizer.state().get(slot.getKey());
            for (int k = 0; k < live.length; k++) System.arraycopy(slot.getValue()[k], 0, live[k], 0, live[k].length);
        }
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

    private static String slotOf(String tensorName) {
        int dot = tensorName.indexOf('.', OPTIMIZER.length());
        return dot < 0 ? "" : tensorName.substring(OPTIMIZER.length(), dot);
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
