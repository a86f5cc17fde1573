package io.github.vecrnn.kernel;

/**
 * Picks the implementation of the kernels, once per JVM, and says why when it is not the Vector API one
 * (as Lucene's VectorizationProvider does): {@code PanamaKernelSupport} when the JVM runs with the
 * module {@code jdk.incubator.vector} and {@value Kernels#BITS_PROPERTY} does not ask for the scalar
 * twin, else {@link ScalarKernelSupport}. A fallback the user did not ask for is logged once, as a
 * warning of the {@link System.Logger} {@code io.github.vecrnn.kernel}, so that logging frameworks see it.
 */
final class KernelProvider {
    private static final System.Logger LOG = System.getLogger("io.github.vecrnn.kernel");

    /** The implementation this JVM runs. */
    static final KernelSupport SUPPORT = choose();

    private KernelProvider() {
    }

    private static KernelSupport choose() {
        if (KernelProperties.WIDTH == KernelProperties.Width.SCALAR) return ScalarKernelSupport.INSTANCE;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return fallBack("the JVM was started without --add-modules jdk.incubator.vector; running the scalar kernels,"
                            + " several times slower");
        }
        try {
            // By name, so that a JVM without the module never loads a class that refers to it.
            Class<?> panama = Class.forName("io.github.vecrnn.kernel.PanamaKernelSupport");
            return (KernelSupport) panama.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return fallBack("the Vector API implementation could not be loaded (" + e + "); running the scalar kernels");
        }
    }

    private static KernelSupport fallBack(String why) {
        LOG.log(System.Logger.Level.WARNING, "vecrnn: " + why);
        return ScalarKernelSupport.INSTANCE;
    }
}
