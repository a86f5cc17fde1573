package io.github.vecrnn.cells;

/**
 * An independent float64 implementation of one bidirectional-capable recurrent layer, written
 * straight from the equations with plain loops (no kernels, no workspaces), for tests: its outputs
 * check vecrnn's forward, and central finite differences of its loss check vecrnn's gradients.
 */
final class ReferenceRnn {
    final CellKind kind;
    final int input, hidden, directions;
    final boolean linearBeforeReset, peepholes, inputForget, layerNorm;
    static final double EPS = 1e-5;
    final Merge merge;
    final Parameters layout;

    ReferenceRnn(Rnn rnn) {
        if (rnn.layers() != 1) throw new IllegalArgumentException("reference is single-layer");
        this.kind = rnn.kind();
        this.input = rnn.inputSize();
        this.hidden = rnn.hiddenSize();
        this.directions = rnn.directions();
        this.linearBeforeReset = rnn.linearBeforeReset();
        this.peepholes = rnn.peepholes();
        this.inputForget = rnn.inputForget();
        this.layerNorm = rnn.layerNorm();
        this.merge = rnn.merge();
        this.layout = rnn.parameters();
    }

    /** Outputs [T][B][F], final h [dirs][B][H], final c (LSTM). */
    record Result(double[][][] out, double[][][] hN, double[][][] cN) {
    }

