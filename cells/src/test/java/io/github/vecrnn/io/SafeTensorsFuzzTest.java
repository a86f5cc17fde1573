package io.github.vecrnn.io;

import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.SequenceModel;
import io.github.vecrnn.train.Adam;
import io.github.vecrnn.train.Checkpoint;
import io.github.vecrnn.train.CheckpointTest;
import io.github.vecrnn.train.Loss;
import io.github.vecrnn.train.Trainer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A seeded mutation fuzzer for everything that reads safetensors: {@link SafeTensors#parse},
 * {@link Weights#load} and {@link Checkpoint#load}. Each input must either load completely or be refused
 * with an {@link InvalidWeightsException} that leaves the model (and trainer) exactly as before; any other
 * exception or error, an OutOfMemoryError included, is a bug. The corpus under
 * {@code src/test/resources/fuzz/safetensors/} is replayed first on every run: one file per kind of
 * damage the reader must refuse ({@code refused-*}, which must not parse) and valid corner cases
 * ({@code loaded-*}); an input that ever breaks a loader is added there.
 *
 * <p>Budget: {@value #DEFAULT_ITERATIONS} mutated inputs per test run from seed {@value #DEFAULT_SEED};
 * {@code VECRNN_FUZZ_ITERATIONS=N VECRNN_FUZZ_SEED=S ./vecrnn mvn test -pl cells -am -Dtest=SafeTensorsFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false} runs a longer campaign. A failing input is
 * written to {@code target/fuzz-failures/} so it can be added to the corpus.
 */
class SafeTensorsFuzzTest {
    static final int DEFAULT_ITERATIONS = 20_000;
    static final long DEFAULT_SEED = 20261121L;
    static final Path CORPUS = Path.of("src/test/resources/fuzz/safetensors");

    /** The loaders under test share these targets; each check compares them before and after. */
    final SequenceModel model = model(1);
    final Trainer trainer = trainer(3);

    static SequenceModel model(long seed) {
        Rnn rnn = Rnn.gru(2, 3).bidirectional(true).maxBatch(2).maxSteps(3).seed(seed).build();
        return new SequenceModel(rnn, new Dense(6, 2, 6, new Rng(seed)), Readout.PER_STEP);
    }

    static Trainer trainer(long seed) {
        Trainer t = new Trainer(model(seed), Loss.MSE, new Adam(1e-2f));
        t.step(new float[3 * 2 * 2], new float[3 * 2 * 2], 2, 3, null); // allocates the optimizer state
        return t;
    }

    /** Valid files to mutate: a weights file, a checkpoint, and one with every dtype and odd shapes. */
    static List<byte[]> seeds(Path scratch) throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(SafeTensors.toBytes(Weights.tensors(model(2).namedParameters()), Map.of("framework", "vecrnn")));
        Path ckpt = scratch.resolve("seed-checkpoint.safetensors");
        Checkpoint.save(ckpt, trainer(4), Map.of("epoch", "7"));
        seeds.add(Files.readAllBytes(ckpt));
        String header = "{\"__metadata__\":{\"k\":\"v\"},\"f64\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[16,20]},"
                + "\"empty\":{\"dtype\":\"I32\",\"shape\":[0,3],\"data_offsets\":[20,20]},"
                + "\"half\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[20,24]},"
                + "\"ü\\u00fc\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[24,28]},"
                + "\"u16\":{\"dtype\":\"U16\",\"shape\":[3],\"data_offsets\":[28,34]},"
                + "\"f4\":{\"dtype\":\"F4\",\"shape\":[2,3],\"data_offsets\":[34,37]},"
                + "\"c64\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[37,45]},"
                + "\"\\ud83d\\ude00\":{\"dtype\":\"F8_E4M3\",\"shape\":[3],\"extra\":[1,{\"a\":null}],\"data_offsets\":[45,48]}}";
        seeds.add(file(header, 48));
        return seeds;
    }

    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (int i = 0; i < dataBytes; i++) b.put((byte) (i * 37));
        return b.array();
    }

    @Test
    void theCorpusAndMutatedFilesAreLoadedWholeOrRefusedCleanly() throws IOException {
        List<String> failures = new ArrayList<>();
        int corpusFiles = 0;
        if (Files.isDirectory(CORPUS)) {
            try (var files = Files.list(CORPUS)) {
                for (Path p : files.sorted().toList()) {
                    corpusFiles++;
                    String name = p.getFileName().toString();
                    boolean loaded = check(Files.readAllBytes(p), name, failures);
                    if (loaded != name.startsWith("loaded-")) failures.add(name + (loaded ? " was loaded" : " was refused"));
                }
            }
        }
        Path scratch = Files.createTempDirectory("fuzz");
        List<byte[]> seeds = seeds(scratch);
        for (byte[] s : seeds) {
            check(s, "seed", failures);
            assertTrue(failures.isEmpty(), "a valid seed was refused or failed: " + failures);
        }
        int iterations = (int) setting("vecrnn.fuzz.iterations", DEFAULT_ITERATIONS);
        long seed = setting("vecrnn.fuzz.seed", DEFAULT_SEED);
        SplittableRandom random = new SplittableRandom(seed);
        int[] outcomes = new int[2]; // [refused, loaded]
        for (int i = 0; i < iterations && failures.size() < 10; i++) {
            byte[] input = seeds.get(random.nextInt(seeds.size()));
            int rounds = 1 + random.nextInt(3);
            for (int r = 0; r < rounds; r++) input = mutate(input, seeds, random);
            outcomes[check(input, "seed " + seed + " iteration " + i, failures) ? 1 : 0]++;
        }
        System.out.printf("safetensors fuzz: %d corpus files, %d mutated inputs from seed %d: %d refused, %d loaded, %d failures%n",
                corpusFiles, iterations, seed, outcomes[0], outcomes[1], failures.size());
        if (!failures.isEmpty()) fail(failures.size() + " inputs broke a loader:\n" + String.join("\n", failures));
    }

    /** A system property, else the environment variable of the same name upper-cased with '_' (Maven passes those). */
    static long setting(String property, long fallback) {
        String v = System.getProperty(property, System.getenv(property.toUpperCase().replace('.', '_')));
        return v == null ? fallback : Long.parseLong(v);
    }

    /** Runs every loader on the input; true when the input loaded, false when refused; failures collects bugs. */
    boolean check(byte[] input, String origin, List<String> failures) {
        List<String> modelBefore = snapshot(model.parameters());
        List<String> trainerBefore = CheckpointTest.snapshot(trainer);
        boolean loaded = false;
        try {
            SafeTensors.Contents c = SafeTensors.parse(input);
            checkIndependently(input, c);
            for (SafeTensors.Tensor t : c.tensors().values()) {
                if (t.dtype() == SafeTensors.DType.F32) t.toFloatArray();
                if (t.dtype() == SafeTensors.DType.F64) t.toDoubleArray();
            }
            loaded = true;
            try {
                Weights.load(c, model.namedParameters());
                for (Map.Entry<String, Parameters> m : model.namedParameters().entrySet()) {
                    for (Parameters.Tensor t : m.getValue().tensors()) {
                        float[] file = c.get(m.getKey() + t.name()).toFloatArray();
                        float[] live = Arrays.copyOfRange(m.getValue().values(), t.offset(), t.offset() + t.size());
                        if (!Arrays.equals(file, live)) throw new AssertionError("weights loaded partly: " + t.name());
                    }
                }
            } catch (InvalidWeightsException e) {
                if (!snapshot(model.parameters()).equals(modelBefore)) throw new AssertionError("refused weights changed the model");
            }
            try {
                Checkpoint.load(c, trainer);
            } catch (InvalidWeightsException e) {
                if (!CheckpointTest.snapshot(trainer).equals(trainerBefore)) throw new AssertionError("a refused checkpoint changed the trainer");
            }
        } catch (InvalidWeightsException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) failures.add(origin + ": refusal without a reason");
        } catch (Throwable t) { // anything else, an Error included, is a bug
            failures.add(origin + ": " + t + " (input " + save(input) + ")");
        }
        return loaded;
    }

    /**
     * What a loaded file must be, checked apart from the reader: its header parses as strict JSON
     * ({@link JsonTree}), names the same tensors with the same dtypes and shapes, each tensor's bytes are
     * elements x dtype size and are the file's bytes at its data_offsets, and the offsets, sorted, tile the
     * data section exactly: contiguous from 0 to the end of the file, no gap, no overlap.
     */
    static void checkIndependently(byte[] file, SafeTensors.Contents c) {
        int n = (int) headerLength(file), dataStart = 8 + n;
        Object root = JsonTree.parse(new String(file, 8, n, StandardCharsets.UTF_8));
        Map<?, ?> entries = (Map<?, ?>) root;
        List<long[]> ranges = new ArrayList<>();
        int tensors = 0;
        for (Map.Entry<?, ?> e : entries.entrySet()) {
            if (e.getKey().equals("__metadata__")) continue;
            tensors++;
            String name = (String) e.getKey();
            Map<?, ?> info = (Map<?, ?>) e.getValue();
            SafeTensors.Tensor t = c.get(name);
            if (!t.dtype().name().equals(info.get("dtype"))) throw new AssertionError("dtype of " + name);
            List<?> shape = (List<?>) info.get("shape"), offsets = (List<?>) info.get("data_offsets");
            long elements = 1;
            for (int i = 0; i < shape.size(); i++) {
                if ((Long) shape.get(i) != t.shape()[i]) throw new AssertionError("shape of " + name);
                elements *= (Long) shape.get(i);
            }
            if (shape.size() != t.shape().length) throw new AssertionError("rank of " + name);
            long begin = (Long) offsets.get(0), end = (Long) offsets.get(1);
            if ((end - begin) * 8 != elements * t.dtype().bits()) throw new AssertionError("byte count of " + name);
            byte[] bytes = new byte[t.data().remaining()];
            t.data().duplicate().get(bytes);
            if (!Arrays.equals(bytes, Arrays.copyOfRange(file, (int) (dataStart + begin), (int) (dataStart + end)))) {
                throw new AssertionError("the bytes of " + name + " are not the file's at its data_offsets");
            }
            ranges.add(new long[] {begin, end});
        }
        if (tensors != c.tensors().size()) throw new AssertionError("tensor count");
        ranges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        long covered = 0;
        for (long[] r : ranges) {
            if (r[0] != covered) throw new AssertionError("offsets not contiguous at " + covered + ": " + r[0]);
            covered = r[1];
        }
        if (covered != file.length - dataStart) throw new AssertionError("tensors cover " + covered + " of " + (file.length - dataStart) + " data bytes");
    }

    static List<String> snapshot(List<Parameters> params) {
        List<String> s = new ArrayList<>();
        for (Parameters p : params) s.add(Arrays.toString(p.values()));
        return s;
    }

    static String save(byte[] input) {
        try {
            Path dir = Files.createDirectories(Path.of("target/fuzz-failures"));
            Path p = dir.resolve(Integer.toHexString(Arrays.hashCode(input)) + ".safetensors");
            Files.write(p, input);
            return p.toString();
        } catch (IOException e) {
            return HexFormat.of().formatHex(input);
        }
    }

    // ------------------------------------------------------------------------------ mutations

    static final long[] INTERESTING = {0, 1, -1, 2, 3, 4, 7, 8, 255, 256, 65535, 1L << 31, (1L << 31) - 1, 1L << 32,
                                       1L << 53, Long.MAX_VALUE, Long.MIN_VALUE, 100_000_000, 100_000_001};
    static final String[] TOKENS = {"-1", "0", "1e999", "4.0", "99999999999999999999", "9223372036854775807",
                                    "2147483648", "\"F16\"", "\"Q4\"", "\"f32\"", "null", "[]", "{}", "[0,0]",
                                    "\"\\ud800\"", "\"__metadata__\"", "[1,2,3]", "true", "\"\\u0000\"", "-0"};

    static byte[] mutate(byte[] in, List<byte[]> seeds, SplittableRandom r) {
        byte[] b = in.clone();
        switch (r.nextInt(9)) {
            case 0 -> { // flip bits
                for (int k = 1 + r.nextInt(8); k > 0 && b.length > 0; k--) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            }
            case 1 -> { // overwrite bytes with JSON-significant or extreme values
                byte[] special = "\"{}[],:-0123456789eE.\\ ".getBytes(StandardCharsets.US_ASCII);
                for (int k = 1 + r.nextInt(4); k > 0 && b.length > 0; k--) {
                    int pick = r.nextInt(special.length + 4);
                    b[r.nextInt(b.length)] = pick < special.length ? special[pick] : new byte[] {0, (byte) 0xff, 0x7f, (byte) 0x80}[pick - special.length];
                }
            }
            case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length + 1)); // truncate
            case 3 -> { // delete or duplicate a range
                if (b.length < 2) break;
                int from = r.nextInt(b.length), len = 1 + r.nextInt(Math.min(64, b.length - from));
                byte[] out = new byte[r.nextBoolean() ? b.length - len : b.length + len];
                System.arraycopy(b, 0, out, 0, from);
                if (out.length < b.length) System.arraycopy(b, from + len, out, from, b.length - from - len);
                else {
                    System.arraycopy(b, from, out, from, len);
                    System.arraycopy(b, from, out, from + len, b.length - from);
                }
                b = out;
            }
            case 4 -> { // the header length field
                if (b.length < 8) break;
                long len = r.nextBoolean() ? INTERESTING[r.nextInt(INTERESTING.length)] : headerLength(b) + r.nextInt(17) - 8;
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len);
            }
            case 5, 6 -> b = rewriteHeader(b, r); // a token of the JSON, keeping the length field consistent
            case 7 -> { // splice: the header of one file, the data of another
                byte[] other = seeds.get(r.nextInt(seeds.size()));
                int cut = Math.min(b.length, 8 + (int) Math.max(0, Math.min(headerLength(b), b.length)));
                int otherCut = Math.min(other.length, 8 + (int) Math.max(0, Math.min(headerLength(other), other.length)));
                byte[] out = Arrays.copyOf(b, cut + other.length - otherCut);
                System.arraycopy(other, otherCut, out, cut, other.length - otherCut);
                b = out;
            }
            default -> { // append junk
                int extra = r.nextInt(32);
                b = Arrays.copyOf(b, b.length + extra);
                for (int i = b.length - extra; i < b.length; i++) b[i] = (byte) r.nextInt(256);
            }
        }
        return b;
    }

    static long headerLength(byte[] b) {
        return b.length < 8 ? 0 : ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    /** Replaces one number, string, array or object start in the header text, then fixes the length field. */
    static byte[] rewriteHeader(byte[] b, SplittableRandom r) {
        long len = headerLength(b);
        if (len < 2 || len > b.length - 8) return b;
        String header = new String(b, 8, (int) len, StandardCharsets.UTF_8);
        List<int[]> spans = new ArrayList<>();
        for (int i = 0; i < header.length(); i++) {
            char c = header.charAt(i);
            if (c == '-' || Character.isDigit(c)) {
                int j = i + 1;
                while (j < header.length() && Character.isDigit(header.charAt(j))) j++;
                spans.add(new int[] {i, j});
                i = j - 1;
            } else if (c == '"') {
                int j = header.indexOf('"', i + 1);
                if (j < 0) break;
                spans.add(new int[] {i, j + 1});
                i = j;
            } else if (c == '[' || c == '{') {
                spans.add(new int[] {i, i + 1});
            }
        }
        if (spans.isEmpty()) return b;
        int[] span = spans.get(r.nextInt(spans.size()));
        String replacement = switch (r.nextInt(4)) {
            case 0 -> Long.toString(INTERESTING[r.nextInt(INTERESTING.length)]);
            case 1 -> TOKENS[r.nextInt(TOKENS.length)];
            case 2 -> header.substring(span[0], span[1]).repeat(2 + r.nextInt(100)); // repeated: duplicates, deep nesting
            default -> { // a neighbouring span: swapped offsets, names, dtypes
                int[] other = spans.get(r.nextInt(spans.size()));
                yield header.substring(other[0], other[1]);
            }
        };
        byte[] h = (header.substring(0, span[0]) + replacement + header.substring(span[1])).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + (int) (b.length - 8 - len)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(b, 8 + (int) len, (int) (b.length - 8 - len));
        return out.array();
    }
}
