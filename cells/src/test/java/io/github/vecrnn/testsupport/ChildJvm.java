package io.github.vecrnn.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of the test sources in a fresh JVM (the one running the tests) with the given options,
 * on the class path of the kernel, the cells and their tests: for what one JVM cannot show about itself,
 * such as a small heap's limit or a process killed mid-save.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** How the child ended: its exit code and everything it printed (standard output and error). */
    public record Result(int exitCode, String output) {}

    /** Runs main with the JVM options and arguments; waits at most two minutes. */
    public static Result run(List<String> jvmOptions, Class<?> main, String... args) throws IOException, InterruptedException {
        Process child = start(jvmOptions, main, args);
        byte[] out;
        try (InputStream in = child.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!child.waitFor(2, TimeUnit.MINUTES)) {
            child.destroyForcibly();
            throw new AssertionError("the child JVM did not end: " + main.getName());
        }
        return new Result(child.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Starts main with the JVM options and arguments (standard error merged into its output), for a caller that talks to it. */
    public static Process start(List<String> jvmOptions, Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(String.join(File.pathSeparator, location(main), location(io.github.vecrnn.cells.Rnn.class),
                                location(io.github.vecrnn.kernel.Kernels.class)));
        command.add(main.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
