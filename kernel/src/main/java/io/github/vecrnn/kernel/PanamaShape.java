package io.github.vecrnn.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The shape of the Vector API code, decided once per JVM as {@code static final} constants (which C2 needs to
 * compile vector code without boxing, and folds into the branches that choose a tile):
 * <ul>
 *   <li>the species: the machine's preferred one, or the width {@value Kernels#BITS_PROPERTY} forces;</li>
 *   <li>the GEMM register tile's width, {@link #STRIP_VECTORS} vectors: 4 (tiles of 6 x 4 vectors, 24
 *       accumulators) where the CPU has 32 vector registers (x86 with AVX-512, ARM), 2 (6 x 2, 12
 *       accumulators) where it has 16 (x86 with AVX2 or less), so that a tile's accumulators, B's vectors and
 *       A's broadcast fit in registers. {@value Kernels#STRIP_PROPERTY} forces either, to test both.</li>
 * </ul>
 */
final class PanamaShape {
    static final VectorSpecies<Float> SPECIES = species();
    static final int L = SPECIES.length();
    /** The vector registers of this CPU: 16 on x86 without AVX-512, else 32. */
    static final int REGISTERS = registers();
    /** Vectors per strip of C, the register tile's width. */
    static final int STRIP_VECTORS = stripVectors();
    /** Columns per strip of C and of a packed B. */
    static final int NR = STRIP_VECTORS * L;

    private PanamaShape() {
    }

    private static VectorSpecies<Float> species() {
        return switch (KernelProperties.WIDTH) {
            case BITS_128 -> FloatVector.SPECIES_128;
            case BITS_256 -> FloatVector.SPECIES_256;
            case BITS_512 -> FloatVector.SPECIES_512;
            case PREFERRED, SCALAR -> FloatVector.SPECIES_PREFERRED;
        };
    }

    /**
     * x86 has 16 vector registers up to AVX2 and 32 with AVX-512 (which also gives 256- and 128-bit code all
     * 32), so the preferred width tells them apart; ARM has 32 with NEON and SVE.
     */
    private static int registers() {
        String arch = System.getProperty("os.arch", "");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        return x86 && FloatVector.SPECIES_PREFERRED.vectorBitSize() < 512 ? 16 : 32;
    }

    private static int stripVectors() {
        return switch (KernelProperties.STRIP) {
            case VECTORS_2 -> 2;
            case VECTORS_4 -> 4;
            case MACHINE -> REGISTERS >= 32 ? 4 : 2;
        };
    }
}
