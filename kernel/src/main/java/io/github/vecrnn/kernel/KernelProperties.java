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
 * </ul>
 */
final class KernelProperties {
    /** What {@value Kernels#BITS_PROPERTY} asks for. */
    enum Width { PREFERRED, SCALAR, BITS_128, BITS_256, BITS_512 }

    static final Width WIDTH = width(System.getProperty(Kernels.BITS_PROPERTY, ""));
    static final int THREADS = threads(System.getProperty(Kernels.THREADS_PROPERTY, ""));

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

    static int threads(String value) {
        if (value.isBlank()) return Runtime.getRuntime().availableProcessors();
        if (value.trim().matches("[1-9][0-9]{0,5}")) return Integer.parseInt(value.trim());
        throw new IllegalStateException(Kernels.THREADS_PROPERTY + " must be a whole number >= 1, not '" + value + "'");
    }
}
