/**
 * vecrnn's numeric kernels: float32 GEMM/GEMV, activations and element-wise operations on
 * {@code jdk.incubator.vector}, each with a plain scalar twin that tests compare against and that
 * runs when the JVM was started without {@code --add-modules jdk.incubator.vector}.
 */
module io.github.vecrnn.kernel {
    requires jdk.incubator.vector;
    exports io.github.vecrnn.kernel;
}
