package io.github.vecrnn.cells;

/** Size products checked once, where buffers are allocated: an overflow is a clear error, not a wrapped int. */
final class Shapes {
    private Shapes() {
    }

    /** The element count of a buffer of this shape, or IllegalArgumentException naming it when above one Java array. */
    static int elements(String what, int... dims) {
        long n = 1;
        for (int d : dims) {
            n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(what + " " + java.util.Arrays.toString(dims) + " exceeds one Java array ("
                        + (Integer.MAX_VALUE - 8) + " floats)");
            }
        }
        return (int) n;
    }
}
