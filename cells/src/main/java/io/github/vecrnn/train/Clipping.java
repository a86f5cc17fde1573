package io.github.vecrnn.train;

import io.github.vecrnn.cells.Parameters;

import java.util.List;

/** Gradient clipping over every module's gradients. */
public final class Clipping {
    private Clipping() {
    }

    /** The L2 norm of all gradients together (accumulated in float64). */
    public static double globalNorm(List<Parameters> params) {
        double sum = 0;
        for (int k = 0; k < params.size(); k++) {
            float[] g = params.get(k).gradients();
            for (float x : g) sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    /**
     * Scales all gradients by min(1, maxNorm / (norm + 1e-6)), as torch.nn.utils.clip_grad_norm_ does,
     * and returns the norm before clipping.
     */
    public static double clipByGlobalNorm(List<Parameters> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("maxNorm must be > 0, got " + maxNorm);
        double norm = globalNorm(params);
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1) {
            float c = (float) coefficient;
            for (int k = 0; k < params.size(); k++) {
                float[] g = params.get(k).gradients();
                for (int i = 0; i < g.length; i++) g[i] *= c;
            }
        }
        return norm;
    }

    /** Clamps every gradient element to [-limit, limit] (torch.nn.utils.clip_grad_value_). */
    public static void clipByValue(List<Parameters> params, float limit) {
        if (!(limit > 0f)) throw new IllegalArgumentException("limit must be > 0, got " + limit);
        for (int k = 0; k < params.size(); k++) {
            float[] g = params.get(k).gradients();
            for (int i = 0; i < g.length; i++) g[i] = Math.max(-limit, Math.min(limit, g[i]));
        }
    }
}
