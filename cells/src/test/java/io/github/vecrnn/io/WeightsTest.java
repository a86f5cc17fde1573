package io.github.vecrnn.io;

import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.SequenceModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Saving and loading PyTorch-named safetensors: round trip, and every refusal leaves the model untouched. */
class WeightsTest {
    @TempDir
    Path dir;

    static SequenceModel model(long seed) {
        Rnn rnn = Rnn.lstm(3, 5).layers(2).bidirectional(true).seed(seed).build();
        return new SequenceModel(rnn, new Dense(10, 2, 1, new Rng(seed)), Readout.LAST_STEP);
    }

    @Test
    void roundTripWithPyTorchNames() throws IOException {
        SequenceModel a = model(1), b = model(2);
        Path file = dir.resolve("m.safetensors");
        Weights.save(file, a.namedParameters(), Map.of("framework", "vecrnn"));
        SafeTensors.Contents c = SafeTensors.read(file);
        assertTrue(c.tensors().containsKey("rnn.weight_ih_l1_reverse"));
        assertTrue(c.tensors().containsKey("head.bias"));
        assertArrayEquals(new long[] {20, 10}, c.get("rnn.weight_ih_l1").shape());
        Weights.load(file, b.namedParameters());
        assertArrayEquals(a.rnn().parameters().values(), b.rnn().parameters().values());
        assertArrayEquals(a.head().parameters().values(), b.head().parameters().values());
    }

    /** Builds a file from the model's own tensors with one change, and expects a refusal naming it. */
    void refused(String expectedFragment, java.util.function.UnaryOperator<List<SafeTensors.FloatTensor>> change)
            throws IOException {
        SequenceModel source = model(1), target = model(2);
        float[] before = target.rnn().parameters().values().clone();
        List<SafeTensors.FloatTensor> tensors = new java.util.ArrayList<>(Weights.tensors(source.namedParameters()));
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, SafeTensors.toBytes(change.apply(tensors), Map.of()));
        InvalidWeightsException e = assertThrows(InvalidWeightsException.class, () -> Weights.load(file, target.namedParameters()));
        assertTrue(e.getMessage().contains(expectedFragment), e.getMessage());
        assertTrue(e.getMessage().contains("bad.safetensors"), e.getMessage());
        assertArrayEquals(before, target.rnn().parameters().values(), "nothing may be loaded from a refused file");
    }

    @Test
    void missingMisnamedMisshapedTensorsAreRefused() throws IOException {
        refused("missing tensor 'rnn.bias_hh_l0'", l -> {
            l.removeIf(t -> t.name().equals("rnn.bias_hh_l0"));
            return l;
        });
        refused("unexpected tensor 'rnn.bias_hh_l9'", l -> {
            l.replaceAll(t -> t.name().equals("rnn.bias_hh_l0")
                    ? new SafeTensors.FloatTensor("rnn.bias_hh_l9", t.shape(), t.values(), t.offset()) : t);
            return l;
        });
        refused("has shape [4, 5], expected [20, 5]", l -> {
            l.replaceAll(t -> t.name().equals("rnn.weight_hh_l0")
                    ? new SafeTensors.FloatTensor(t.name(), new int[] {4, 5}, t.values(), t.offset()) : t);
            return l;
        });
    }

    @Test
    void wrongDtypeIsRefused() throws IOException {
        // A hand-written file: one F64 tensor where F32 is expected.
        Parameters.Builder pb = new Parameters.Builder();
        pb.add("w", 2);
        Parameters p = pb.build();
        String header = "{\"w\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}";
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + h.length + 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).putDouble(1).putDouble(2);
        Path file = dir.resolve("f64.safetensors");
        Files.write(file, b.array());
        InvalidWeightsException e = assertThrows(InvalidWeightsException.class, () -> Weights.load(file, p));
        assertTrue(e.getMessage().contains("dtype F64, expected F32"), e.getMessage());
    }

    @Test
    void corruptFilesAreRefusedWithTheReason() {
        assertThrows(InvalidWeightsException.class, () -> SafeTensors.parse(new byte[3]));
        byte[] huge = new byte[16];
        huge[7] = 0x7f; // header length 2^62
        assertTrue(assertThrows(InvalidWeightsException.class, () -> SafeTensors.parse(huge)).getMessage().contains("header length"));
        byte[] past = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(100).array();
        assertTrue(assertThrows(InvalidWeightsException.class, () -> SafeTensors.parse(past)).getMessage().contains("past the end"));
        assertTrue(parseError("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12).contains("overlap"));
        assertTrue(parseError("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8).contains("needs 12"));
        assertTrue(parseError("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4).contains("outside the data"));
        assertTrue(parseError("{\"a\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8).contains("unknown dtype"));
        assertTrue(parseError("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8).contains("duplicate key"));
        assertTrue(parseError("{\"a\":", 0).contains("invalid JSON"));
    }

    static String parseError(String header, int dataBytes) {
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + h.length + dataBytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return assertThrows(InvalidWeightsException.class, () -> SafeTensors.parse(b.array())).getMessage();
    }

    @Test
    void saveIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
        SequenceModel a = model(1);
        Path file = dir.resolve("m.safetensors");
        Weights.save(file, a.namedParameters(), Map.of());
        Weights.save(file, a.namedParameters(), Map.of());
        try (var files = Files.list(dir)) {
            assertArrayEquals(new Object[] {file}, files.toArray());
        }
    }
}
