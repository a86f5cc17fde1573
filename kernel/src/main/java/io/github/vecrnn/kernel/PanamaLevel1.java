package io.github.vecrnn.kernel;

import static io.github.vecrnn.kernel.PanamaShape.L;
import static io.github.vecrnn.kernel.PanamaShape.SPECIES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/** Dot products and element-wise operations on the Vector API: a vector body, then its scalar tail. */
final class PanamaLevel1 {
    // Lane permutations i -> i ^ d for the fixed-order tree sum in sumLanes (null where d >= L).
    private static final VectorShuffle<Float> SWAP8 = swap(8), SWAP4 = swap(4), SWAP2 = swap(2), SWAP1 = swap(1);
    private static final FloatVector ONE = FloatVector.broadcast(SPECIES, 1f);

    private PanamaLevel1() {
    }

    /**
     * The sum of a vector's lanes as a fixed tree: lane i adds lane i ^ d for d = L/2, ..., 1. Not
     * {@code reduceLanes(ADD)}, whose order is unspecified: the interpreter sums lane by lane and C2 as a
     * tree, so a result would change bits once the caller gets compiled. Permutes and lane-wise adds are
     * exact, so this gives the same bits at every stage of the JIT.
     */
    static float sumLanes(FloatVector v) {
        if (L >= 16) v = v.add(v.rearrange(SWAP8));
        if (L >= 8) v = v.add(v.rearrange(SWAP4));
        if (L >= 4) v = v.add(v.rearrange(SWAP2));
        v = v.add(v.rearrange(SWAP1));
        return v.lane(0);
    }

    private static VectorShuffle<Float> swap(int d) {
        return d < L ? VectorShuffle.fromOp(SPECIES, i -> i ^ d) : null;
    }

    // x [n] . y [n]: four independent accumulators (an FMA's latency is four of its issue slots), then a scalar tail
    static float dot(float[] x, int x0, float[] y, int y0, int n) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            s0 = FloatVector.fromArray(SPECIES, x, x0 + i).fma(FloatVector.fromArray(SPECIES, y, y0 + i), s0);
            s1 = FloatVector.fromArray(SPECIES, x, x0 + i + L).fma(FloatVector.fromArray(SPECIES, y, y0 + i + L), s1);
            s2 = FloatVector.fromArray(SPECIES, x, x0 + i + 2 * L).fma(FloatVector.fromArray(SPECIES, y, y0 + i + 2 * L), s2);
            s3 = FloatVector.fromArray(SPECIES, x, x0 + i + 3 * L).fma(FloatVector.fromArray(SPECIES, y, y0 + i + 3 * L), s3);
        }
        for (; i + L <= n; i += L) {
            s0 = FloatVector.fromArray(SPECIES, x, x0 + i).fma(FloatVector.fromArray(SPECIES, y, y0 + i), s0);
        }
        float sum = sumLanes(s0.add(s1).add(s2.add(s3)));
        for (; i < n; i++) {
            sum = Math.fma(x[x0 + i], y[y0 + i], sum);
        }
        return sum;
    }

    // y [n] = fma(alpha, x [n], y [n])
    static void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        FloatVector av = FloatVector.broadcast(SPECIES, alpha);
        int bound = SPECIES.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            av.fma(FloatVector.fromArray(SPECIES, x, xOffset + i), FloatVector.fromArray(SPECIES, y, yOffset + i))
              .intoArray(y, yOffset + i);
        }
        for (; i < n; i++) {
            y[yOffset + i] = Math.fma(alpha, x[xOffset + i], y[yOffset + i]);
        }
    }

    // y [n] = alpha x [n]
    static void scale(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        int bound = SPECIES.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(SPECIES, x, xOffset + i).mul(alpha).intoArray(y, yOffset + i);
        }
        for (; i < n; i++) {
            y[yOffset + i] = alpha * x[xOffset + i];
        }
    }

    // z [n] = x [n] + y [n]
    static void add(float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n) {
        int bound = SPECIES.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(SPECIES, x, xOffset + i).add(FloatVector.fromArray(SPECIES, y, yOffset + i))
                       .intoArray(z, zOffset + i);
        }
        for (; i < n; i++) {
            z[zOffset + i] = x[xOffset + i] + y[yOffset + i];
        }
    }

    // z [n] = x [n] * y [n]
    static void hadamard(float[] x, int xOffset, float[] y, int yOffset, float[] z, int zOffset, int n) {
        int bound = SPECIES.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(SPECIES, x, xOffset + i).mul(FloatVector.fromArray(SPECIES, y, yOffset + i))
                       .intoArray(z, zOffset + i);
        }
        for (; i < n; i++) {
            z[zOffset + i] = x[xOffset + i] * y[yOffset + i];
        }
    }

    // d [n] = y (1 - y): sigmoid' from its output y [n]
    static void sigmoidDerivative(float[] y, int yOffset, float[] d, int dOffset, int n) {
        int bound = SPECIES.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            FloatVector s = FloatVector.fromArray(SPECIES, y, yOffset + i);
            s.mul(s.neg().add(1f)).intoArray(d, dOffset + i);
        }
        for (; i < n; i++) {
            float s = y[yOffset + i];
            d[dOffset + i] = s * (1f - s);
        }
    }

    // d [n] = 1 - y^2: tanh' from its output y [n]
    static void tanhDerivative(float[] y, int yOffset, float[] d, int dOffset, int n) {
        int bound = SPECIES.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            FloatVector t = FloatVector.fromArray(SPECIES, y, yOffset + i);
            t.neg().fma(t, ONE).intoArray(d, dOffset + i);
        }
        for (; i < n; i++) {
            float t = y[yOffset + i];
            d[dOffset + i] = Math.fma(-t, t, 1f);
        }
    }
}
