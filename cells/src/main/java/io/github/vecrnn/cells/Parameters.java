package io.github.vecrnn.cells;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The trainable tensors of one module, stored back to back in one flat float array with a
 * gradient array of the same layout, so optimizers, clipping and I/O work on two arrays.
 * Each tensor has a PyTorch-style name and a row-major shape.
 */
public final class Parameters {

    /** One named tensor: {@code values()[offset .. offset + size)} with the given row-major shape. */
    public record Tensor(String name, int offset, int[] shape) {
        public Tensor {
            if (name == null || name.isEmpty()) throw new IllegalArgumentException("tensor name is null or empty");
            if (offset < 0) throw new IllegalArgumentException("tensor " + name + " offset must be >= 0, got " + offset);
            long n = 1;
            for (int d : shape) {
                if (d < 1) throw new IllegalArgumentException("tensor " + name + " has a non-positive dimension in "
                        + java.util.Arrays.toString(shape));
                n *= d;
                if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor " + name + " " + java.util.Arrays.toString(shape)
                        + " has more than " + Integer.MAX_VALUE + " elements");
            }
        }

        public int size() {
            int n = 1;
            for (int d : shape) n *= d;
            return n;
        }

        public String shapeString() {
            return java.util.Arrays.toString(shape);
        }
    }

    private final List<Tensor> tensors;      // the trainable ones, in order: what is named, saved and loaded
    private final java.util.Map<String, Tensor> byName;   // every tensor, the constant ones too
    private final float[] values;
    private final float[] gradients;

    private final List<Tensor> constants;   // zero tensors a layer reads but nothing trains or stores (bias(false))

    private Parameters(List<Tensor> tensors, List<Tensor> constants, float[] values) {
        this(tensors, constants, values, new float[values.length]);
    }

    private Parameters(List<Tensor> tensors, List<Tensor> constants, float[] values, float[] gradients) {
        this.tensors = Collections.unmodifiableList(tensors);
        this.constants = Collections.unmodifiableList(constants);
        this.byName = new java.util.HashMap<>();
        for (Tensor t : tensors) byName.put(t.name(), t);
        for (Tensor t : constants) byName.put(t.name(), t);
        this.values = values;
        this.gradients = gradients;
    }

    /**
     * The same tensors laid over another array of the same length (not a copy), with gradients of its
     * own: a replica's view of shared weights, or an optimizer's state for this module, named and shaped
     * like the module's tensors.
     */
    public Parameters withValues(float[] values) {
        if (values.length != this.values.length) {
            throw new IllegalArgumentException("values has " + values.length + " floats, the tensors " + names() + " need "
                    + this.values.length);
        }
        return new Parameters(tensors, constants, values);
    }

    /**
     * The same tensors over values, without gradients ({@link #gradients()} is empty): a frozen copy's
     * weights, which nothing trains.
     */
    Parameters valuesOnly(float[] values) {
        if (values.length != this.values.length) {
            throw new IllegalArgumentException("values has " + values.length + " floats, the tensors " + names() + " need "
                    + this.values.length);
        }
        return new Parameters(tensors, constants, values, new float[0]);
    }

    /** All values; a tensor's elements live at its offset. Writable: this is the model's storage. */
    public float[] values() {
        return values;
    }

    /** The gradients, same layout as {@link #values()}; backward passes add into them. */
    public float[] gradients() {
        return gradients;
    }

    /** The trainable tensors, in order: what is named, saved and loaded (not the constant ones). */
    public List<Tensor> tensors() {
        return tensors;
    }

    /**
     * Tensors that are always zero: a layer reads them, nothing trains, saves or loads them (the biases of a
     * stack built with {@code bias(false)}). Their gradients are set to 0 after each backward pass.
     */
    public List<Tensor> constants() {
        return constants;
    }

    /** Sets the constant tensors' gradients to 0, so that no optimizer moves them. */
    public void zeroConstantGradients() {
        if (gradients.length == 0) return;
        for (int k = 0; k < constants.size(); k++) {   // indexed: a training step allocates nothing, not even an iterator
            Tensor t = constants.get(k);
            java.util.Arrays.fill(gradients, t.offset(), t.offset() + t.size(), 0f);
        }
    }

    public int size() {
        return values.length;
    }

    /** The tensor with this name; IllegalArgumentException listing the names when there is none. */
    public Tensor tensor(String name) {
        Tensor t = byName.get(name);
        if (t != null) return t;
        throw new IllegalArgumentException("no parameter named '" + name + "'; the parameters are " + names());
    }

    /** A copy of the named tensor's values (row-major, its {@link Tensor#shape()}). */
    public float[] get(String name) {
        Tensor t = tensor(name);
        return java.util.Arrays.copyOfRange(values, t.offset(), t.offset() + t.size());
    }

    /** Writes the named tensor's values (row-major, exactly its size, every value finite). */
    public void set(String name, float[] newValues) {
        Tensor t = tensor(name);
        if (newValues.length != t.size()) {
            throw new IllegalArgumentException("tensor " + name + " " + t.shapeString() + " takes " + t.size() + " values, got "
                    + newValues.length);
        }
        for (int i = 0; i < newValues.length; i++) {
            if (!Float.isFinite(newValues[i])) {
                throw new IllegalArgumentException("value " + i + " for tensor " + name + " is " + newValues[i] + "; nothing was set");
            }
        }
        System.arraycopy(newValues, 0, values, t.offset(), t.size());
    }

    /** A read-only view of the named tensor's gradient (row-major), current as backward passes add into it. */
    public java.nio.FloatBuffer gradient(String name) {
        Tensor t = tensor(name);
        if (gradients.length == 0) throw new IllegalStateException("these parameters have no gradients (a frozen copy's)");
        return java.nio.FloatBuffer.wrap(gradients, t.offset(), t.size()).slice().asReadOnlyBuffer();
    }

    /** The tensor whose elements include {@code values()[index]}. */
    public Tensor tensorAt(int index) {
        if (index < 0 || index >= values.length) {
            throw new IllegalArgumentException("index " + index + " is outside the parameters' " + values.length + " values");
        }
        for (Tensor t : byName.values()) {
            if (index >= t.offset() && index < t.offset() + t.size()) return t;
        }
        throw new IllegalArgumentException("index " + index + " lies in no tensor");
    }

    public List<String> names() {
        List<String> names = new ArrayList<>();
        for (Tensor t : tensors) names.add(t.name());
        return names;
    }

    /** Sets every gradient to zero (PyTorch's zero_grad). */
    public void zeroGradients() {
        java.util.Arrays.fill(gradients, 0f);
    }

    /** Collects tensors in order and assigns offsets. */
    public static final class Builder {
        private final List<Tensor> tensors = new ArrayList<>(), constants = new ArrayList<>();
        private final java.util.Set<String> names = new java.util.HashSet<>();
        private long size;

        /** Appends a tensor and returns its offset. */
        public int add(String name, int... shape) {
            return add(false, name, shape);
        }

        /** Appends a constant tensor (zero, never trained or stored: see {@link #constants()}) and returns its offset. */
        public int addConstant(String name, int... shape) {
            return add(true, name, shape);
        }

        private int add(boolean constant, String name, int... shape) {
            int offset = (int) size; // size stays below Integer.MAX_VALUE - 8, checked below
            Tensor added = new Tensor(name, offset, shape.clone()); // refuses an empty name and bad dimensions
            long n = added.size();
            if (size + n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("parameters exceed one Java array (" + (size + n) + " floats)");
            }
            if (!names.add(name)) throw new IllegalArgumentException("duplicate parameter name " + name);
            (constant ? constants : tensors).add(added);
            size += n;
            return offset;
        }

        public Parameters build() {
            return new Parameters(new ArrayList<>(tensors), new ArrayList<>(constants), new float[(int) size]);
        }
    }
}
