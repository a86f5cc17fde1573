package io.github.vecrnn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (Hugging Face; what {@code safetensors.torch.save_file} writes): an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data after the
 * header) plus an optional {@code "__metadata__"} string map, then the raw little-endian data.
 *
 * <p>Reading validates everything before returning: header length within the file and at most
 * {@link #MAX_HEADER_BYTES}, strict UTF-8, strict JSON without duplicate names, known dtypes,
 * non-negative shapes, {@code end - begin == elements * dtype size}, offsets inside the data and not
 * overlapping. Any violation is an {@link InvalidWeightsException} with the reason.
 */
public final class SafeTensors {
    /** Headers above 100 MB are refused (the reference implementation uses the same bound). */
    public static final int MAX_HEADER_BYTES = 100_000_000;

    /** Element types. */
    public enum DType {
        F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }
    }

    /** One tensor: name, dtype, shape and its bytes (a little-endian read-only view). */
    public record Tensor(String name, DType dtype, long[] shape, ByteBuffer data) {
        /** Refuses a shape that is negative or overflows, or bytes that are not elements x dtype size. */
        public Tensor {
            long elements = 1;
            for (long d : shape) {
                if (d < 0) throw new InvalidWeightsException("tensor '" + name + "' has a negative dimension in " + java.util.Arrays.toString(shape));
                if (d != 0 && elements > Long.MAX_VALUE / 8 / d) throw new InvalidWeightsException("tensor '" + name + "' shape overflows");
                elements *= d;
            }
            if (data.remaining() != elements * dtype.bytes) {
                throw new InvalidWeightsException("tensor '" + name + "' has " + data.remaining() + " bytes but " + dtype + " "
                        + java.util.Arrays.toString(shape) + " needs " + elements * dtype.bytes);
            }
        }

        public long elements() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        public String shapeString() {
            return java.util.Arrays.toString(shape);
        }

        /** The values as floats; only for F32 (no silent narrowing of F64, no guessing for halves). */
        public float[] toFloatArray() {
            if (dtype != DType.F32) throw new InvalidWeightsException("tensor '" + name + "' has dtype " + dtype + ", expected F32");
            float[] out = new float[(int) elements()];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }

        /** The values widened to double, for F32 and F64. */
        public double[] toDoubleArray() {
            double[] out = new double[(int) elements()];
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            switch (dtype) {
                case F64 -> b.asDoubleBuffer().get(out);
                case F32 -> {
                    for (int i = 0; i < out.length; i++) out[i] = b.getFloat(i * 4);
                }
                default -> throw new InvalidWeightsException("tensor '" + name + "' has dtype " + dtype + ", expected F32 or F64");
            }
            return out;
        }
    }

    /** A file's tensors in header order, and its metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
        public Tensor get(String name) {
            Tensor t = tensors.get(name);
            if (t == null) throw new InvalidWeightsException("no tensor named '" + name + "'; the file has " + tensors.keySet());
            return t;
        }
    }

    private SafeTensors() {
    }

    /** Reads and validates a file. */
    public static Contents read(Path path) throws IOException {
        long size = Files.size(path);
        if (size > Integer.MAX_VALUE - 8) {
            throw new InvalidWeightsException(path + ": " + size + " bytes is above what one Java array can hold (2 GB)");
        }
        byte[] bytes = new byte[(int) size];
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer bb = ByteBuffer.wrap(bytes);
            while (bb.hasRemaining()) {
                if (ch.read(bb) < 0) throw new InvalidWeightsException(path + ": the file shrank while being read");
            }
        }
        try {
            return parse(bytes);
        } catch (InvalidWeightsException e) {
            throw new InvalidWeightsException(path + ": " + e.getMessage());
        }
    }

    /** Parses and validates the bytes of a safetensors file. */
    public static Contents parse(byte[] file) {
        if (file.length < 8) throw new InvalidWeightsException("file is " + file.length + " bytes, shorter than the 8-byte header length");
        long headerLength = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
            throw new InvalidWeightsException("header length " + Long.toUnsignedString(headerLength) + " is outside [2, "
                    + MAX_HEADER_BYTES + "]");
        }
        if (headerLength > file.length - 8L) {
            throw new InvalidWeightsException("header length " + headerLength + " runs past the end of the file ("
                    + file.length + " bytes)");
        }
        String header;
        try {
            header = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(file, 8, (int) headerLength)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidWeightsException("header is not valid UTF-8");
        }
        Object root;
        try {
            root = Json.parse(header);
        } catch (IllegalArgumentException e) {
            throw new InvalidWeightsException("header: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> map)) throw new InvalidWeightsException("header is not a JSON object");
        int dataStart = 8 + (int) headerLength;
        long dataLength = file.length - dataStart;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> meta)) throw new InvalidWeightsException("__metadata__ is not an object");
                for (Map.Entry<?, ?> m : meta.entrySet()) {
                    if (!(m.getValue() instanceof String v)) {
                        throw new InvalidWeightsException("__metadata__ value of '" + m.getKey() + "' is not a string");
                    }
                    metadata.put((String) m.getKey(), v);
                }
                continue;
            }
            if (!(e.getValue() instanceof Map<?, ?> info)) throw new InvalidWeightsException("entry '" + name + "' is not an object");
            DType dtype;
            Object dt = info.get("dtype");
            try {
                dtype = DType.valueOf(String.valueOf(dt));
            } catch (IllegalArgumentException ex) {
                throw new InvalidWeightsException("tensor '" + name + "' has unknown dtype " + dt);
            }
            long[] shape = longs(name, "shape", info.get("shape"), -1);
            long[] offsets = longs(name, "data_offsets", info.get("data_offsets"), 2);
            long begin = offsets[0], end = offsets[1];
            if (begin < 0 || end < begin || end > dataLength) {
                throw new InvalidWeightsException("tensor '" + name + "' data_offsets [" + begin + ", " + end
                        + "] are outside the data section of " + dataLength + " bytes");
            }
            ranges.add(new long[] {begin, end, tensors.size()});
            ByteBuffer data = ByteBuffer.wrap(file, dataStart + (int) begin, (int) (end - begin)).slice()
                    .asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
            tensors.put(name, new Tensor(name, dtype, shape, data)); // checks the shape against the bytes
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < ranges.size(); i++) {
            if (ranges.get(i)[0] < ranges.get(i - 1)[1]) {
                List<String> names = new ArrayList<>(tensors.keySet());
                throw new InvalidWeightsException("tensors '" + names.get((int) ranges.get(i - 1)[2]) + "' and '"
                        + names.get((int) ranges.get(i)[2]) + "' overlap in the data section");
            }
        }
        return new Contents(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static long[] longs(String name, String field, Object v, int expected) {
        if (!(v instanceof List<?> list)) throw new InvalidWeightsException("tensor '" + name + "' has no " + field + " array");
        if (expected >= 0 && list.size() != expected) {
            throw new InvalidWeightsException("tensor '" + name + "' " + field + " has " + list.size() + " entries, expected " + expected);
        }
        if (list.size() > 64) throw new InvalidWeightsException("tensor '" + name + "' " + field + " has " + list.size() + " entries");
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long l)) throw new InvalidWeightsException("tensor '" + name + "' " + field + " holds a non-integer " + list.get(i));
            out[i] = l;
        }
        return out;
    }

    /** A float32 tensor to write. */
    public record FloatTensor(String name, int[] shape, float[] values, int offset) {
        public FloatTensor {
            long n = 1;
            for (int d : shape) {
                if (d < 0) throw new IllegalArgumentException("tensor " + name + " has a negative dimension");
                n *= d;
            }
            if (offset < 0 || offset + n > values.length) {
                throw new IllegalArgumentException("tensor " + name + " " + java.util.Arrays.toString(shape) + " at offset " + offset
                        + " runs past its array of " + values.length);
            }
        }

        long elements() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }
    }

    /** The bytes of a safetensors file holding these F32 tensors (in order) and metadata. */
    public static byte[] toBytes(List<FloatTensor> tensors, Map<String, String> metadata) {
        StringBuilder h = new StringBuilder("{");
        if (metadata != null && !metadata.isEmpty()) {
            h.append("\"__metadata__\":{");
            int k = 0;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (k++ > 0) h.append(',');
                h.append(Json.quote(e.getKey())).append(':').append(Json.quote(e.getValue()));
            }
            h.append('}');
        }
        long offset = 0;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (FloatTensor t : tensors) {
            if (!seen.add(t.name())) throw new IllegalArgumentException("duplicate tensor name " + t.name());
            if (h.length() > 1) h.append(',');
            long bytes = t.elements() * 4;
            h.append(Json.quote(t.name())).append(":{\"dtype\":\"F32\",\"shape\":[");
            for (int i = 0; i < t.shape().length; i++) h.append(i > 0 ? "," : "").append(t.shape()[i]);
            h.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        h.append('}');
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        long total = 8L + padded + offset;
        if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("file of " + total + " bytes is above 2 GB");
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(header);
        for (int i = header.length; i < padded; i++) out.put((byte) ' ');
        for (FloatTensor t : tensors) {
            int n = (int) t.elements();
            for (int i = 0; i < n; i++) out.putFloat(t.values()[t.offset() + i]);
        }
        return out.array();
    }

    /**
     * Writes a file atomically: the bytes go to a temporary file beside the target, are forced to
     * disk, and the temporary file is renamed over the target. An interrupted write leaves the old file.
     */
    public static void write(Path path, List<FloatTensor> tensors, Map<String, String> metadata) throws IOException {
        AtomicFile.write(path, toBytes(tensors, metadata));
    }
}
