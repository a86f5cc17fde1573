package io.github.vecrnn.io;

import io.github.vecrnn.cells.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Model weights as safetensors with PyTorch's state_dict names. A module's tensors are stored under
 * a prefix ({@code "rnn."}, {@code "head."}; {@code ""} for a bare nn.LSTM state_dict), so a file
 * written by {@code safetensors.torch.save_file(model.state_dict(), path)} loads here and back.
 *
 * <p>Loading is strict and all-or-nothing: every tensor a module expects must be present under its
 * prefix with the same shape and dtype F32 and only finite values, and no tensor under a claimed prefix
 * may be left unused. Everything is checked before the first value is copied, so a refused file leaves
 * the model as it was. Loading from a path maps the file ({@link SafeTensors#readMapped}): only the
 * tensors the modules take are read.
 */
public final class Weights {
    private Weights() {
    }

    /** Saves one module's parameters without a prefix. */
    public static void save(Path path, Parameters params) throws IOException {
        save(path, Map.of("", params), Map.of());
    }

    /** Saves several modules under their prefixes (in the map's iteration order), atomically. */
    public static void save(Path path, Map<String, Parameters> modules, Map<String, String> metadata) throws IOException {
        SafeTensors.write(path, tensors(modules), metadata);
    }

    /** The modules' tensors under their prefixes, as {@link SafeTensors#write} takes them. */
    public static List<SafeTensors.FloatTensor> tensors(Map<String, Parameters> modules) {
        List<SafeTensors.FloatTensor> out = new ArrayList<>();
        for (Map.Entry<String, Parameters> m : modules.entrySet()) {
            for (Parameters.Tensor t : m.getValue().tensors()) {
                out.add(new SafeTensors.FloatTensor(m.getKey() + t.name(), t.shape(), m.getValue().values(), t.offset()));
            }
        }
        return out;
    }

    /** Loads one module from a file whose tensors carry no prefix (e.g. a bare nn.LSTM state_dict). */
    public static void load(Path path, Parameters params) throws IOException {
        load(path, Map.of("", params));
    }

    /** Loads several modules from one file. */
    public static void load(Path path, Map<String, Parameters> modules) throws IOException {
        SafeTensors.readMapped(path, contents -> {
            load(contents, modules);
            return null;
        });
    }

    /**
     * Loads modules from parsed contents. Tensors whose names start with none of the prefixes are
     * ignored, unless a prefix is "" (then the file must hold exactly the module's tensors).
     */
    public static void load(SafeTensors.Contents contents, Map<String, Parameters> modules) {
        List<String> problems = new ArrayList<>();
        Map<float[], float[]> staged = stage(contents, modules, problems);
        if (!problems.isEmpty()) {
            throw new InvalidWeightsException("weights refused, nothing loaded: " + String.join("; ", problems));
        }
        for (Map.Entry<float[], float[]> s : staged.entrySet()) {
            System.arraycopy(s.getValue(), 0, s.getKey(), 0, s.getKey().length);
        }
    }

    /** What {@link #load(SafeTensors.Contents, Map)} would refuse, without loading anything (empty: it would load). */
    public static List<String> check(SafeTensors.Contents contents, Map<String, Parameters> modules) {
        List<String> problems = new ArrayList<>();
        stage(contents, modules, problems);
        return problems;
    }

    /** Copies of the modules' values with the file's tensors in place; problems collects what does not fit. */
    private static Map<float[], float[]> stage(SafeTensors.Contents contents, Map<String, Parameters> modules,
                                               List<String> problems) {
        Map<float[], float[]> staged = new LinkedHashMap<>();
        TreeSet<String> used = new TreeSet<>();
        for (Map.Entry<String, Parameters> m : modules.entrySet()) {
            Parameters params = m.getValue();
            float[] copy = params.values().clone();
            for (Parameters.Tensor t : params.tensors()) {
                String name = m.getKey() + t.name();
                SafeTensors.Tensor f = contents.tensors().get(name);
                if (f == null) {
                    problems.add("missing tensor '" + name + "' " + t.shapeString());
                    continue;
                }
                used.add(name);
                if (f.dtype() != SafeTensors.DType.F32) {
                    problems.add("tensor '" + name + "' has dtype " + f.dtype() + ", expected F32");
                    continue;
                }
                if (!sameShape(f.shape(), t.shape())) {
                    problems.add("tensor '" + name + "' has shape " + f.shapeString() + ", expected " + t.shapeString());
                    continue;
                }
                float[] v = f.toFloatArray();
                if (!allFinite(name, v, problems)) continue;
                System.arraycopy(v, 0, copy, t.offset(), v.length);
            }
            staged.put(params.values(), copy);
        }
        for (String name : contents.tensors().keySet()) {
            if (used.contains(name)) continue;
            for (String prefix : modules.keySet()) {
                if (name.startsWith(prefix)) {
                    problems.add("unexpected tensor '" + name + "'");
                    break;
                }
            }
        }
        return staged;
    }

    /** Whether every value is finite; else problems gets the first that is not. */
    private static boolean allFinite(String name, float[] values, List<String> problems) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                problems.add("tensor '" + name + "' holds " + values[i] + " at index " + i + "; values must be finite");
                return false;
            }
        }
        return true;
    }

    private static boolean sameShape(long[] file, int[] expected) {
        if (file.length != expected.length) return false;
        for (int i = 0; i < file.length; i++) if (file[i] != expected[i]) return false;
        return true;
    }
}