    static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    /** x [T][B][I]; h0, c0 [dirs][B][H] (null: zeros); lengths (null: all T). */
    Result forward(double[] w, double[][][] x, double[][][] h0, double[][][] c0, int[] lengths) {
        int steps = x.length, batch = x[0].length, h = hidden;
        double[][][][] dirOut = new double[directions][steps][batch][h];
        double[][][] hN = new double[directions][batch][h], cN = new double[directions][batch][h];
        for (int d = 0; d < directions; d++) {
            String s = "l0" + (d == 1 ? "_reverse" : "");
            int wi = layout.tensor("weight_ih_" + s).offset(), wh = layout.tensor("weight_hh_" + s).offset();
            int bi = layout.tensor("bias_ih_" + s).offset(), bh = layout.tensor("bias_hh_" + s).offset();
            int p = peepholes ? layout.tensor("weight_peephole_" + s).offset() : -1;
            int gx = layerNorm ? layout.tensor("layer_norm_ih_weight_" + s).offset() : -1;
            int gh = layerNorm ? layout.tensor("layer_norm_hh_weight_" + s).offset() : -1;
            boolean cellNorm = layerNorm && kind == CellKind.LSTM;
            int gc = cellNorm ? layout.tensor("layer_norm_cell_weight_" + s).offset() : -1;
            int bc = cellNorm ? layout.tensor("layer_norm_cell_bias_" + s).offset() : -1;
            for (int b = 0; b < batch; b++) {
                double[] hs = h0 == null ? new double[h] : h0[d][b].clone();
                double[] cs = c0 == null ? new double[h] : c0[d][b].clone();
                int len = lengths == null ? steps : lengths[b];
                for (int k = 0; k < len; k++) {
                    int t = d == 1 ? len - 1 - k : k;
                    double[] xt = x[t][b];
                    double[] hNew = new double[h], cNew = new double[h], outputGate = new double[h];
                    int rows = kind.gates();
                    // Whole rows W x_t and R h_{t-1} (layer norm needs every gate's value), then the biases.
                    double[] wxAll = new double[rows * h], rhAll = new double[rows * h];
                    for (int row = 0; row < rows * h; row++) {
                        for (int i = 0; i < input; i++) wxAll[row] += w[wi + row * input + i] * xt[i];
                        for (int m = 0; m < h; m++) rhAll[row] += w[wh + row * h + m] * hs[m];
                    }
                    if (layerNorm) {
                        layerNorm(wxAll, w, gx, -1);
                        layerNorm(rhAll, w, gh, -1);
                    }
                    for (int j = 0; j < h; j++) {
                        double[] wx = new double[rows], rh = new double[rows];
                        for (int g = 0; g < rows; g++) {
                            int row = g * h + j;
                            wx[g] = wxAll[row] + w[bi + row];
                            rh[g] = rhAll[row] + w[bh + row];
                        }
                        switch (kind) {
                            case RNN_TANH -> hNew[j] = Math.tanh(wx[0] + rh[0]);
                            case RNN_RELU -> hNew[j] = Math.max(0, wx[0] + rh[0]);
                            case LSTM -> {
                                double i = sigmoid(wx[0] + rh[0] + (p >= 0 ? w[p + j] * cs[j] : 0));
                                double f = inputForget ? 1 - i : sigmoid(wx[1] + rh[1] + (p >= 0 ? w[p + h + j] * cs[j] : 0));
                                double g = Math.tanh(wx[2] + rh[2]);
                                cNew[j] = f * cs[j] + i * g;
                                outputGate[j] = sigmoid(wx[3] + rh[3] + (p >= 0 ? w[p + 2 * h + j] * cNew[j] : 0));
                            }
                            case GRU -> {
                                double r = sigmoid(wx[0] + rh[0]), z = sigmoid(wx[1] + rh[1]);
                                double n;
                                if (linearBeforeReset) {
                                    n = Math.tanh(wx[2] + r * rh[2]);
                                } else {
                                    double rn = w[bh + 2 * h + j];
                                    for (int m = 0; m < h; m++) {
                                        double rm = sigmoid(resetPre(w, wi, wh, bi, bh, m, xt, hs));
                                        rn += w[wh + (2 * h + j) * h + m] * rm * hs[m];
                                    }
                                    n = Math.tanh(wx[2] + rn);
                                }
                                hNew[j] = (1 - z) * n + z * hs[j];
                            }
                        }
                    }
                    if (kind == CellKind.LSTM) {
                        double[] squashed = cNew.clone();
                        if (cellNorm) layerNorm(squashed, w, gc, bc);
                        for (int j = 0; j < h; j++) hNew[j] = outputGate[j] * Math.tanh(squashed[j]);
                    }
                    hs = hNew;
                    if (kind == CellKind.LSTM) cs = cNew;
                    dirOut[d][t][b] = hs.clone();
                }
                hN[d][b] = hs;
                cN[d][b] = cs;
            }
        }
        int f = directions == 2 && merge == Merge.CONCAT ? 2 * h : h;
        double[][][] out = new double[steps][batch][f];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < h; j++) {
                    double a = dirOut[0][t][b][j];
                    if (directions == 1) {
                        out[t][b][j] = a;
                        continue;
                    }
                    double c = dirOut[1][t][b][j];
                    switch (merge) {
                        case CONCAT -> { out[t][b][j] = a; out[t][b][h + j] = c; }
                        case SUM -> out[t][b][j] = a + c;
                        case MUL -> out[t][b][j] = a * c;
                        case AVERAGE -> out[t][b][j] = (a + c) / 2;
                    }
                }
            }
        }
        return new Result(out, hN, kind == CellKind.LSTM ? cN : null);
    }

    /** v = gain * (v - mean) / sqrt(var + eps) (+ shift when shift >= 0), in place. */
    static void layerNorm(double[] v, double[] w, int gain, int shift) {
        double mean = 0, var = 0;
        for (double e : v) mean += e;
        mean /= v.length;
        for (double e : v) var += (e - mean) * (e - mean);
        var /= v.length;
        double rstd = 1 / Math.sqrt(var + EPS);
        for (int j = 0; j < v.length; j++) v[j] = w[gain + j] * (v[j] - mean) * rstd + (shift >= 0 ? w[shift + j] : 0);
    }

    /** The GRU reset gate's pre-activation for unit m (reset-before needs every unit's r). */
    private double resetPre(double[] w, int wi, int wh, int bi, int bh, int m, double[] xt, double[] hs) {
        double a = w[bi + m] + w[bh + m];
        for (int i = 0; i < input; i++) a += w[wi + m * input + i] * xt[i];
        for (int k = 0; k < hidden; k++) a += w[wh + m * hidden + k] * hs[k];
        return a;
    }

    /** sum(out * dOut) + sum(hN * dH) [+ sum(cN * dC)]: the loss whose gradients backward computes. */
    static double loss(Result r, double[][][] dOut, double[][][] dH, double[][][] dC) {
        double s = 0;
        for (int t = 0; t < r.out.length; t++)
            for (int b = 0; b < r.out[t].length; b++)
                for (int j = 0; j < r.out[t][b].length; j++) s += r.out[t][b][j] * dOut[t][b][j];
        for (int d = 0; d < r.hN.length; d++)
            for (int b = 0; b < r.hN[d].length; b++)
                for (int j = 0; j < r.hN[d][b].length; j++) {
                    s += r.hN[d][b][j] * dH[d][b][j];
                    if (r.cN != null) s += r.cN[d][b][j] * dC[d][b][j];
                }
        return s;
    }
}
