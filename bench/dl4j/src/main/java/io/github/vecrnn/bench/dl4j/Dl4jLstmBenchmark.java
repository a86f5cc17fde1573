package io.github.vecrnn.bench.dl4j;

import io.github.vecrnn.bench.RnnWorkload;
import io.github.vecrnn.cells.CellKind;
import io.github.vecrnn.cells.Parameters;
import io.github.vecrnn.cells.Rnn;
import io.github.vecrnn.cells.SequenceModel;
import io.github.vecrnn.io.Layouts;
import io.github.vecrnn.kernel.Kernels;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Deeplearning4j's LSTM (nd4j-native, its CPU backend with OpenBLAS) on the configurations of {@link RnnWorkload},
 * with vecrnn's weights: the same model as vecrnn's RnnBenchmark, checked output for output in the setup.
 * Inference is {@code output()} of the LSTM layers alone; a training step is {@code fit()} of the layers and an
 * {@code RnnOutputLayer} (H -> 1, identity, MSE) on every step, Adam(1e-4). Data in DL4J's own layout [B, F, T].
 *
 * <p>DL4J has no GRU and its SimpleRnn has one bias, so only the LSTM is compared. The native thread count comes
 * from {@code OMP_NUM_THREADS}, read when the native library loads, so the bench command runs this class once per
 * thread count with that variable set; the setup refuses a {@code threads} parameter that does not match it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g", "--enable-native-access=ALL-UNNAMED"})
public class Dl4jLstmBenchmark {

    @Param({"A_inference", "A_training", "B_inference", "C_inference", "C_training"})
    public String scenario;

    @Param({"1", "2"})
    public int threads;

    private MultiLayerNetwork net;
    private INDArray x, target;
    private boolean training;

    @Setup
    public void setUp() {
        String omp = System.getenv("OMP_NUM_THREADS");
        if (!String.valueOf(threads).equals(omp))
            throw new IllegalStateException("run with OMP_NUM_THREADS=" + threads + " (it is " + omp + ")");
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        RnnWorkload w = RnnWorkload.of(scenario);
        training = scenario.endsWith("training");
        Rnn rnn = w.rnn(CellKind.LSTM, Kernels.preferred());
        SequenceModel model = w.model(rnn, Kernels.preferred());

        var layers = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-4)).dataType(DataType.FLOAT).list();
        for (int l = 0; l < w.layers(); l++)
            layers.layer(new LSTM.Builder().nIn(l == 0 ? w.input() : w.hidden()).nOut(w.hidden())
                                           .activation(Activation.TANH).gateActivationFunction(Activation.SIGMOID).build());
        if (training)
            layers.layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                                                  .nIn(w.hidden()).nOut(1).build());
        net = new MultiLayerNetwork(layers.build());
        net.init();
        for (int l = 0; l < w.layers(); l++) copyLstm(rnn, l, w.hidden(), net);
        if (training) {
            Parameters head = model.head().parameters();
            net.getLayer(w.layers()).getParam("W").assign(Nd4j.create(slice(head, "weight"), new long[] {w.hidden(), 1}, 'c'));
            net.getLayer(w.layers()).getParam("b").assign(Nd4j.create(slice(head, "bias"), new long[] {1, 1}, 'c'));
        }

        float[] xs = w.x();
        x = Nd4j.create(xs, new long[] {w.steps(), w.batch(), w.input()}, 'c').permute(1, 2, 0).dup('c');  // [B, I, T]
        target = Nd4j.create(w.target(), new long[] {w.steps(), w.batch(), 1}, 'c').permute(1, 2, 0).dup('c');
        if (!training) {
            rnn.training(false);
            float[] ours = rnn.forward(xs, w.batch(), w.steps(), null, null).output();
            INDArray theirs = net.output(x).permute(2, 0, 1).dup('c');  // [T, B, H]
            float[] values = theirs.data().asFloat();
            // float32 on both sides, different summation orders over up to 100 steps: far below 1e-3 on values
            // in (-1, 1), where a wrong gate order or bias is off by tenths
            for (int i = 0; i < ours.length; i++)
                if (!(Math.abs(ours[i] - values[i]) <= 1e-3f))
                    throw new IllegalStateException("DL4J and vecrnn differ at output[" + i + "]: " + values[i] + " vs " + ours[i]);
        }
    }

    /**
     * Layer l into DL4J's W [in, 4H], RW [H, 4H] and b [1, 4H]: the same shapes as Keras' kernel, recurrent kernel
     * and summed bias, which {@link Layouts#toKeras} produces with the gate blocks in the order i, f, c, o; DL4J
     * orders them c, f, o, i.
     */
    private static void copyLstm(Rnn rnn, int layer, int hidden, MultiLayerNetwork net) {
        Layouts.KerasLayer keras = Layouts.toKeras(rnn, layer, false);
        var params = net.getLayer(layer);
        params.getParam("W").assign(dl4jGateOrder(keras.kernel(), hidden));
        params.getParam("RW").assign(dl4jGateOrder(keras.recurrentKernel(), hidden));
        params.getParam("b").assign(dl4jGateOrder(keras.bias(), hidden));
    }

    /** A row-major [rows, 4H] matrix with column blocks [i | f | c | o] (Keras) as [c | f | o | i] (DL4J). */
    private static INDArray dl4jGateOrder(float[] rowMajor, int hidden) {
        INDArray keras = Nd4j.create(rowMajor, new long[] {rowMajor.length / (4L * hidden), 4L * hidden}, 'c');
        INDArray[] blocks = new INDArray[4];
        for (int g = 0; g < 4; g++) blocks[g] = keras.get(NDArrayIndex.all(), NDArrayIndex.interval((long) g * hidden, (long) (g + 1) * hidden));
        return Nd4j.hstack(blocks[2], blocks[1], blocks[3], blocks[0]);
    }

    private static float[] slice(Parameters p, String name) {
        Parameters.Tensor t = p.tensor(name);
        float[] out = new float[t.size()];
        System.arraycopy(p.values(), t.offset(), out, 0, out.length);
        return out;
    }

    @Benchmark
    public Object step() {
        if (training) {
            net.fit(x, target);
            return net.score();
        }
        return net.output(x);
    }
}
