/** JMH benchmarks of vecrnn and its peers. Run from the shaded jar: ./vecrnn bench. */
module io.github.vecrnn.bench {
    requires io.github.vecrnn.cells;
    requires jdk.incubator.vector;
    requires jmh.core;
    requires ejml.fdense;
    requires ejml.core;
    requires com.microsoft.onnxruntime;
    opens io.github.vecrnn.bench;
    exports io.github.vecrnn.bench.jmh_generated to jmh.core;
}
