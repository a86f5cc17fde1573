package io.github.vecrnn.io;

import io.github.vecrnn.cells.Parameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The format's rules, each with the message that names what is wrong: the data offsets must tile the
 * data section, strings are strict JSON, every dtype the format defines is read (and only the tensors a
 * model takes must be F32), and only regular files are opened.
 */
class SafeTensorsTest {
    @TempDir
    Path dir;

    /** A file of this header text (its length field given, or the text's own) and data bytes. */
    static byte[] file(String header, long headerLength, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(headerLength).put(h).put(data).array();
    }

    static byte[] file(String header, byte[] data) {
        return file(header, header.getBytes(StandardCharsets.UTF_8).length, data);
    }

    static String tensor(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    static void refused(byte[] file, String... fragments) {
        InvalidWeightsException e = assertThrows(InvalidWeightsException.class, () -> SafeTensors.parse(file));
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' lacks '" + f + "'");
    }

    @Test
    void aHeaderLengthShortByItsPaddingIsRefusedNotReadFromTheWrongBytes() {
        // A writer pads the header with spaces to a multiple of 8. Lowered by those spaces, the length still
        // ends on valid JSON, the spaces become the data section's first bytes and every tensor would be read
        // that many bytes early; the bytes left after the last tensor give it away.
        String header = "{" + tensor("w", "F32", "[2]", 0, 8) + "}";
        int padding = 8 - header.length() % 8;
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(2.5f).array();
        byte[] good = file(header + " ".repeat(padding), data);
        assertArrayEquals(new float[] {1.5f, 2.5f}, SafeTensors.parse(good).get("w").toFloatArray());
        refused(file(header + " ".repeat(padding), header.length(), data),
                "the last " + padding + " bytes of the data section", "belong to no tensor (after 'w')");
    }

    @Test
    void gapsOverlapsAndStrayBytesInTheDataSectionAreRefusedNamingWhere() {
        String a = tensor("a", "F32", "[1]", 0, 4);
        refused(file("{" + a + "," + tensor("b", "F32", "[1]", 8, 12) + "}", new byte[12]),
                "bytes [4, 8) of the data section belong to no tensor (between 'a' and 'b')");
        refused(file("{" + a + "}", new byte[7]), "the last 3 bytes of the data section, [4, 7), belong to no tensor (after 'a')");
        refused(file("{" + tensor("a", "F32", "[1]", 4, 8) + "}", new byte[8]), "bytes [0, 4)", "(before the first, 'a')");
        refused(file("{}", new byte[1]), "the last 1 bytes of the data section, [0, 1), belong to no tensor");
        refused(file("{" + a + "," + tensor("b", "F32", "[1]", 2, 6) + "}", new byte[8]),
                "tensors 'a' [0, 4] and 'b' [2, 6] overlap");
        refused(file("{" + tensor("a", "U8", "[4]", 0, 4) + "," + tensor("e", "U8", "[0]", 2, 2) + "}", new byte[4]),
                "tensors 'a' [0, 4] and 'e' [2, 2] overlap");
        refused(file("{" + tensor("a", "F32", "[0]", 192, 0) + "}", new byte[192]), "data_offsets [192, 0] end before they begin");
        refused(file("{" + tensor("a", "F32", "[2]", 0, 8) + "}", new byte[4]), "[0, 8] are outside the data section of 4 bytes");
        // Empty tensors may sit at either end, and anywhere between two others.
        SafeTensors.Contents c = SafeTensors.parse(file("{" + tensor("z", "U8", "[0]", 0, 0) + "," + a + ","
                + tensor("y", "I32", "[0,3]", 4, 4) + "," + tensor("b", "U8", "[1]", 4, 5) + "}", new byte[5]));
        assertEquals(List.of("z", "a", "y", "b"), List.copyOf(c.tensors().keySet()));
    }

    @Test
    void jsonIsStrictAndItsErrorsShowInvisibleCharacters() {
        String tail = "\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        refused(file("{\"a\\u+05fb" + tail, new byte[1]), "expected a hex digit of a \\u escape, found '+'");
        refused(file("{\"a\\u-5fb" + tail, new byte[1]), "hex digit");
        refused(file("{\"a\\u5fb" + tail, new byte[1]), "hex digit");
        refused(file("{\"a\\ud800" + tail, new byte[1]), "unpaired surrogate");
        refused(file("{\"a\\udc00" + tail, new byte[1]), "unpaired surrogate");
        refused(file("\uFEFF{\"a" + tail, new byte[1]), "U+FEFF (a byte order mark)");
        refused(file("{\"a" + tail.replace("}}", "},}"), new byte[1]), "a comma before a closing bracket");
        refused(file("{\"a" + tail.replace("[1]", "[01]"), new byte[1]), "leading zero");
        refused(file("{\"a" + tail.replace("[1]", "[1.0]"), new byte[1]), "fraction or an exponent");
        refused(file("{\"a" + tail.replace("[1]", "[+1]"), new byte[1]), "found '+'");
        assertEquals(List.of("a\u05fb", "\uD83D\uDE00"), List.copyOf(SafeTensors.parse(file("{\"a\\u05fb" + tail.replace("}}", "},")
                + "\"\\ud83d\\ude00" + tail.replace("0,1", "1,2"), new byte[2])).tensors().keySet()));
    }

