/** RNN, LSTM and GRU cells and layers with backpropagation through time (work in progress: issue 3). */
module io.github.vecrnn.cells {
    requires transitive io.github.vecrnn.kernel;
}
