package io.github.vecrnn.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The generated kernels are what tools/generate_kernels.py writes now: nobody edited them by hand. */
class GeneratedSourcesTest {

    @Test
    void generatedKernelsAreCurrent() throws IOException, InterruptedException {
        Path script = Path.of("..", "tools", "generate_kernels.py").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(script), "run from the kernel module of a checkout");
        Process python;
        try {
            python = new ProcessBuilder("python3", script.toString(), "--check").redirectErrorStream(true).start();
        } catch (IOException noPython) {
            assumeTrue(false, "python3 is not installed: " + noPython.getMessage());
            return;
        }
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(true, python.waitFor(60, TimeUnit.SECONDS), "generator did not finish");
        assertEquals(0, python.exitValue(), out);
    }
}
