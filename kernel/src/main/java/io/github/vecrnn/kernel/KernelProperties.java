package io.github.vecrnn.kernel;

/**
 * The system properties that configure the kernels, parsed once when the kernels are first used: a
 * value that does not parse is an {@link IllegalStateException} naming the property.
 * <ul>
 *   <li>{@value Kernels#BITS_PROPERTY}: {@code 128}, {@code 256} or {@code 512} forces that vector width
 *       (to test every width on one machine), {@code scalar} the scalar twin; unset, the machine's
 *       preferred width.</li>
 *   <li>{@value Kernels#THREADS_PROPERTY}: the default thread count, a whole number &gt;= 1; unset, the
 *       available processors.</li>
 *   <li>{@value Kernels#STRIP_PROPERTY}: {@code 2} or {@code 4} forces the vectors per strip of the GEMM's
 *       register tile (to test both tiles on one machine); unset, chosen from the CPU's vector registers.</li>
 * </ul>
 */
final class KernelProperties {
    /** What {@value Kernels#BITS_PROPERTY} asks for. */
    enum Width { PREFERRED, SCALAR, BITS_128, BITS_256, BITS_512 }

    /** What {@value Kernels#STRIP_PROPERTY} asks for. */
    enum Strip { MACHINE, VECTORS_2, VECTORS_4 }

    static final Width WIDTH = width(System.getProperty(Kernels.BITS_PROPERTY, ""));
    static final int THREADS = threads(System.getProperty(Kernels.THREADS_PROPERTY, ""));
    static final Strip STRIP = strip(System.getProperty(Kernels.STRIP_PROPERTY, ""));

    private KernelProperties() {
    }

    static Width width(String value) {
        return switch (value.trim()) {
            case "" -> Width.PREFERRED;
            case "scalar" -> Width.SCALAR;
            case "128" -> Width.BITS_128;
            case "256" -> Width.BITS_256;
            case "512" -> Width.BITS_512;
            default -> throw new IllegalStateException(Kernels.BITS_PROPERTY + " must be 128, 256, 512 or scalar, not '"
                                                       + value + "'");
        };
    }

    static Strip strip(String value) {
        return switch (value.trim()) {
            case "" -> Strip.MACHINE;
            case "2" -> Strip.VECTORS_2;
            case "4" -> Strip.VECTORS_4;
            default -> throw new IllegalStateException(Kernels.STRIP_PROPERTY + " must be 2 or 4, not '" + value + "'");
        };
    }

    static int threads(String value) {
        if (value.isBlank()) return Runtime.getRuntime().availableProcessors();
        if (value.trim().matches("[1-9][0-9]{0,5}")) return Integer.parseInt(value.trim());
        throw new IllegalStateException(Kernels.THREADS_PROPERTY + " must be a whole number >= 1, not '" + value + "'");
    }
}
