package io.github.vecrnn.cells;

import static org.junit.jupiter.api.Assertions.fail;

/** Element-wise comparison |actual - expected| <= abs + rel * |expected|, with a readable failure. */
final class Tolerance {
    private Tolerance() {
    }

    /** The largest |actual - expected| / (abs + rel * |expected|) over the first n elements (<= 1 passes). */
    static double worst(float[] actual, float[] expected, int n, double abs, double rel) {
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double e = expected[i], a = actual[i];
            double ratio = Math.abs(a - e) / (abs + rel * Math.abs(e));
            if (!(ratio <= worst)) worst = Double.isNaN(ratio) ? Double.POSITIVE_INFINITY : ratio;
        }
        return worst;
    }

    static void assertClose(String what, float[] actual, float[] expected, double abs, double rel) {
        int n = expected.length;
        if (actual.length < n) fail(what + ": " + actual.length + " values, expected " + n);
        for (int i = 0; i < n; i++) {
            double e = expected[i], a = actual[i];
            if (!(Math.abs(a - e) <= abs + rel * Math.abs(e))) {
                fail(String.format("%s[%d]: got %.9g, expected %.9g (|diff| %.3g > %.3g + %.3g*|expected|); worst ratio %.3g",
                        what, i, a, e, Math.abs(a - e), abs, rel, worst(actual, expected, n, abs, rel)));
            }
        }
    }
}
