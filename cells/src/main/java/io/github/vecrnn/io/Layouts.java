package io.github.vecrnn.io;

import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.cells.Rnn;

import java.util.Arrays;

/**
 * Converters between vecrnn's weights (PyTorch layout) and the Keras and ONNX layouts, one layer at a
 * time. vecrnn stores, per layer and direction, {@code weight_ih [G*H, I]}, {@code weight_hh [G*H, H]},
 * {@code bias_ih [G*H]}, {@code bias_hh [G*H]} (and {@code weight_peephole [3H]} = p_i, p_f, p_o) with
 * the gate blocks in PyTorch order: LSTM i, f, g, o; GRU r, z, n.
 *
 * <table>
 * <caption>The other layouts</caption>
 * <tr><th></th><th>ONNX (LSTM / GRU / RNN operators)</th><th>Keras (LSTM / GRU / SimpleRNN)</th></tr>
 * <tr><td>gate order</td><td>LSTM i, o, f, c; GRU z, r, h</td><td>LSTM i, f, c, o; GRU z, r, h</td></tr>
 * <tr><td>input weights</td><td>W [D, G*H, I]</td><td>kernel [I, G*H] (transposed)</td></tr>
 * <tr><td>recurrent weights</td><td>R [D, G*H, H]</td><td>recurrent_kernel [H, G*H] (transposed)</td></tr>
 * <tr><td>biases</td><td>B [D, 2*G*H] = [W_b, R_b]</td><td>bias [G*H]; GRU with reset_after: [2, 3H] = [input, recurrent]</td></tr>
 * <tr><td>peepholes</td><td>P [D, 3H] = p_i, p_o, p_f</td><td>none</td></tr>
 * </table>
 *
 * <p>ONNX arrays hold all directions of a layer (D = 1 or 2, forward first); Keras weights are per
 * direction (a Bidirectional wrapper holds a forward and a backward layer). A Keras layer's single bias
 * loads as {@code bias_ih} with {@code bias_hh = 0}, which is exact: the two biases only ever appear
 * summed. Converting to Keras sums them (LSTM, RNN, reset-before GRU), so the model computes the same
 * function. Loading checks every array before copying anything: a wrong length throws
 * {@link IllegalArgumentException} naming the array and both shapes, and leaves the model unchanged.
 */
public final class Layouts {
    private Layouts() {
    }

    /** A layer in ONNX layout: W [D, G*H, I], R [D, G*H, H], B [D, 2*G*H], P [D, 3H] (LSTM with peepholes) or null. */
    public record OnnxLayer(float[] w, float[] r, float[] b, float[] p) {
    }

    /** One direction of a layer in Keras layout: kernel [I, G*H], recurrent_kernel [H, G*H], bias. */
    public record KerasLayer(float[] kernel, float[] recurrentKernel, float[] bias) {
    }

    // --------------------------------------------------------------------------------- ONNX

    /** The ONNX W, R, B (and P) of one layer of {@code rnn}, all directions. */
    public static OnnxLayer toOnnx(Rnn rnn, int layer) {
        Shape s = Shape.of(rnn, layer);
        int[] position = onnxPosition(rnn.kind());
        float[] w = new float[s.dirs * s.rows * s.in];
        float[] r = new float[s.dirs * s.rows * s.hidden];
        float[] b = new float[s.dirs * 2 * s.rows];
        float[] p = rnn.peepholes() ? new float[s.dirs * 3 * s.hidden] : null;
        Parameters params = rnn.parameters();
        float[] v = params.values();
        for (int d = 0; d < s.dirs; d++) {
            String sfx = suffix(layer, d);
            permuteGates(v, params.tensor("weight_ih_" + sfx).offset(), w, d * s.rows * s.in, position, s.hidden, s.in);
            permuteGates(v, params.tensor("weight_hh_" + sfx).offset(), r, d * s.rows * s.hidden, position, s.hidden, s.hidden);
            permuteGates(v, params.tensor("bias_ih_" + sfx).offset(), b, d * 2 * s.rows, position, s.hidden, 1);
            permuteGates(v, params.tensor("bias_hh_" + sfx).offset(), b, d * 2 * s.rows + s.rows, position, s.hidden, 1);
            if (p != null) {
                int peep = params.tensor("weight_peephole_" + sfx).offset(), h = s.hidden, dst = d * 3 * h;
                System.arraycopy(v, peep, p, dst, h);              // p_i
                System.arraycopy(v, peep + 2 * h, p, dst + h, h);  // p_o
                System.arraycopy(v, peep + h, p, dst + 2 * h, h);  // p_f
            }
        }
        return new OnnxLayer(w, r, b, p);
    }

