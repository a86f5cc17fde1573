package io.github.vecrnn.kernel;

/** Argument checks shared by the public entry points; each message names the argument and the shape. */
final class Checks {
    private Checks() {}

    static void nonNegative(String op, String name, int value) {
        if (value < 0) throw new IllegalArgumentException(op + ": " + name + " must be >= 0, got " + value);
    }

    /**
     * A row-major matrix {@code name} stored rows x cols in {@code array[offset ..]} with leading
     * dimension {@code ld}: ld >= max(1, cols), and the array holds every element when rows and cols
     * are non-zero. {@code transposed} only makes the message clearer.
     */
    static void matrix(String op, String name, String arrayName, float[] array, int offset,
                       String ldName, int ld, int rows, int cols, boolean transposed) {
        // Messages are built only on failure: these checks run on every call and must not allocate.
        if (array == null) throw new NullPointerException(op + ": " + arrayName + " is null");
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(op + ": " + ldName + " = " + ld + " is smaller than the row length "
                    + Math.max(1, cols) + " of " + shape(name, rows, cols, transposed));
        }
        if (offset < 0) {
            throw new IllegalArgumentException(op + ": " + arrayName + " offset must be >= 0, got " + offset + " for "
                    + shape(name, rows, cols, transposed));
        }
        if (rows == 0 || cols == 0) return;
        long needed = (long) offset + (long) (rows - 1) * ld + cols;
        if ((long) rows * cols > Integer.MAX_VALUE || needed > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": " + shape(name, rows, cols, transposed) + " with " + ldName + " = " + ld
                    + " and offset " + offset + " needs " + needed + " elements, more than an int index can reach (rows*cols = "
                    + ((long) rows * cols) + ")");
        }
        if (needed > array.length) {
            throw new IllegalArgumentException(op + ": " + arrayName + " has length " + array.length + " but "
                    + shape(name, rows, cols, transposed) + " with " + ldName + " = " + ld + " and offset " + offset
                    + " needs " + needed);
        }
    }

    private static String shape(String name, int rows, int cols, boolean transposed) {
        return name + (transposed ? " (stored transposed) " : " ") + rows + "x" + cols;
    }

    /** A vector {@code name} of n elements in {@code array[offset ..]}. */
    static void vector(String op, String name, float[] array, int offset, int n) {
        if (array == null) throw new NullPointerException(op + ": " + name + " is null");
        if (offset < 0) {
            throw new IllegalArgumentException(op + ": " + name + " offset must be >= 0, got " + offset);
        }
        if ((long) offset + n > array.length) {
            throw new IllegalArgumentException(op + ": " + name + " has length " + array.length + " but offset " + offset
                    + " + n " + n + " = " + ((long) offset + n) + " is past its end");
        }
    }

    /** out = f(in), each named as the method's parameter: both ranges fit, and are the same range or do not overlap. */
    static void unary(String op, String inName, float[] in, int inOffset, String outName, float[] out, int outOffset, int n) {
        nonNegative(op, "n", n);
        vector(op, inName, in, inOffset, n);
        vector(op, outName, out, outOffset, n);
        disjointOrSame(op, inName, in, inOffset, outName, out, outOffset, n);
    }

    /** z = f(x, y): all ranges fit; z is x, y or disjoint from both. */
    static void binary(String op, float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n) {
        nonNegative(op, "n", n);
        vector(op, "x", x, xOffset, n);
        vector(op, "y", y, yOffset, n);
        vector(op, "z", z, zOffset, n);
        disjointOrSame(op, "x", x, xOffset, "z", z, zOffset, n);
        disjointOrSame(op, "y", y, yOffset, "z", z, zOffset, n);
    }

    /** Ranges [offA, offA + lenA) of a and [offB, offB + lenB) of b do not share an element. */
    static void disjoint(String op, String nameA, float[] a, int offA, int lenA, String nameB, float[] b, int offB, int lenB) {
        if (a == b && lenA > 0 && lenB > 0 && offA < (long) offB + lenB && offB < (long) offA + lenA) {
            throw new IllegalArgumentException(op + ": " + nameA + " [" + offA + ", " + ((long) offA + lenA) + ") overlaps "
                    + nameB + " [" + offB + ", " + ((long) offB + lenB) + ") in the same array; they must be disjoint");
        }
    }

    static void disjointOrSame(String op, String inName, float[] in, int inOffset,
                                       String outName, float[] out, int outOffset, int n) {
        if (in == out && inOffset != outOffset && Math.abs((long) inOffset - outOffset) < n) {
            throw new IllegalArgumentException(op + ": " + outName + " [" + outOffset + ", " + (outOffset + n)
                    + ") partly overlaps " + inName + " [" + inOffset + ", " + (inOffset + n)
                    + ") in the same array; use the same range (in place) or disjoint ones");
        }
    }
}