    @Test
    void dtypesAreNamedVisiblyAndEveryDtypeOfTheFormatIsRead() {
        refused(file("{" + tensor("w", "", "[1]", 0, 1) + "}", new byte[1]), "unknown dtype ''");
        refused(file("{" + tensor("w", "Q4", "[1]", 0, 1) + "}", new byte[1]), "unknown dtype 'Q4'", "U16");
        refused(file("{" + tensor("w", "F4", "[3]", 0, 2) + "}", new byte[2]), "F4 [3] is 12 bits, not a whole number of bytes");
        refused(file("{\"w\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]), "dtype is not a string");
        SafeTensors.Contents c = SafeTensors.parse(file("{" + tensor("u", "U16", "[3]", 0, 6) + "," + tensor("f", "F4", "[2,3]", 6, 9)
                + "," + tensor("c", "C64", "[1]", 9, 17) + "," + tensor("e", "F8_E8M0", "[2]", 17, 19) + "}", new byte[19]));
        assertEquals(SafeTensors.DType.F4, c.get("f").dtype());
        assertEquals(3, c.get("f").data().remaining());
    }

    @Test
    void aTensorOfAnotherDtypeUnderAPrefixNobodyLoadsDoesNotStopTheLoad() throws IOException {
        Parameters.Builder b = new Parameters.Builder();
        b.add("weight", 2);
        Parameters params = b.build();
        byte[] weight = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(3f).putFloat(4f).array();
        byte[] bytes = file("{" + tensor("model.weight", "F32", "[2]", 0, 8) + "," + tensor("tokenizer.ids", "U16", "[2]", 8, 12)
                + "}", java.util.Arrays.copyOf(weight, 12));
        Path path = dir.resolve("mixed.safetensors");
        Files.write(path, bytes);
        Weights.load(path, Map.of("model.", params));
        assertArrayEquals(new float[] {3f, 4f}, params.values());
    }

    @Test
    void onlyRegularFilesAreOpened() throws Exception {
        Path fifo = dir.resolve("pipe.safetensors");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor());
        Parameters params = new Parameters.Builder().build();
        // Opening a FIFO for reading would block until a writer comes: it must be refused before.
        InvalidWeightsException e = assertThrows(InvalidWeightsException.class, () -> SafeTensors.read(fifo));
        assertTrue(e.getMessage().contains("not a regular file (a FIFO, socket or device)"), e.getMessage());
        assertThrows(InvalidWeightsException.class, () -> Weights.load(fifo, params));
        e = assertThrows(InvalidWeightsException.class, () -> SafeTensors.read(dir));
        assertTrue(e.getMessage().contains("not a regular file (a directory)"), e.getMessage());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> SafeTensors.read(dir.resolve("missing")));
    }

    @Test
    void aSparseFileClaimingAHugeHeaderOrTensorIsRefusedWithoutReadingIt() throws IOException {
        // 1 GB on paper, nothing on disk. Whole-file reading would allocate a gigabyte before looking.
        Path sparse = dir.resolve("sparse.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
            f.setLength(1L << 30);
        }
        InvalidWeightsException e = assertThrows(InvalidWeightsException.class, () -> SafeTensors.read(sparse));
        assertTrue(e.getMessage().contains("header length 1099511627776 is outside [2, 100000000]"), e.getMessage());
        // A valid header over one tensor of the gigabyte: a model that does not take it never reads it.
        String header = "{" + tensor("big", "U8", "[" + ((1L << 30) - 8 - 96) + "]", 0, (1L << 30) - 8 - 96) + "}";
        header = header + " ".repeat(96 - header.length());
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(96).array());
            f.write(header.getBytes(StandardCharsets.US_ASCII));
        }
        Parameters.Builder b = new Parameters.Builder();
        b.add("weight", 2);
        Parameters params = b.build();
        e = assertThrows(InvalidWeightsException.class, () -> Weights.load(sparse, params));
        assertTrue(e.getMessage().contains("missing tensor 'weight'") && e.getMessage().contains("unexpected tensor 'big'"), e.getMessage());
    }
}