    /**
     * Loads one layer from ONNX W [D, G*H, I], R [D, G*H, H], B [D, 2*G*H] (null = zeros, as in ONNX)
     * and P [D, 3H] (null = zeros; only for an LSTM built with peepholes).
     */
    public static void fromOnnx(Rnn rnn, int layer, float[] w, float[] r, float[] b, float[] p) {
        Shape s = Shape.of(rnn, layer);
        int h = s.hidden;
        String dims = "[" + s.dirs + ", ";
        requireLength("W", w, s.dirs * s.rows * s.in, dims + s.rows + ", " + s.in + "]");
        requireLength("R", r, s.dirs * s.rows * h, dims + s.rows + ", " + h + "]");
        if (b != null) requireLength("B", b, s.dirs * 2 * s.rows, dims + 2 * s.rows + "]");
        if (p != null && !rnn.peepholes()) {
            throw new IllegalArgumentException("P given but " + rnn + " has no peepholes");
        }
        if (p != null) requireLength("P", p, s.dirs * 3 * h, dims + 3 * h + "]");
        if (b != null) requireZeroWithoutBias(rnn, "B", b);
        int[] position = onnxPosition(rnn.kind());
        Parameters params = rnn.parameters();
        float[] v = params.values();
        for (int d = 0; d < s.dirs; d++) {
            String sfx = suffix(layer, d);
            unpermuteGates(w, d * s.rows * s.in, v, params.tensor("weight_ih_" + sfx).offset(), position, h, s.in);
            unpermuteGates(r, d * s.rows * h, v, params.tensor("weight_hh_" + sfx).offset(), position, h, h);
            int bIh = params.tensor("bias_ih_" + sfx).offset(), bHh = params.tensor("bias_hh_" + sfx).offset();
            if (b == null) {
                Arrays.fill(v, bIh, bIh + s.rows, 0f);
                Arrays.fill(v, bHh, bHh + s.rows, 0f);
            } else {
                unpermuteGates(b, d * 2 * s.rows, v, bIh, position, h, 1);
                unpermuteGates(b, d * 2 * s.rows + s.rows, v, bHh, position, h, 1);
            }
            if (rnn.peepholes()) {
                int peep = params.tensor("weight_peephole_" + sfx).offset(), src = d * 3 * h;
                if (p == null) {
                    Arrays.fill(v, peep, peep + 3 * h, 0f);
                } else {
                    System.arraycopy(p, src, v, peep, h);              // p_i
                    System.arraycopy(p, src + 2 * h, v, peep + h, h);  // p_f
                    System.arraycopy(p, src + h, v, peep + 2 * h, h);  // p_o
                }
            }
        }
    }

    // -------------------------------------------------------------------------------- Keras

