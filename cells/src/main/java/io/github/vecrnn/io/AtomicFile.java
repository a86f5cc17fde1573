package io.github.vecrnn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How every file vecrnn writes is written, so that an interrupted save leaves the old file intact: the
 * bytes go to a temporary file beside the target, are forced to disk, and the temporary file is renamed
 * over the target.
 *
 * <p>The temporary file is named {@code .<up to 32 characters of the target's name>.<16 hex digits>.tmp},
 * at most 55 characters whatever the target's length, so any legal target name can be saved. A process
 * killed during a save can leave one behind; it is never read and can be deleted. A new file gets the
 * permissions the process's umask gives any new file (as {@code open(2)} does); a file that is replaced
 * keeps its permissions.
 */
final class AtomicFile {
    private AtomicFile() {
    }

    static void write(Path path, byte[] bytes) throws IOException {
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NoSuchFileException(path.toString(), null, "cannot save: the directory " + dir + " does not exist");
        }
        String name = target.getFileName().toString();
        Path tmp = dir.resolve("." + name.substring(0, Math.min(32, name.length())) + "."
                               + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                keepPermissions(target, tmp);
                ByteBuffer bb = ByteBuffer.wrap(bytes);
                while (bb.hasRemaining()) ch.write(bb);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IOException("cannot save " + path + ": " + reason(e), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** What went wrong, with the file it concerned (a full disk's message names none). */
    private static String reason(IOException e) {
        if (e instanceof AtomicMoveNotSupportedException) return "its file system cannot rename a file atomically";
        if (e instanceof FileSystemException f) {
            String why = f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
            return f.getFile() == null ? why : why + " (" + f.getFile() + ")";
        }
        return e.getMessage();
    }

    /** A replaced file keeps its POSIX permissions (where the file system has them). */
    private static void keepPermissions(Path target, Path tmp) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(target, PosixFileAttributeView.class);
        if (view == null || !Files.exists(target)) return;
        Files.setPosixFilePermissions(tmp, view.readAttributes().permissions());
    }
}
