package io.github.vecrnn.kernel;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of the kernel's tests in a fresh JVM (the one running the tests), on the class path of
 * the kernel and its tests, with the given options: for what one JVM cannot show about itself (interpreted
 * code, a JVM without the Vector API module).
 */
final class ChildJvm {
    private ChildJvm() {
    }

    /** How the child ended: its exit code and what it printed on each stream. */
    record Result(int exitCode, String out, String err) {}

    static Result run(List<String> jvmOptions, Class<?> main) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(location(Kernels.class) + File.pathSeparator + location(main));
        command.add(main.getName());
        Process child = new ProcessBuilder(command).start();
        // stderr is drained beside stdout, so that neither pipe fills and blocks the child
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(child.getErrorStream()));
        String out = read(child.getInputStream());
        if (!child.waitFor(2, TimeUnit.MINUTES)) {
            child.destroyForcibly();
            throw new AssertionError("the child JVM did not end: " + command);
        }
        return new Result(child.exitValue(), out, err.join());
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
