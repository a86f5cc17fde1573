package io.github.vecrnn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The safetensors format (Hugging Face; what {@code safetensors.torch.save_file} writes): an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data after the
 * header) plus an optional {@code "__metadata__"} string map, then the raw little-endian data.
 *
 * <p>Reading validates the header before it reads or maps any data, and refuses, with an
 * {@link InvalidWeightsException} giving the reason: a header length outside the file or above
 * {@link #MAX_HEADER_BYTES}; text that is not strict UTF-8 JSON ({@link JsonReader}); duplicate names;
 * an unknown dtype; a shape that is negative or overflows; a byte count that is not elements x the
 * dtype's size in whole bytes; offsets that do not tile the data section exactly, as the format
 * requires: sorted by offset the tensors' ranges must be contiguous from 0 to the end of the file, so
 * a gap, an overlap, a byte before the first tensor or after the last is refused, naming where. More
 * than {@link #MAX_METADATA_ENTRIES} metadata entries are refused too.
 *
 * <p>Memory: parsing a header of N bytes allocates at most {@value #PARSE_BYTES_PER_HEADER_BYTE} N bytes
 * plus 16 MB whatever its content (SafeTensorsMemoryTest measures the worst cases it knows and parses a
 * 32 MB header of 550,000 tensors in a JVM of 256 MB), so a hostile header cannot exhaust the heap
 * before it is refused. {@link #read(Path)} then reads the data section into the heap;
 * {@link #readMapped} maps it instead and touches only the tensors its reader asks for.
 */
public final class SafeTensors {
    /** Headers above 100 MB are refused (the reference implementation uses the same bound). */
    public static final int MAX_HEADER_BYTES = 100_000_000;
    /** At most this many {@code __metadata__} entries (their per-entry cost is not bounded by the header's size). */
    public static final int MAX_METADATA_ENTRIES = 65_536;
    /** The bound on parsing memory stated above, checked by SafeTensorsMemoryTest. */
    static final int PARSE_BYTES_PER_HEADER_BYTE = 8;

    /** Element types, all the format defines, with their sizes in bits (F4 and the F6 types pack below a byte). */
    public enum DType {
        BOOL(8), F4(4), F6_E2M3(6), F6_E3M2(6), U8(8), I8(8), F8_E5M2(8), F8_E4M3(8), F8_E8M0(8), I16(16), U16(16),
        F16(16), BF16(16), I32(32), U32(32), F32(32), C64(64), F64(64), I64(64), U64(64);

        private final int bits;

        DType(int bits) {
            this.bits = bits;
        }

        /** Size of one element in bits. */
        public int bits() {
            return bits;
        }

        /** The dtype of this name as the format spells it, or null when there is none. */
        static DType named(String name) {
            for (DType t : values()) if (t.name().equals(name)) return t;
            return null;
        }
    }

    /** One tensor: name, dtype, shape and its bytes (a little-endian read-only view). */
    public record Tensor(String name, DType dtype, long[] shape, ByteBuffer data) {
        /** Refuses a shape that is negative or overflows, or bytes that are not elements x dtype size. */
        public Tensor {
            long bytes = byteCount(name, dtype, shape);
            if (data.remaining() != bytes) {
                throw new InvalidWeightsException("tensor " + JsonWriter.visible(name) + " has " + data.remaining() + " bytes but "
                        + dtype + " " + java.util.Arrays.toString(shape) + " needs " + bytes);
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
            if (dtype != DType.F32) throw new InvalidWeightsException("tensor " + JsonWriter.visible(name) + " has dtype " + dtype + ", expected F32");
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
                default -> throw new InvalidWeightsException("tensor " + JsonWriter.visible(name) + " has dtype " + dtype
                        + ", expected F32 or F64");
            }
            return out;
        }
    }

    /**
     * The bytes a tensor of this dtype and shape takes; refuses a negative dimension, an element count that
     * overflows, and a size in bits that is not whole bytes.
     */
    static long byteCount(String name, DType dtype, long[] shape) {
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new InvalidWeightsException("tensor " + JsonWriter.visible(name) + " has a negative dimension in "
                        + java.util.Arrays.toString(shape));
            }
            if (d != 0 && elements > Long.MAX_VALUE / 64 / d) {
                throw new InvalidWeightsException("tensor " + JsonWriter.visible(name) + " shape " + java.util.Arrays.toString(shape)
                        + " overflows");
            }
            elements *= d;
        }
        long bits = elements * dtype.bits();
        if (bits % 8 != 0) {
            throw new InvalidWeightsException("tensor " + JsonWriter.visible(name) + " " + dtype + " " + java.util.Arrays.toString(shape)
                    + " is " + bits + " bits, not a whole number of bytes");
        }
        return bits / 8;
    }

    /** A file's tensors in header order, and its metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
        public Tensor get(String name) {
            Tensor t = tensors.get(name);
            if (t == null) throw new InvalidWeightsException("no tensor named " + JsonWriter.visible(name) + "; the file has " + tensors.keySet());
            return t;
        }
    }

    private SafeTensors() {
    }

    /**
     * Reads and validates a file: the header first, then the data section into memory (files up to 2 GB).
     * What is not a regular file (a directory, a FIFO, a device) is refused before it is opened.
     */
    public static Contents read(Path path) throws IOException {
        try (FileChannel ch = openRegularFile(path)) {
            Header header = Header.read(ch);
            byte[] data = new byte[(int) header.dataLength];
            readFully(ch, ByteBuffer.wrap(data), header.dataStart);
            return header.contents(ByteBuffer.wrap(data));
        } catch (InvalidWeightsException e) {
            throw withPath(path, e);
        }
    }

    /**
     * Validates a file's header, maps its data section (nothing is read into the heap until a tensor's
     * values are asked for), gives the contents to {@code reader} and unmaps the file when it returns:
     * the contents and their buffers must not be kept past the call. Files up to 2 GB; what is not a
     * regular file is refused. Weights and checkpoints load through this, so a file holding more than
     * the model takes costs only the tensors the model loads.
     */
    public static <R> R readMapped(Path path, Function<Contents, R> reader) throws IOException {
        try (FileChannel ch = openRegularFile(path); Arena arena = Arena.ofConfined()) {
            Header header = Header.read(ch);
            ByteBuffer data = header.dataLength == 0 ? ByteBuffer.allocate(0)
                    : ch.map(FileChannel.MapMode.READ_ONLY, header.dataStart, header.dataLength, arena).asByteBuffer();
            return reader.apply(header.contents(data));
        } catch (InvalidWeightsException e) {
            throw withPath(path, e);
        }
    }

    /** Parses and validates the bytes of a safetensors file. */
    public static Contents parse(byte[] file) {
        if (file.length < 8) throw new InvalidWeightsException("file is " + file.length + " bytes, shorter than the 8-byte header length");
        long headerLength = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Header header = Header.parse(file, 8, checkHeaderLength(headerLength, file.length), file.length);
        return header.contents(ByteBuffer.wrap(file, (int) header.dataStart, (int) header.dataLength).slice());
    }

    /** The message prefixed with the file, once. */
    static InvalidWeightsException withPath(Path path, InvalidWeightsException e) {
        return e.getMessage().startsWith(path + ": ") ? e : new InvalidWeightsException(path + ": " + e.getMessage());
    }

    /**
     * A channel on the file, refused before opening when it is not a regular file: opening a FIFO blocks
     * until a writer comes, and a directory or device is no weights file. A missing file is
     * NoSuchFileException, as for any file.
     */
    private static FileChannel openRegularFile(Path path) throws IOException {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        if (!a.isRegularFile()) {
            throw new InvalidWeightsException(path + ": not a regular file (" + (a.isDirectory() ? "a directory"
                    : "a FIFO, socket or device") + "); weights are read from regular files only");
        }
        return FileChannel.open(path, StandardOpenOption.READ);
    }

    private static void readFully(FileChannel ch, ByteBuffer into, long position) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int n = ch.read(into, at);
            if (n < 0) throw new InvalidWeightsException("the file shrank while being read");
            at += n;
        }
    }

    /** The header length as an int, refused when outside [2, MAX_HEADER_BYTES] or past the end of a file of fileSize bytes. */
    private static int checkHeaderLength(long headerLength, long fileSize) {
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
            throw new InvalidWeightsException("header length " + Long.toUnsignedString(headerLength) + " is outside [2, "
                    + MAX_HEADER_BYTES + "]");
        }
        if (headerLength > fileSize - 8) {
            throw new InvalidWeightsException("header length " + headerLength + " runs past the end of the file ("
                    + fileSize + " bytes)");
        }
        return (int) headerLength;
    }

    /**
     * A parsed, validated header: each tensor's name, dtype, shape and byte range in header order (in
     * arrays, not objects, so that parsing stays within its memory bound), the metadata, and where the
     * data section lies in the file.
     */
    private static final class Header {
        // Indexed by tensor, in header order; sized for the most tensors a header of its length can hold.
        private final String[] names;
        private final DType[] dtypes;
        private final long[][] shapes;
        private final long[] begins, ends;
        private int count;
        private final long[] scratch = new long[64];   // a shape or data_offsets array as it is read
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private boolean metadataSeen;
        private long dataStart, dataLength;

        /** Reads and parses the header of an open file. */
        static Header read(FileChannel ch) throws IOException {
            long size = ch.size();
            if (size < 8) throw new InvalidWeightsException("file is " + size + " bytes, shorter than the 8-byte header length");
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, length, 0);
            int n = checkHeaderLength(length.getLong(0), size);
            byte[] text = new byte[n];
            readFully(ch, ByteBuffer.wrap(text), 8);
            return parse(text, 0, n, size);
        }

        /**
         * Parses the JSON at text[offset, offset + length), the header of a file of fileSize bytes whose
         * data section starts right after it.
         */
        /**
         * The shortest entry a tensor can have, {@code "":{"dtype":"U8","shape":[],"data_offsets":[0,0]}} and a
         * comma: a header of N bytes holds at most N / 49 tensors.
         */
        private static final int SHORTEST_ENTRY = 49;

        private Header(int headerLength) {
            int most = headerLength / SHORTEST_ENTRY + 1;
            names = new String[most];
            dtypes = new DType[most];
            shapes = new long[most][];
            begins = new long[most];
            ends = new long[most];
        }

        static Header parse(byte[] text, int offset, int length, long fileSize) {
            Header h = new Header(length);
            h.dataStart = 8L + length;
            h.dataLength = fileSize - h.dataStart;
            if (h.dataLength > Integer.MAX_VALUE - 8) {
                throw new InvalidWeightsException("the data section of " + h.dataLength + " bytes is above 2 GB, more than"
                        + " vecrnn reads");
            }
            JsonReader json;
            try {
                json = new JsonReader(text, offset, length, CONSTANTS);
                json.beginObject();
                while (json.hasNext()) {
                    String name = json.nextName();
                    if (name.equals("__metadata__")) h.readMetadata(json);
                    else h.readTensor(json, name);
                }
                json.endObject();
                json.endDocument();
            } catch (InvalidWeightsException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new InvalidWeightsException("header: " + e.getMessage());
            }
            h.checkRanges();
            return h;
        }

        private void readMetadata(JsonReader json) {
            if (metadataSeen) throw new InvalidWeightsException("header: duplicate key '__metadata__'");
            metadataSeen = true;
            if (json.peek() != JsonReader.Kind.OBJECT) throw new InvalidWeightsException("__metadata__ is not an object");
            json.beginObject();
            while (json.hasNext()) {
                String key = json.nextName();
                if (json.peek() != JsonReader.Kind.STRING) {
                    throw new InvalidWeightsException("__metadata__ value of " + JsonWriter.visible(key) + " is not a string");
                }
                if (metadata.size() == MAX_METADATA_ENTRIES) {
                    throw new InvalidWeightsException("__metadata__ has more than " + MAX_METADATA_ENTRIES + " entries");
                }
                if (metadata.put(key, json.nextString()) != null) {
                    throw new InvalidWeightsException("header: duplicate key " + JsonWriter.visible(key) + " in __metadata__");
                }
            }
            json.endObject();
        }

        private void readTensor(JsonReader json, String name) {
            if (json.peek() != JsonReader.Kind.OBJECT) throw new InvalidWeightsException("entry " + JsonWriter.visible(name) + " is not an object");
            DType dtype = null;
            long[] shape = null;
            boolean offsetsSeen = false;
            long begin = 0, end = 0;
            json.beginObject();
            while (json.hasNext()) {
                String field = json.nextName();
                switch (field) {
                    case "dtype" -> {
                        if (dtype != null) throw duplicateField(name, field);
                        if (json.peek() != JsonReader.Kind.STRING) throw new InvalidWeightsException("tensor " + JsonWriter.visible(name) + " dtype is not a string");
                        String spelled = json.nextString();
                        dtype = DType.named(spelled);
                        if (dtype == null) {
                            throw new InvalidWeightsException("tensor " + JsonWriter.visible(name) + " has unknown dtype " + JsonWriter.visible(spelled)
                                    + "; the format's dtypes are " + java.util.Arrays.toString(DType.values()));
                        }
                    }
                    case "shape" -> {
                        if (shape != null) throw duplicateField(name, field);
                        int n = longs(json, name, field, -1);
                        shape = n == 0 ? NO_DIMENSIONS : java.util.Arrays.copyOf(scratch, n);
                    }
                    case "data_offsets" -> {
                        if (offsetsSeen) throw duplicateField(name, field);
                        offsetsSeen = true;
                        longs(json, name, field, 2);
                        begin = scratch[0];
                        end = scratch[1];
                    }
                    default -> json.skipValue();  // fields the format does not define are ignored, as by the reference reader
                }
            }
            json.endObject();
            if (dtype == null || shape == null || !offsetsSeen) {
                throw new InvalidWeightsException("tensor " + JsonWriter.visible(name) + " has no " + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
            }
            if (end < begin) {
                throw new InvalidWeightsException("tensor " + JsonWriter.visible(name) + " data_offsets [" + begin + ", " + end + "] end before they begin");
            }
            if (end > dataLength) {
                throw new InvalidWeightsException("tensor " + JsonWriter.visible(name) + " data_offsets [" + begin + ", " + end
                        + "] are outside the data section of " + dataLength + " bytes");
            }
            long bytes = byteCount(name, dtype, shape);
            if (end - begin != bytes) {
                throw new InvalidWeightsException("tensor " + JsonWriter.visible(name) + " data_offsets [" + begin + ", " + end + "] hold "
                        + (end - begin) + " bytes but " + dtype + " " + java.util.Arrays.toString(shape) + " needs " + bytes);
            }
            names[count] = name;
            dtypes[count] = dtype;
            shapes[count] = shape;
            begins[count] = begin;
            ends[count] = end;
            count++;
        }

        private static final long[] NO_DIMENSIONS = {};
        /** The strings every header repeats, read without allocating: field names and dtype names. */
        private static final String[] CONSTANTS = java.util.stream.Stream.concat(
                java.util.stream.Stream.of("dtype", "shape", "data_offsets", "__metadata__"),
                java.util.Arrays.stream(DType.values()).map(Enum::name)).toArray(String[]::new);

        private static InvalidWeightsException duplicateField(String tensor, String field) {
            return new InvalidWeightsException("tensor " + JsonWriter.visible(tensor) + " has two \"" + field + "\" fields");
        }

        /**
         * Reads a JSON array of non-negative integers into scratch and returns their count: expected of them,
         * or any number up to 64 when expected is negative.
         */
        private int longs(JsonReader json, String tensor, String field, int expected) {
            if (json.peek() != JsonReader.Kind.ARRAY) throw new InvalidWeightsException("tensor " + JsonWriter.visible(tensor) + " has no " + field + " array");
            int n = 0;
            json.beginArray();
            while (json.hasNext()) {
                if (n == 64) throw new InvalidWeightsException("tensor " + JsonWriter.visible(tensor) + " " + field + " has more than 64 entries");
                if (json.peek() != JsonReader.Kind.NUMBER) {
                    throw new InvalidWeightsException("tensor " + JsonWriter.visible(tensor) + " " + field + " holds something other than an integer");
                }
                long v;
                try {
                    v = json.nextLong();
                } catch (IllegalArgumentException e) {
                    throw new InvalidWeightsException("tensor " + JsonWriter.visible(tensor) + " " + field + ": " + e.getMessage());
                }
                if (v < 0) throw new InvalidWeightsException("tensor " + JsonWriter.visible(tensor) + " " + field + " holds a negative " + v);
                scratch[n++] = v;
            }
            json.endArray();
            if (expected >= 0 && n != expected) {
                throw new InvalidWeightsException("tensor " + JsonWriter.visible(tensor) + " " + field + " has " + n + " entries, expected " + expected);
            }
            return n;
        }

        /**
         * The format's layout rule: sorted by (begin, end), the ranges follow each other with no gap and no
         * overlap from byte 0 to the end of the data section. Offsets below 2^31 (the data section is at most
         * 2 GB) and fewer than 2^22 tensors (a header of 100 MB holds at most about 2.1 million) let one long
         * sort hold the order: begin, then empty before non-empty (at most one non-empty range may start at
         * a byte), then the index.
         */
        private void checkRanges() {
            long[] order = new long[count];
            for (int i = 0; i < count; i++) order[i] = (begins[i] << 23) | (ends[i] > begins[i] ? 1L << 22 : 0) | i;
            java.util.Arrays.sort(order);
            long covered = 0;
            int last = -1;
            for (long key : order) {
                int i = (int) (key & ((1 << 22) - 1));
                if (begins[i] > covered) {
                    throw new InvalidWeightsException("bytes [" + covered + ", " + begins[i] + ") of the data section belong to no tensor ("
                            + (last < 0 ? "before the first, " : "between " + JsonWriter.visible(names[last]) + " and ")
                            + JsonWriter.visible(names[i]) + "); the format requires the tensors to cover it without gaps");
                }
                if (begins[i] < covered) {
                    throw new InvalidWeightsException("tensors " + JsonWriter.visible(names[last]) + " [" + begins[last] + ", " + ends[last]
                            + "] and " + JsonWriter.visible(names[i]) + " [" + begins[i] + ", " + ends[i] + "] overlap in the data section");
                }
                covered = ends[i];
                if (ends[i] > begins[i]) last = i;
            }
            if (covered != dataLength) {
                throw new InvalidWeightsException("the last " + (dataLength - covered) + " bytes of the data section, ["
                        + covered + ", " + dataLength + "), belong to no tensor" + (last < 0 ? "" : " (after "
                        + JsonWriter.visible(names[last]) + ")") + "; the tensors must cover it exactly (is the header length right?)");
            }
        }

        /** The tensors over the data section's bytes (heap or mapped); refuses a duplicate name. */
        Contents contents(ByteBuffer data) {
            ByteBuffer readOnly = data.asReadOnlyBuffer();
            Map<String, Tensor> tensors = new LinkedHashMap<>(Math.max(16, (int) (count / 0.75f) + 1));
            for (int i = 0; i < count; i++) {
                ByteBuffer bytes = readOnly.slice((int) begins[i], (int) (ends[i] - begins[i])).order(ByteOrder.LITTLE_ENDIAN);
                if (tensors.put(names[i], new Tensor(names[i], dtypes[i], shapes[i], bytes)) != null) {
                    throw new InvalidWeightsException("header: duplicate key " + JsonWriter.visible(names[i]) + " (two tensors of that name)");
                }
            }
            return new Contents(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
        }
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

    /**
     * The bytes of a safetensors file holding these F32 tensors (in order) and metadata. Refuses what
     * {@link #read} would refuse: duplicate names, a tensor named {@code __metadata__}, more than
     * {@link #MAX_METADATA_ENTRIES} metadata entries, a header above {@link #MAX_HEADER_BYTES}, a file above
     * 2 GB, strings without a UTF-8 form.
     */
    public static byte[] toBytes(List<FloatTensor> tensors, Map<String, String> metadata) {
        if (metadata != null && metadata.size() > MAX_METADATA_ENTRIES) {
            throw new IllegalArgumentException("metadata has " + metadata.size() + " entries, more than " + MAX_METADATA_ENTRIES);
        }
        StringBuilder h = new StringBuilder("{");
        if (metadata != null && !metadata.isEmpty()) {
            h.append("\"__metadata__\":{");
            int k = 0;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (k++ > 0) h.append(',');
                h.append(JsonWriter.quote(e.getKey())).append(':').append(JsonWriter.quote(e.getValue()));
            }
            h.append('}');
        }
        long offset = 0;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (FloatTensor t : tensors) {
            if (!seen.add(t.name())) throw new IllegalArgumentException("duplicate tensor name " + t.name());
            if (t.name().equals("__metadata__")) throw new IllegalArgumentException("a tensor may not be named \"__metadata__\"");
            if (h.length() > 1) h.append(',');
            long bytes = t.elements() * 4;
            h.append(JsonWriter.quote(t.name())).append(":{\"dtype\":\"F32\",\"shape\":[");
            for (int i = 0; i < t.shape().length; i++) h.append(i > 0 ? "," : "").append(t.shape()[i]);
            h.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        h.append('}');
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        if (padded > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("the header would be " + padded + " bytes, above " + MAX_HEADER_BYTES);
        }
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
