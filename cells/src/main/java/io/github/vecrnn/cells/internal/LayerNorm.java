package io.github.vecrnn.cells.internal;

import io.github.vecrnn.cells.Parameters;

/**
 * Layer normalization over a row of n values (Ba, Kiros and Hinton 2016), forward and backward, with
 * PyTorch's LayerNorm epsilon:
 * <pre>
 *   LN(v) = (v - mean v) / sqrt(var v + eps)            y = gamma * LN(v)   (+ beta, added by the caller)
 *   dL/dv = rstd * (g - mean(g) - LN(v) * mean(g * LN(v))),   g = dL/dy * gamma,   rstd = 1 / sqrt(var v + eps)
 * </pre>
 * Used on an LSTM's or GRU's input projection W x_t and recurrent projection R h_{t-1} (each over its row of
 * G*H) and on the LSTM's cell state c_t (over its H units).
 */
final class LayerNorm {
    static final float EPS = 1e-5f;

    private LayerNorm() {
    }

    // v [n] -> LN(v) [n] in place; returns rstd
    static float forward(float[] v, int off, int n) {
        double sum = 0;
        for (int j = 0; j < n; j++) sum += v[off + j];
        float mean = (float) (sum / n);
        double sq = 0;
        for (int j = 0; j < n; j++) {
            float d = v[off + j] - mean;
            sq += d * d;
        }
        float rstd = (float) (1.0 / Math.sqrt(sq / n + EPS));
        for (int j = 0; j < n; j++) v[off + j] = (v[off + j] - mean) * rstd;
        return rstd;
    }

    // dy [n], LN(v) [n], rstd -> dv [n] (may alias dy); adds dgamma [n] = dy * LN(v) into the gain's gradient
    static void backward(float[] dy, int dyOff, Parameters params, int gain, float[] xhat, int xOff, float rstd,
                         float[] dv, int dvOff, int n) {
        float[] w = params.values(), grad = params.gradients();
        double sumG = 0, sumGx = 0;
        for (int j = 0; j < n; j++) {
            float g = dy[dyOff + j] * w[gain + j];
            grad[gain + j] += dy[dyOff + j] * xhat[xOff + j];
            sumG += g;
            sumGx += g * xhat[xOff + j];
        }
        float meanG = (float) (sumG / n), meanGx = (float) (sumGx / n);
        for (int j = 0; j < n; j++) {
            float g = dy[dyOff + j] * w[gain + j];
            dv[dvOff + j] = rstd * (g - meanG - xhat[xOff + j] * meanGx);
        }
    }
}
