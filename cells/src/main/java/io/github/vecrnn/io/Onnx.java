package io.github.vecrnn.io;

import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.Merge;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.SequenceModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Exports an {@link Rnn} as an ONNX model (opset 14) that ONNX Runtime and other ONNX engines run
 * with the same results: one ONNX LSTM, GRU or RNN node per layer with the weights as initializers
 * (see {@link Layouts} for the layout), and between layers a Transpose + Reshape that turns ONNX's
 * Y [T, D, B, H] into the next layer's input [T, B, D*H] (the CONCAT merge).
 *
 * <p>Graph inputs: {@code input} [T, B, I] ([B, T, I] for a batch-first model; T and B symbolic) and,
 * when asked for, {@code sequence_lens} int32 [B]. Outputs: {@code output} shaped like vecrnn's
 * output, {@code h_n} [L*D, B, H] and for an LSTM {@code c_n}, with the same meaning as
 * {@link io.github.vecrnn.cells.RnnOutput}. The initial states are zero. Only the CONCAT merge is
 * exported; dropout is a training-time feature and is not part of the graph.
 */
public final class Onnx {
    /** The ONNX operator set the exported graphs use. */
    public static final int OPSET = 14;
    private static final int IR_VERSION = 7;
    private static final int FLOAT = 1, INT32 = 6, INT64 = 7;            // TensorProto.DataType
    private static final int ATTR_INT = 2, ATTR_STRING = 3, ATTR_INTS = 7, ATTR_STRINGS = 8;

    private Onnx() {
    }

    /** Writes the model to {@code path} atomically (a temporary file beside it, forced, then renamed). */
    public static void write(Rnn rnn, boolean sequenceLengths, Path path) throws IOException {
        AtomicFile.write(path, export(rnn, sequenceLengths));
    }

    /** The model as ONNX protobuf bytes, e.g. for {@code OrtEnvironment.createSession(byte[])}. */
    public static byte[] export(Rnn rnn, boolean sequenceLengths) {
        return model(graph(rnn, sequenceLengths));
    }

    /** Writes the whole model (stack and head) to {@code path} atomically, as {@link #export(SequenceModel, boolean)}. */
    public static void write(SequenceModel model, boolean sequenceLengths, Path path) throws IOException {
        AtomicFile.write(path, export(model, sequenceLengths));
    }

    /**
     * The whole model as ONNX: the stack's graph (its outputs kept) and the head, with one more output,
     * {@code logits}: [T, B, out] ([B, T, out] batch-first) for a per-step readout, [B, out] for the last step
     * or the final states. Both many-to-one readouts come from the top layer's Y_h (ONNX gives it at each
     * sequence's last valid step): the last-step readout is therefore exported for one direction only (a
     * bidirectional stack's last step would need a gather by length, which is refused).
     */
    public static byte[] export(SequenceModel model, boolean sequenceLengths) {
        Rnn rnn = model.rnn();
        if (model.embedding() != null) {
            throw new IllegalArgumentException("ONNX export of a model with a token embedding is not supported; export model.rnn()");
        }
        if (model.readout() == Readout.LAST_STEP && rnn.directions() == 2) {
            throw new IllegalArgumentException("ONNX export of a last-step readout needs one direction; this stack is bidirectional");
        }
        Protobuf graph = graph(rnn, sequenceLengths);
        Dense head = model.head();
        int in = head.inFeatures(), out = head.outFeatures();
        float[] w = head.parameters().get("weight"), transposed = new float[w.length];   // W [out, in] -> W^T [in, out]
        for (int o = 0; o < out; o++) for (int i = 0; i < in; i++) transposed[i * out + o] = w[o * in + i];
        graph.message(5, tensor("head_weight_t", new long[] {in, out}, transposed));
        graph.message(5, tensor("head_bias", new long[] {out}, head.parameters().get("bias")));
        String features = "output";
        if (model.readout() != Readout.PER_STEP) {   // the top layer's Y_h [D, B, H] -> [B, D, H] -> [B, D*H]
            graph.message(1, node("Transpose", List.of("Y_h_l" + (rnn.layers() - 1)), List.of("final_states"), ints("perm", 1, 0, 2)));
            graph.message(5, tensor("final_shape", new long[] {2}, new long[] {0, -1}));
            graph.message(1, node("Reshape", List.of("final_states", "final_shape"), List.of("last_step")));
            features = "last_step";
        }
        graph.message(1, node("MatMul", List.of(features, "head_weight_t"), List.of("head_product")));
        graph.message(1, node("Add", List.of("head_product", "head_bias"), List.of("logits")));
        if (model.readout() != Readout.PER_STEP) {
            graph.message(12, valueInfo("logits", FLOAT, "batch", out));
        } else {
            graph.message(12, valueInfo("logits", FLOAT, rnn.batchFirst() ? "batch" : "steps", rnn.batchFirst() ? "steps" : "batch", out));
        }
        return model(graph);
    }

