package io.github.vecrnn.io;

import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What reading a hostile file may cost: parsing a header of N bytes allocates at most
 * {@link SafeTensors#PARSE_BYTES_PER_HEADER_BYTE} N bytes plus 16 MB, measured for the headers that cost
 * the most per byte (many tiny tensors, many metadata entries, long names, large shapes, skipped fields);
 * a 32 MB header of 550,000 tensors parses in a 256 MB heap; a file's data is not read before its header
 * is validated, and a load maps it and reads only what the model takes (a 1 GB file in a 64 MB heap).
 */
class SafeTensorsMemoryTest {
    static final long SLACK = 16L << 20;

    @TempDir
    Path dir;

    /** A file whose header has entries entry(0), entry(1), ... up to about targetBytes, and no data. */
    static byte[] header(int targetBytes, IntFunction<String> entry) {
        StringBuilder h = new StringBuilder("{");
        for (int i = 0; h.length() < targetBytes; i++) h.append(i > 0 ? "," : "").append(entry.apply(i));
        h.append('}');
        byte[] text = h.toString().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + text.length).order(ByteOrder.LITTLE_ENDIAN).putLong(text.length).put(text).array();
    }

    static long allocatedBy(Runnable r) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        r.run();
        return mx.getCurrentThreadAllocatedBytes() - before;
    }

    /** Short distinct names: base-36 digits. */
    static String name(int i) {
        return Integer.toString(i, 36);
    }

    @Test
    void parsingAllocatesAtMostASmallMultipleOfTheHeader() {
        int size = 8 << 20;
        Map<String, byte[]> headers = Map.of(
                "empty tensors", header(size, i -> "\"" + name(i) + "\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}"),
                "64-dimension shapes", header(size, i -> "\"" + name(i) + "\":{\"dtype\":\"U8\",\"shape\":[" + "1,".repeat(63)
                        + "0],\"data_offsets\":[0,0]}"),
                "skipped fields", header(size, i -> "\"" + name(i) + "\":{\"dtype\":\"U8\",\"shape\":[0],\"x\":[" + "[],".repeat(200)
                        + "{}],\"data_offsets\":[0,0]}"),
                "metadata entries", header(size, i -> i == 0 ? "\"__metadata__\":{" + String.join(",", java.util.stream.IntStream.range(0, SafeTensors.MAX_METADATA_ENTRIES)
                                .mapToObj(k -> "\"" + name(k) + "\":\"\"").toList()) + "}"
                        : "\"" + name(i) + "\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}"),
                "one long name", header(size, i -> "\"" + (i == 0 ? "\u00e9".repeat(size / 2) : name(i))
                        + "\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}"));
        StringBuilder report = new StringBuilder();
        for (Map.Entry<String, byte[]> h : headers.entrySet()) {
            byte[] file = h.getValue();
            long headerBytes = file.length - 8;
            SafeTensors.parse(file);  // warm-up: class loading and compilation allocate too
            long allocated = allocatedBy(() -> SafeTensors.parse(file));
            report.append(String.format("safetensors header parse, %s: %.2f bytes allocated per header byte%n", h.getKey(),
                                        (double) allocated / headerBytes));
            assertTrue(allocated <= SafeTensors.PARSE_BYTES_PER_HEADER_BYTE * headerBytes + SLACK,
                       h.getKey() + ": parsing " + headerBytes + " header bytes allocated " + allocated);
        }
        System.out.print(report);
    }

    /** The child: reads args[0] and prints its tensor count. */
    public static final class ReadFile {
        public static void main(String[] args) throws IOException {
            System.out.println("tensors " + SafeTensors.read(Path.of(args[0])).tensors().size());
        }
    }

    @Test
    void aHeaderOf550000TensorsParsesInA256MegabyteHeap() throws Exception {
        byte[] file = header(32 << 20, i -> "\"t" + i + "\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
        Path path = dir.resolve("many.safetensors");
        Files.write(path, file);
        ChildJvm.Result r = ChildJvm.run(List.of("-Xmx256m", "-XX:+UseSerialGC"), ReadFile.class, path.toString());
        assertEquals(0, r.exitCode(), r.output());
        long tensors = Long.parseLong(r.output().lines().filter(l -> l.startsWith("tensors ")).findFirst().orElseThrow().substring(8));
        assertTrue(tensors > 550_000, r.output());
    }

    /** The child: loads args[0] into a module with one tensor "weight" [2] and prints the refusal. */
    public static final class LoadFile {
        public static void main(String[] args) throws IOException {
            Parameters.Builder b = new Parameters.Builder();
            b.add("weight", 2);
            try {
                Weights.load(Path.of(args[0]), b.build());
                System.out.println("loaded");
            } catch (InvalidWeightsException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }

    @Test
    void aGigabyteFileIsRefusedInA64MegabyteHeap() throws Exception {
        Path sparse = dir.resolve("sparse.safetensors");   // 1 GB on paper, nothing on disk
        int headerLength = 96;
        long data = (1L << 30) - 8 - headerLength;
        String header = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + data + "],\"data_offsets\":[0," + data + "]}}";
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array());
            f.write((header + " ".repeat(headerLength - header.length())).getBytes(StandardCharsets.US_ASCII));
            f.setLength(1L << 30);
        }
        ChildJvm.Result r = ChildJvm.run(List.of("-Xmx64m", "-XX:+UseSerialGC"), LoadFile.class, sparse.toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("refused: ") && r.output().contains("unexpected tensor 'big'"), r.output());
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {   // and a header that claims 2^40 bytes
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        }
        r = ChildJvm.run(List.of("-Xmx64m", "-XX:+UseSerialGC"), LoadFile.class, sparse.toString());
        assertTrue(r.output().contains("refused: ") && r.output().contains("header length 1099511627776"), r.output());
    }
}
