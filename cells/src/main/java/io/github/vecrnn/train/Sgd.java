package io.github.vecrnn.train;

import io.github.vecrnn.cells.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum, PyTorch's torch.optim.SGD (dampening 0):
 * <pre>
 *   d = g + weightDecay * p
 *   buf = d at the first step, else momentum * buf + d
 *   p = p - lr * (nesterov ? d + momentum * buf : buf)
 * </pre>
 */
public final class Sgd extends Optimizer {
    private final float momentum, weightDecay;
    private final boolean nesterov;
    private float[][] buffers;

    public Sgd(float learningRate) {
        this(learningRate, 0f, 0f, false);
    }

    public Sgd(float learningRate, float momentum) {
        this(learningRate, momentum, 0f, false);
    }

    public Sgd(float learningRate, float momentum, float weightDecay, boolean nesterov) {
        super(learningRate);
        if (!(momentum >= 0f && momentum < 1f)) throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        if (!(weightDecay >= 0f)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        if (nesterov && momentum == 0f) throw new IllegalArgumentException("Nesterov momentum needs momentum > 0");
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    protected void allocate(List<Parameters> params) {
        buffers = new float[params.size()][];
        if (momentum > 0f) for (int i = 0; i < buffers.length; i++) buffers[i] = new float[params.get(i).size()];
    }

    // update and updateIsFinite compute the same values in two loops (see Adam).

    @Override
    protected void update(int module, float[] p, float[] g, long step) {
        float lr = learningRate;
        float[] buf = buffers[module];
        for (int i = 0; i < p.length; i++) {
            float d = weightDecay == 0f ? g[i] : g[i] + weightDecay * p[i];
            if (buf != null) {
                buf[i] = step == 1 ? d : momentum * buf[i] + d;
                d = nesterov ? d + momentum * buf[i] : buf[i];
            }
            p[i] -= lr * d;
        }
    }

    @Override
    protected boolean updateIsFinite(int module, float[] p, float[] g, int from, int to, long step) {
        float lr = learningRate;
        float[] buf = buffers[module];
        float probe = 0f;   // x * 0 is 0 for a finite x and NaN otherwise; max keeps a NaN
        for (int i = from; i < to; i++) {
            float d = weightDecay == 0f ? g[i] : g[i] + weightDecay * p[i], b = 0f;
            if (buf != null) {
                b = step == 1 ? d : momentum * buf[i] + d;
                d = nesterov ? d + momentum * b : b;
            }
            probe = Math.max(probe, (p[i] - lr * d) * 0f + b * 0f);
        }
        return probe == 0f;
    }

    @Override
    protected List<String> stateNames() {
        return momentum == 0f ? List.of() : List.of("momentum_buffer");
    }

    /** The momentum buffers, PyTorch's {@code momentum_buffer} (none without momentum). */
    @Override
    public Map<String, float[][]> state() {
        return buffers == null || momentum == 0f ? Map.of() : Map.of("momentum_buffer", buffers);
    }

    @Override
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("optimizer", "Sgd");
        s.put("momentum", Float.toString(momentum));
        s.put("weight_decay", Float.toString(weightDecay));
        s.put("nesterov", Boolean.toString(nesterov));
        return s;
    }
}
