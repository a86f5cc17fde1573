package io.github.vecrnn.train;

import io.github.vecrnn.cells.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam and AdamW, as torch.optim.Adam / AdamW compute them:
 * <pre>
 *   Adam:  g = g + weightDecay * p                  (L2 penalty folded into the gradient)
 *   AdamW: p = p * (1 - lr * weightDecay)           (decoupled weight decay)
 *   m = beta1 m + (1 - beta1) g ;  v = beta2 v + (1 - beta2) g^2
 *   p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 */
public final class Adam extends Optimizer {
    private final float beta1, beta2, eps, weightDecay;
    private final boolean decoupled;
    private float[][] m, v;

    /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(float learningRate) {
        this(learningRate, 0.9f, 0.999f, 1e-8f, 0f, false);
    }

    /** AdamW with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, the given decoupled weight decay (PyTorch: 0.01). */
    public static Adam adamW(float learningRate, float weightDecay) {
        return new Adam(learningRate, 0.9f, 0.999f, 1e-8f, weightDecay, true);
    }

    public Adam(float learningRate, float beta1, float beta2, float eps, float weightDecay, boolean decoupled) {
        super(learningRate);
        if (!(beta1 >= 0f && beta1 < 1f) || !(beta2 >= 0f && beta2 < 1f)) {
            throw new IllegalArgumentException("betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        if (!(eps > 0f)) throw new IllegalArgumentException("eps must be > 0, got " + eps);
        if (!(weightDecay >= 0f)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    @Override
    protected void allocate(List<Parameters> params) {
        m = new float[params.size()][];
        v = new float[params.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = new float[params.get(i).size()];
            v[i] = new float[params.get(i).size()];
        }
    }

    // update and updateIsFinite compute the same values in two loops: one loop that also tracked finiteness
    // per element is not vectorized by the JIT.

    @Override
    protected void update(int module, float[] p, float[] g, long step) {
        float[] mm = m[module], vv = v[module];
        float stepSize = stepSize(step), sqrtCorrection2 = sqrtCorrection2(step), decay = decay();
        for (int i = 0; i < p.length; i++) {
            float grad = g[i];
            if (decoupled) p[i] *= decay;
            else if (weightDecay != 0f) grad += weightDecay * p[i];
            mm[i] = beta1 * mm[i] + (1f - beta1) * grad;                // m_t
            vv[i] = beta2 * vv[i] + (1f - beta2) * grad * grad;         // v_t
            float denom = (float) Math.sqrt(vv[i]) / sqrtCorrection2 + eps;
            p[i] -= stepSize * mm[i] / denom;
        }
    }

    @Override
    protected boolean updateIsFinite(int module, float[] p, float[] g, int from, int to, long step) {
        float[] mm = m[module], vv = v[module];
        float stepSize = stepSize(step), sqrtCorrection2 = sqrtCorrection2(step), decay = decay();
        float probe = 0f;   // x * 0 is 0 for a finite x and NaN otherwise; max keeps a NaN
        for (int i = from; i < to; i++) {
            float param = p[i], grad = g[i];
            if (decoupled) param *= decay;
            else if (weightDecay != 0f) grad += weightDecay * param;
            float first = beta1 * mm[i] + (1f - beta1) * grad;
            float second = beta2 * vv[i] + (1f - beta2) * grad * grad;
            float denom = (float) Math.sqrt(second) / sqrtCorrection2 + eps;
            param -= stepSize * first / denom;
            probe = Math.max(probe, param * 0f + first * 0f + second * 0f);
        }
        return probe == 0f;
    }

    /** lr / (1 - beta1^t): the step with the first moment's bias correction. */
    private float stepSize(long step) {
        return learningRate / (float) (1 - Math.pow(beta1, step));
    }

    /** sqrt(1 - beta2^t): the second moment's bias correction, under the root. */
    private float sqrtCorrection2(long step) {
        return (float) Math.sqrt(1 - Math.pow(beta2, step));
    }

    /** AdamW's factor 1 - lr * weight decay on every weight (1 for Adam). */
    private float decay() {
        return decoupled ? 1f - learningRate * weightDecay : 1f;
    }

    @Override
    protected List<String> stateNames() {
        return List.of("exp_avg", "exp_avg_sq");
    }

    /** The first moment must be finite, the second finite and >= 0 (it is a mean of squares). */
    @Override
    protected boolean isValidState(String slot, float value) {
        return Float.isFinite(value) && (!slot.equals("exp_avg_sq") || value >= 0f);
    }

    @Override
    protected String stateRequirement(String slot) {
        return slot.equals("exp_avg_sq") ? "finite and >= 0" : "finite";
    }

    /** First and second moments, PyTorch's {@code exp_avg} and {@code exp_avg_sq}. */
    @Override
    public Map<String, float[][]> state() {
        return m == null ? Map.of() : Map.of("exp_avg", m, "exp_avg_sq", v);
    }

    @Override
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("optimizer", decoupled ? "AdamW" : "Adam");
        s.put("beta1", Float.toString(beta1));
        s.put("beta2", Float.toString(beta2));
        s.put("eps", Float.toString(eps));
        s.put("weight_decay", Float.toString(weightDecay));
        return s;
    }
}
