package io.github.vecrnn.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a save leaves on disk besides its bytes (CrashDuringSaveTest covers a save killed half-way): the
 * permissions a new file would have, those of the file it replaces, no temporary file, any legal name.
 */
class AtomicFileTest {
    @TempDir
    Path dir;

    static final List<SafeTensors.FloatTensor> ONE = List.of(new SafeTensors.FloatTensor("w", new int[] {2}, new float[] {1, 2}, 0));

    static List<String> names(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aNewFileHasTheUmasksPermissionsAndAReplacedOneKeepsItsOwn() throws IOException {
        Path plain = Files.createFile(dir.resolve("plain"));    // what the umask gives any new file
        Path saved = dir.resolve("new.safetensors");
        SafeTensors.write(saved, ONE, Map.of());
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(saved));
        for (String mode : new String[] {"rw-r--r--", "rw-r-----", "rw----r--"}) {
            Set<PosixFilePermission> before = PosixFilePermissions.fromString(mode);
            Files.setPosixFilePermissions(saved, before);
            SafeTensors.write(saved, ONE, Map.of());
            assertEquals(before, Files.getPosixFilePermissions(saved), "after overwriting a " + mode + " file");
        }
        assertEquals(List.of("new.safetensors", "plain"), names(dir), "no temporary file is left");
    }

    @Test
    void aNameOfTheLongestLegalLengthSaves() throws IOException {
        Path longest = dir.resolve("m".repeat(255 - ".safetensors".length()) + ".safetensors");
        SafeTensors.write(longest, ONE, Map.of());
        assertArrayEquals(new float[] {1, 2}, SafeTensors.read(longest).get("w").toFloatArray());
        assertEquals(List.of(longest.getFileName().toString()), names(dir));
    }

    @Test
    void savingIntoAMissingDirectoryNamesTheTarget() {
        Path target = dir.resolve("no-such-dir").resolve("model.safetensors");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> SafeTensors.write(target, ONE, Map.of()));
        assertEquals(target.toString(), e.getFile());
        assertTrue(e.getMessage().contains("the directory " + target.getParent() + " does not exist"), e.getMessage());
        assertFalse(e.getMessage().contains(".tmp"), e.getMessage());
    }
}
