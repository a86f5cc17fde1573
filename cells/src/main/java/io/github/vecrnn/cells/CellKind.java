package io.github.vecrnn.cells;

/** The recurrent cell computed at every step, with PyTorch's gate order for its weight rows. */
public enum CellKind {
    /** Elman RNN, h_t = tanh(W x_t + b_W + R h_{t-1} + b_R). */
    RNN_TANH(1),
    /** Elman RNN with ReLU, h_t = max(0, W x_t + b_W + R h_{t-1} + b_R). */
    RNN_RELU(1),
    /** LSTM, gate rows in PyTorch order i, f, g, o. */
    LSTM(4),
    /** GRU, gate rows in PyTorch order r, z, n. */
    GRU(3);

    private final int gates;

    CellKind(int gates) {
        this.gates = gates;
    }

    /** Rows of weights per hidden unit: 1, 4 or 3 blocks of H rows. */
    public int gates() {
        return gates;
    }

    /** True for the LSTM, the only cell with a cell state c besides h. */
    public boolean hasCellState() {
        return this == LSTM;
    }
}