    /**
     * One direction of one layer in Keras layout. Keras has no peepholes and no coupled input gate,
     * so such a model is refused.
     */
    public static KerasLayer toKeras(Rnn rnn, int layer, boolean reverse) {
        requireKerasCompatible(rnn);
        Shape s = Shape.of(rnn, layer);
        requireDirection(rnn, reverse);
        int[] position = kerasPosition(rnn.kind());
        Parameters params = rnn.parameters();
        float[] v = params.values();
        String sfx = suffix(layer, reverse ? 1 : 0);
        float[] kernel = new float[s.in * s.rows];
        float[] recurrentKernel = new float[s.hidden * s.rows];
        float[] wIh = new float[s.rows * s.in];
        float[] wHh = new float[s.rows * s.hidden];
        permuteGates(v, params.tensor("weight_ih_" + sfx).offset(), wIh, 0, position, s.hidden, s.in);
        permuteGates(v, params.tensor("weight_hh_" + sfx).offset(), wHh, 0, position, s.hidden, s.hidden);
        transpose(wIh, s.rows, s.in, kernel);
        transpose(wHh, s.rows, s.hidden, recurrentKernel);
        float[] bIh = new float[s.rows], bHh = new float[s.rows];
        permuteGates(v, params.tensor("bias_ih_" + sfx).offset(), bIh, 0, position, s.hidden, 1);
        permuteGates(v, params.tensor("bias_hh_" + sfx).offset(), bHh, 0, position, s.hidden, 1);
        float[] bias;
        if (resetAfterGru(rnn)) {
            bias = new float[2 * s.rows];
            System.arraycopy(bIh, 0, bias, 0, s.rows);
            System.arraycopy(bHh, 0, bias, s.rows, s.rows);
        } else {
            bias = new float[s.rows];
            for (int j = 0; j < s.rows; j++) bias[j] = bIh[j] + bHh[j];
        }
        return new KerasLayer(kernel, recurrentKernel, bias);
    }

    /**
     * Loads one direction of one layer from Keras kernel [I, G*H], recurrent_kernel [H, G*H] and bias:
     * [G*H] for LSTM, SimpleRNN and a GRU with reset_after=False, [2, 3H] for a GRU with reset_after=True
     * (build the Rnn with {@code linearBeforeReset(true)} for the latter, false for the former). A null
     * bias means use_bias=False.
     */
    public static void fromKeras(Rnn rnn, int layer, boolean reverse, float[] kernel, float[] recurrentKernel, float[] bias) {
        requireKerasCompatible(rnn);
        Shape s = Shape.of(rnn, layer);
        requireDirection(rnn, reverse);
        requireLength("kernel", kernel, s.in * s.rows, "[" + s.in + ", " + s.rows + "]");
        requireLength("recurrent_kernel", recurrentKernel, s.hidden * s.rows, "[" + s.hidden + ", " + s.rows + "]");
        boolean split = resetAfterGru(rnn);
        if (bias != null) {
            requireLength("bias", bias, (split ? 2 : 1) * s.rows, split ? "[2, " + s.rows + "] (GRU reset_after=True)" : "[" + s.rows + "]");
            requireZeroWithoutBias(rnn, "bias", bias);
        }
        int[] position = kerasPosition(rnn.kind());
        Parameters params = rnn.parameters();
        float[] v = params.values();
        String sfx = suffix(layer, reverse ? 1 : 0);
        float[] wIh = new float[s.rows * s.in], wHh = new float[s.rows * s.hidden];
        transpose(kernel, s.in, s.rows, wIh);
        transpose(recurrentKernel, s.hidden, s.rows, wHh);
        unpermuteGates(wIh, 0, v, params.tensor("weight_ih_" + sfx).offset(), position, s.hidden, s.in);
        unpermuteGates(wHh, 0, v, params.tensor("weight_hh_" + sfx).offset(), position, s.hidden, s.hidden);
        int bIh = params.tensor("bias_ih_" + sfx).offset(), bHh = params.tensor("bias_hh_" + sfx).offset();
        Arrays.fill(v, bIh, bIh + s.rows, 0f);
        Arrays.fill(v, bHh, bHh + s.rows, 0f);
        if (bias != null) {
            unpermuteGates(bias, 0, v, bIh, position, s.hidden, 1);
            if (split) unpermuteGates(bias, s.rows, v, bHh, position, s.hidden, 1);
        }
    }

