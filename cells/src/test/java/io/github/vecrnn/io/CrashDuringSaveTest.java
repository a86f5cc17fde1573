package io.github.vecrnn.io;

import io.github.vecrnn.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process killed (SIGKILL) while it saves leaves the previous file whole. A child JVM saves 8 MB
 * files over one path in a loop, each filled with its version number; it is killed at a random moment
 * after a few saves, and the file must then parse and hold one complete version.
 */
class CrashDuringSaveTest {
    static final int FLOATS = 2_000_000;

    @TempDir
    Path dir;

    /** The child: saves version 1, 2, 3, ... to args[0] forever, printing each finished version. */
    public static final class Writer {
        public static void main(String[] args) throws IOException {
            Path target = Path.of(args[0]);
            float[] values = new float[FLOATS];
            for (int version = 1; ; version++) {
                java.util.Arrays.fill(values, version);
                SafeTensors.write(target, List.of(new SafeTensors.FloatTensor("v", new int[] {FLOATS}, values, 0)),
                                  Map.of("version", Integer.toString(version)));
                System.out.println(version);
                System.out.flush();
            }
        }
    }

    @Test
    void aKilledSaveLeavesTheOldFileWhole() throws Exception {
        Path target = dir.resolve("model.safetensors");
        java.util.Random random = new java.util.Random(1);
        for (int round = 0; round < 5; round++) {
            Process child = ChildJvm.start(List.of("-Xmx256m"), Writer.class, target.toString());
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
            int saved = 0;
            for (int i = 0; i < 2 + round; i++) {
                String line = out.readLine();
                assertTrue(line != null, "the writer stopped early");
                saved = Integer.parseInt(line.trim());
            }
            Thread.sleep(random.nextInt(40)); // somewhere inside a later save
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));

            SafeTensors.Contents c = SafeTensors.read(target); // throws if the file is torn
            int version = Integer.parseInt(c.metadata().get("version"));
            assertTrue(version >= saved, "version " + version + " is older than the last finished save " + saved);
            float[] v = c.get("v").toFloatArray();
            for (int i = 0; i < v.length; i++) assertEquals(version, v[i], "element " + i + " of version " + version);
        }
        // Only stray temporary files may remain beside the target; the next save works as usual.
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                assertTrue(p.equals(target) || p.getFileName().toString().endsWith(".tmp"), p.toString());
            }
        }
    }
}
