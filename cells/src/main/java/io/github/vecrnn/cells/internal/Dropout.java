package io.github.vecrnn.cells.internal;

import io.github.vecrnn.cells.Rng;

/**
 * Inverted dropout (Srivastava et al. 2014, PyTorch's nn.Dropout): in training, each element is kept with
 * probability 1 - p and scaled by 1 / (1 - p), else zeroed; the mask is kept for backward.
 */
public final class Dropout {
    private Dropout() {
    }

    // y [n] -> y * mask in place, mask [n] drawn from rng: 0 with probability p, else 1 / (1 - p)
    public static void forward(float[] y, float[] mask, int n, float p, Rng rng) {
        float keep = 1f / (1f - p);
        for (int i = 0; i < n; i++) {
            mask[i] = rng.nextFloat() < p ? 0f : keep;
            y[i] *= mask[i];
        }
    }

    // dy [n] -> dy * mask in place
    public static void backward(float[] dy, float[] mask, int n) {
        for (int i = 0; i < n; i++) dy[i] *= mask[i];
    }
}