    // ------------------------------------------------------------------------------ helpers

    /** A stack built with bias(false) takes biases only when they are all zero. */
    private static void requireZeroWithoutBias(Rnn rnn, String name, float[] bias) {
        if (rnn.bias()) return;
        for (int i = 0; i < bias.length; i++) {
            if (bias[i] != 0f) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + bias[i] + ", but this stack was built with bias(false): its biases are 0");
            }
        }
    }

    /** Where each PyTorch gate block sits in the ONNX order. */
    private static int[] onnxPosition(CellKind kind) {
        return switch (kind) {
            case LSTM -> new int[] {0, 2, 3, 1};     // i f g o -> i o f c
            case GRU -> new int[] {1, 0, 2};         // r z n -> z r h
            case RNN_TANH, RNN_RELU -> new int[] {0};
        };
    }

    /** Where each PyTorch gate block sits in the Keras order. */
    private static int[] kerasPosition(CellKind kind) {
        return switch (kind) {
            case LSTM -> new int[] {0, 1, 2, 3};     // i f g o -> i f c o
            case GRU -> new int[] {1, 0, 2};         // r z n -> z r h
            case RNN_TANH, RNN_RELU -> new int[] {0};
        };
    }

    /** Copies gate blocks of {@code hidden x cols} from PyTorch order at src to the other order at dst. */
    private static void permuteGates(float[] src, int srcOff, float[] dst, int dstOff, int[] position, int hidden, int cols) {
        int block = hidden * cols;
        for (int g = 0; g < position.length; g++) {
            System.arraycopy(src, srcOff + g * block, dst, dstOff + position[g] * block, block);
        }
    }

    /** The inverse of {@link #permuteGates}. */
    private static void unpermuteGates(float[] src, int srcOff, float[] dst, int dstOff, int[] position, int hidden, int cols) {
        int block = hidden * cols;
        for (int g = 0; g < position.length; g++) {
            System.arraycopy(src, srcOff + position[g] * block, dst, dstOff + g * block, block);
        }
    }

    private static void transpose(float[] src, int rows, int cols, float[] dst) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j];
        }
    }

    private static boolean resetAfterGru(Rnn rnn) {
        return rnn.kind() == CellKind.GRU && rnn.linearBeforeReset();
    }

    private static void requireKerasCompatible(Rnn rnn) {
        if (rnn.peepholes() || rnn.inputForget() || rnn.layerNorm()) {
            throw new IllegalArgumentException("Keras has no peephole, coupled input-forget or layer-normalized cell: " + rnn);
        }
    }

    private static void requireDirection(Rnn rnn, boolean reverse) {
        if (reverse && rnn.directions() == 1) {
            throw new IllegalArgumentException("reverse direction requested but " + rnn + " is unidirectional");
        }
    }

    private static void requireLength(String name, float[] array, int expected, String shape) {
        if (array == null) throw new IllegalArgumentException(name + " is null, expected shape " + shape);
        if (array.length != expected) {
            throw new IllegalArgumentException(name + " has " + array.length + " values, expected shape " + shape
                                               + " = " + expected + " values");
        }
    }

    private static String suffix(int layer, int direction) {
        return "l" + layer + (direction == 1 ? "_reverse" : "");
    }

    /** Sizes of one layer: directions, gate rows G*H, input width, hidden width. */
    private record Shape(int dirs, int rows, int in, int hidden) {
        static Shape of(Rnn rnn, int layer) {
            if (layer < 0 || layer >= rnn.layers()) {
                throw new IllegalArgumentException("layer " + layer + " out of range [0, " + rnn.layers() + ")");
            }
            int[] wIh = rnn.parameters().tensor("weight_ih_" + suffix(layer, 0)).shape();
            return new Shape(rnn.directions(), wIh[0], wIh[1], rnn.hiddenSize());
        }
    }
}
