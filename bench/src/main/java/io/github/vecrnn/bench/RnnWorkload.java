package io.github.vecrnn.bench;

import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Dense;
import io.github.vecrnn.cells.Readout;
import io.github.vecrnn.cells.Rng;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.SequenceModel;
import io.github.vecrnn.io.SafeTensors;
import io.github.vecrnn.io.Weights;
import io.github.vecrnn.kernel.Kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One benchmark configuration of the cells issue, and the model and data that every implementation gets:
 * the same weights (seeded), the same input and target, whatever the library.
 * <ul>
 *   <li>A: input 128, hidden 256, T 100, batch 32</li>
 *   <li>B: as A with batch 1</li>
 *   <li>C: input 64, hidden 512, T 50, batch 64, 2 layers</li>
 * </ul>
 * A training step has a dense head (hidden -> 1) on every step and an MSE loss against {@link #target}.
 *
 * @param input  features per step (I)
 * @param hidden hidden size (H)
 * @param steps  sequence length (T)
 * @param batch  sequences per call (B)
 * @param layers stacked layers
 */
public record RnnWorkload(int input, int hidden, int steps, int batch, int layers) {

    /** The configuration named by a scenario's first letter ("A_inference" -> A). */
    public static RnnWorkload of(String scenario) {
        return switch (scenario.charAt(0)) {
            case 'A' -> new RnnWorkload(128, 256, 100, 32, 1);
            case 'B' -> new RnnWorkload(128, 256, 100, 1, 1);
            case 'C' -> new RnnWorkload(64, 512, 50, 64, 2);
            default -> throw new IllegalArgumentException("scenario " + scenario + " is not A_*, B_* or C_*");
        };
    }

    /** The recurrent layers, unidirectional, PyTorch's default initialization with seed 1. */
    public Rnn rnn(CellKind cell, Kernels kernels) {
        return Rnn.builder(cell, input, hidden).layers(layers).maxBatch(batch).maxSteps(steps)
                  .kernels(kernels).seed(1).build();
    }

    /** Input x[T, B, I], uniform in [-1, 1) from seed 2. */
    public float[] x() {
        Rng rng = new Rng(2);
        float[] x = new float[steps * batch * input];
        for (int i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
        return x;
    }

    /** Target[T, B, 1] of the training step, uniform in [-1, 1) from seed 3. */
    public float[] target() {
        Rng rng = new Rng(3);
        float[] target = new float[steps * batch];
        for (int i = 0; i < target.length; i++) target[i] = rng.uniform(-1, 1);
        return target;
    }

    /** The training model: the recurrent layers and a dense head (H -> 1, seed 4) on every step. */
    public SequenceModel model(Rnn rnn, Kernels kernels) {
        return new SequenceModel(rnn, new Dense(hidden, 1, steps * batch, new Rng(4), kernels), Readout.PER_STEP);
    }

    /**
     * Writes, for every cell and configuration, one safetensors file with the training model's weights under
     * PyTorch's names ({@code rnn.weight_ih_l0}, ..., {@code head.weight}, {@code head.bias}), the input
     * {@code x [T, B, I]} and the {@code target [T, B, 1]} and vecrnn's inference output for x ({@code vecrnn_output}): what {@code scripts/bench_torch.py} loads, so PyTorch
     * runs on the very numbers vecrnn runs on. Usage: {@code RnnWorkload DIRECTORY}.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) throw new IllegalArgumentException("usage: RnnWorkload DIRECTORY");
        Path dir = Files.createDirectories(Path.of(args[0]));
        for (CellKind cell : List.of(CellKind.LSTM, CellKind.GRU, CellKind.RNN_TANH)) {
            for (String config : List.of("A", "B", "C")) {
                RnnWorkload w = of(config);
                Rnn rnn = w.rnn(cell, Kernels.preferred());
                SequenceModel model = w.model(rnn, Kernels.preferred());
                List<SafeTensors.FloatTensor> tensors = new ArrayList<>(Weights.tensors(model.namedParameters()));
                float[] x = w.x();
                tensors.add(new SafeTensors.FloatTensor("x", new int[] {w.steps, w.batch, w.input}, x, 0));
                tensors.add(new SafeTensors.FloatTensor("target", new int[] {w.steps, w.batch, 1}, w.target(), 0));
                rnn.training(false);
                tensors.add(new SafeTensors.FloatTensor("vecrnn_output", new int[] {w.steps, w.batch, w.hidden},
                        rnn.forward(x, w.batch, w.steps, null, null).output(), 0));
                Path file = dir.resolve(cell + "_" + config + ".safetensors");
                SafeTensors.write(file, tensors, Map.of("cell", cell.name(), "config", config,
                        "input", String.valueOf(w.input), "hidden", String.valueOf(w.hidden), "steps", String.valueOf(w.steps),
                        "batch", String.valueOf(w.batch), "layers", String.valueOf(w.layers)));
                System.out.println("wrote " + file);
            }
        }
    }
}