    private static byte[] model(Protobuf graph) {
        return new Protobuf()
            .varint(1, IR_VERSION)
            .string(2, "vecrnn")
            .message(7, graph)
            .message(8, new Protobuf().varint(2, OPSET))
            .toByteArray();
    }

    /** The stack's graph: nodes, initializers, inputs and outputs. */
    private static Protobuf graph(Rnn rnn, boolean sequenceLengths) {
        if (rnn.layerNorm()) {
            throw new IllegalArgumentException("ONNX's RNN, GRU and LSTM operators have no layer normalization: " + rnn);
        }
        if (rnn.directions() == 2 && rnn.merge() != Merge.CONCAT) {
            throw new IllegalArgumentException("ONNX export supports the CONCAT merge only, not " + rnn.merge());
        }
        Protobuf graph = new Protobuf().string(2, "vecrnn");
        List<String> hiddenStates = new ArrayList<>(), cellStates = new ArrayList<>();
        String x = "input";
        if (rnn.batchFirst()) {
            graph.message(1, node("Transpose", List.of("input"), List.of("input_time_major"), ints("perm", 1, 0, 2)));
            x = "input_time_major";
        }
        graph.message(5, tensor("merge_shape", new long[] {3}, new long[] {0, 0, -1}));
        for (int l = 0; l < rnn.layers(); l++) {
            Layouts.OnnxLayer w = Layouts.toOnnx(rnn, l);
            int rows = rnn.kind().gates() * rnn.hiddenSize(), d = rnn.directions(), h = rnn.hiddenSize();
            graph.message(5, tensor("W_l" + l, new long[] {d, rows, w.w().length / (d * rows)}, w.w()));
            graph.message(5, tensor("R_l" + l, new long[] {d, rows, h}, w.r()));
            graph.message(5, tensor("B_l" + l, new long[] {d, 2 * rows}, w.b()));
            List<String> in = new ArrayList<>(List.of(x, "W_l" + l, "R_l" + l, "B_l" + l,
                                                      sequenceLengths ? "sequence_lens" : ""));
            List<String> out = new ArrayList<>(List.of("Y_l" + l, "Y_h_l" + l));
            if (rnn.kind() == CellKind.LSTM) {
                out.add("Y_c_l" + l);
                if (w.p() != null) {
                    graph.message(5, tensor("P_l" + l, new long[] {d, 3L * h}, w.p()));
                    in.addAll(List.of("", "", "P_l" + l));
                }
            }
            graph.message(1, node(opType(rnn.kind()), in, out, attributes(rnn)));
            hiddenStates.add("Y_h_l" + l);
            if (rnn.kind() == CellKind.LSTM) cellStates.add("Y_c_l" + l);
            // Y [T, D, B, H] -> [T, B, D, H] -> [T, B, D*H]
            graph.message(1, node("Transpose", List.of("Y_l" + l), List.of("Y_t_l" + l), ints("perm", 0, 2, 1, 3)));
            x = l == rnn.layers() - 1 && !rnn.batchFirst() ? "output" : "merged_l" + l;
            graph.message(1, node("Reshape", List.of("Y_t_l" + l, "merge_shape"), List.of(x)));
        }
        if (rnn.batchFirst()) {
            graph.message(1, node("Transpose", List.of(x), List.of("output"), ints("perm", 1, 0, 2)));
        }
        concat(graph, hiddenStates, "h_n");
        if (rnn.kind() == CellKind.LSTM) concat(graph, cellStates, "c_n");

        String first = rnn.batchFirst() ? "batch" : "steps", second = rnn.batchFirst() ? "steps" : "batch";
        graph.message(11, valueInfo("input", FLOAT, first, second, rnn.inputSize()));
        if (sequenceLengths) graph.message(11, valueInfo("sequence_lens", INT32, "batch"));
        graph.message(12, valueInfo("output", FLOAT, first, second, rnn.outputSize()));
        int states = rnn.layers() * rnn.directions();
        graph.message(12, valueInfo("h_n", FLOAT, states, "batch", rnn.hiddenSize()));
        if (rnn.kind() == CellKind.LSTM) graph.message(12, valueInfo("c_n", FLOAT, states, "batch", rnn.hiddenSize()));
        return graph;
    }

