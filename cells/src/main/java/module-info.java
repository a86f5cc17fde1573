/**
 * vecrnn's recurrent layers on its kernel: RNN, LSTM and GRU cells, stacked and bidirectional layers
 * with backpropagation through time ({@code io.github.vecrnn.cells}), training pieces: losses,
 * optimizers, clipping ({@code io.github.vecrnn.train}), and weight files ({@code io.github.vecrnn.io}).
 */
module io.github.vecrnn.cells {
    requires transitive io.github.vecrnn.kernel;
    exports io.github.vecrnn.cells;
    exports io.github.vecrnn.io;
    exports io.github.vecrnn.train;
}