    private static void concat(Protobuf graph, List<String> parts, String name) {
        if (parts.size() == 1) {
            graph.message(1, node("Identity", parts, List.of(name)));
        } else {
            graph.message(1, node("Concat", parts, List.of(name), intAttr("axis", 0)));
        }
    }

    private static String opType(CellKind kind) {
        return switch (kind) {
            case LSTM -> "LSTM";
            case GRU -> "GRU";
            case RNN_TANH, RNN_RELU -> "RNN";
        };
    }

    private static Protobuf[] attributes(Rnn rnn) {
        List<Protobuf> a = new ArrayList<>();
        a.add(intAttr("hidden_size", rnn.hiddenSize()));
        a.add(stringAttr("direction", rnn.directions() == 2 ? "bidirectional" : "forward"));
        switch (rnn.kind()) {
            case LSTM -> {
                if (rnn.inputForget()) a.add(intAttr("input_forget", 1));
            }
            case GRU -> a.add(intAttr("linear_before_reset", rnn.linearBeforeReset() ? 1 : 0));
            case RNN_TANH, RNN_RELU -> {
                String f = rnn.kind() == CellKind.RNN_RELU ? "Relu" : "Tanh";
                a.add(stringsAttr("activations", rnn.directions() == 2 ? new String[] {f, f} : new String[] {f}));
            }
        }
        return a.toArray(Protobuf[]::new);
    }

    // ----------------------------------------------------------------------- ONNX messages

    private static Protobuf node(String op, List<String> inputs, List<String> outputs, Protobuf... attributes) {
        Protobuf n = new Protobuf();
        for (String i : inputs) n.string(1, i);
        for (String o : outputs) n.string(2, o);
        n.string(3, outputs.get(0) + "_node").string(4, op);
        for (Protobuf a : attributes) n.message(5, a);
        return n;
    }

    private static Protobuf intAttr(String name, long value) {
        return new Protobuf().string(1, name).varint(3, value).varint(20, ATTR_INT);
    }

    private static Protobuf ints(String name, long... values) {
        return new Protobuf().string(1, name).packed(8, values).varint(20, ATTR_INTS);
    }

    private static Protobuf stringAttr(String name, String value) {
        return new Protobuf().string(1, name).string(4, value).varint(20, ATTR_STRING);
    }

    private static Protobuf stringsAttr(String name, String[] values) {
        Protobuf a = new Protobuf().string(1, name);
        for (String v : values) a.string(9, v);
        return a.varint(20, ATTR_STRINGS);
    }

    private static Protobuf tensor(String name, long[] dims, float[] values) {
        return new Protobuf().packed(1, dims).varint(2, FLOAT).string(8, name).bytes(9, Protobuf.littleEndian(values));
    }

    private static Protobuf tensor(String name, long[] dims, long[] values) {
        return new Protobuf().packed(1, dims).varint(2, INT64).string(8, name).bytes(9, Protobuf.littleEndian(values));
    }

    /** A tensor-typed ValueInfoProto; each dimension is a fixed size (Integer) or a symbolic name (String). */
    private static Protobuf valueInfo(String name, int elemType, Object... dims) {
        Protobuf shape = new Protobuf();
        for (Object dim : dims) {
            Protobuf d = new Protobuf();
            if (dim instanceof Integer size) d.varint(1, size);
            else d.string(2, (String) dim);
            shape.message(1, d);
        }
        Protobuf tensorType = new Protobuf().varint(1, elemType).message(2, shape);
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, tensorType));
    }
}
