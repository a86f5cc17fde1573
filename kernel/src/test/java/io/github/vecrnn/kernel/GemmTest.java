package io.github.vecrnn.kernel;

import static io.github.vecrnn.kernel.KernelTestSupport.assertBitwiseEqual;
import static io.github.vecrnn.kernel.KernelTestSupport.assertOutsideUnchanged;
import static io.github.vecrnn.kernel.KernelTestSupport.randomArray;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * sgemm and sgemv of {@link Kernels#preferred()} (the vector width of this run) against the scalar
 * twin (bit for bit, as promised on {@link Kernels#sgemm}) and against a float64 reference within
 * the stated forward error bound (k + 3) u sum|alpha a b| + |beta c| (u = 2^-24), over odd sizes,
 * lane counts +-1, offsets, padded leading dimensions, alpha/beta in {0, 1, others}, NaN in C when
 * beta = 0; elements of the arrays outside C must not change.
 */
class GemmTest {

    private static final Kernels VECTOR = Kernels.preferred().withThreads(1);
    private static final Kernels SCALAR = Kernels.scalar();
    private static final float U = 0x1p-24f;
    private static final float GUARD = -12345.5f;

    /** 0..3, lane counts +-1 for 4, 8 and 16 lanes, strip widths +-1 (16, 32, 64), primes. */
    private static final int[] SIZES = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 37, 61, 63, 64, 65, 127, 257, 465};
    private static final float[][] ALPHA_BETA = {{1f, 0f}, {1f, 1f}, {-0.75f, 0f}, {2.5f, 0.5f}, {0f, 0.5f}, {0f, 0f}, {1f, -1.25f}};

    record Shape(int m, int n, int k) {}

    @Test
    void smallShapesAllTransposesAgainstScalarTwinAndFloat64() {
        SplittableRandom random = new SplittableRandom(1);
        int[] small = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 17};
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                for (int m : small) {
                    for (int n : small) {
                        for (int k : new int[] {0, 1, 3, 17}) {
                            float[] ab = ALPHA_BETA[random.nextInt(ALPHA_BETA.length)];
                            check(random, transA, transB, m, n, k, ab[0], ab[1]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void randomShapesFromTheSizeList() {
        SplittableRandom random = new SplittableRandom(2);
        for (int trial = 0; trial < 400; trial++) {
            int m = SIZES[random.nextInt(SIZES.length)], n = SIZES[random.nextInt(SIZES.length)];
            int k = SIZES[random.nextInt(SIZES.length)];
            float[] ab = ALPHA_BETA[random.nextInt(ALPHA_BETA.length)];
            check(random, random.nextBoolean(), random.nextBoolean(), m, n, k, ab[0], ab[1]);
        }
    }

    @Test
    void rnnShapes() {
        SplittableRandom random = new SplittableRandom(3);
        // batch x 4H x input (forward), and the backward forms, at the sizes the benchmarks use
        List<Shape> shapes = List.of(new Shape(64, 1024, 256), new Shape(32, 1024, 384), new Shape(1, 1024, 384),
                new Shape(64, 148, 13), new Shape(7, 148, 37), new Shape(148, 37, 64), new Shape(2, 2048, 512),
                // m * k >= Kernels.TRANSPOSE_A_MIN: with transA, A^T is copied first
                new Shape(300, 100, 150), new Shape(148, 37, 301), new Shape(1, 40, 40000),
                // blocked as MC rows by NC columns by KC rows of op(B) (PanamaGemm: 256, 128, 256), partial sums carried:
                // a short last block, an exact multiple, a narrow strip beside the full ones, B in place (m < 12)
                new Shape(9, 257, 1300), new Shape(13, 64, 1024), new Shape(20, 70, 2100), new Shape(300, 270, 600),
                new Shape(12, 513, 257));
        for (Shape s : shapes) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    check(random, transA, transB, s.m, s.n, s.k, 1f, random.nextBoolean() ? 0f : 1f);
                }
            }
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        SplittableRandom random = new SplittableRandom(4);
        Kernels two = Kernels.preferred().withThreads(2);
        List<Shape> shapes = List.of(new Shape(96, 200, 150), new Shape(64, 1024, 256), new Shape(300, 20, 400),
                new Shape(2, 4096, 512), new Shape(128, 128, 128), new Shape(300, 100, 150),
                // one row from Kernels.PARALLEL_MIN_GEMV_ELEMENTS of B: split by columns as matrix-vector products
                new Shape(1, 1024, 256), new Shape(1, 465, 257), new Shape(1, 100, 700),
                // long products, blocked along k on each thread
                new Shape(64, 256, 1500), new Shape(30, 130, 2050));
        for (Shape s : shapes) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    Problem p = Problem.random(random, transA, transB, s.m, s.n, s.k, 0.5f, 0.25f);
                    float[] one = p.c.clone(), many = p.c.clone();
                    p.run(VECTOR, one);
                    p.run(two, many);
                    assertBitwiseEqual(one, many, p + " on 1 vs 2 threads");
                }
            }
        }
    }

    /**
     * A packed B gives the same bits as the row-major sgemm of the scalar twin (which check() holds to
     * float64), for every size in the list, both packing sources, one row included (called twice: both orders of
     * the passes), on 1 and 2 threads.
     */
    @Test
    void packedMatrixProductsEqualTheRowMajorOnesBitForBit() {
        SplittableRandom random = new SplittableRandom(11);
        Kernels two = Kernels.preferred().withThreads(2);
        List<Shape> shapes = new ArrayList<>(List.of(new Shape(64, 2048, 512), new Shape(32, 1024, 256),
                new Shape(1, 1024, 256), new Shape(1, 465, 257), new Shape(7, 148, 37), new Shape(4, 1024, 128)));
        for (int trial = 0; trial < 150; trial++) {
            shapes.add(new Shape(SIZES[random.nextInt(SIZES.length)], SIZES[random.nextInt(SIZES.length)],
                                 SIZES[random.nextInt(SIZES.length)]));
        }
        for (Shape s : shapes) {
            float[] ab = ALPHA_BETA[random.nextInt(ALPHA_BETA.length)];
            Problem p = Problem.random(random, false, random.nextBoolean(), s.m, s.n, s.k, ab[0], ab[1]);
            float[] expected = p.c.clone();
            p.run(SCALAR, expected);
            for (Kernels kernels : List.of(VECTOR, two, SCALAR)) {
                PackedMatrix packed = kernels.newPackedMatrix(s.k, s.n);
                kernels.pack(p.transB, p.b, p.bOff, p.ldb, packed);
                // one row: the vector kernel runs its passes over B in the other order on every other call
                for (int call = 0; call < (s.m == 1 ? 2 : 1); call++) {
                    float[] got = p.c.clone();
                    kernels.sgemmPacked(s.m, p.alpha, p.a, p.aOff, p.lda, packed, p.beta, got, p.cOff, p.ldc);
                    assertBitwiseEqual(expected, got, p + " with B packed by " + kernels + ", call " + call);
                }
            }
        }
    }

    /**
     * A product with a range of a packed matrix's columns (whole strips from its start) gives, bit for bit,
     * those columns of the product with the whole matrix; a range that does not start at a strip is refused.
     */
    @Test
    void packedColumnRangesGiveThoseColumnsOfTheWholeProduct() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 60; trial++) {
            int m = 1 + random.nextInt(40), k = 1 + random.nextInt(300), n = 1 + random.nextInt(300);
            PackedMatrix packed = VECTOR.newPackedMatrix(k, n);
            float[] b = randomArray(random, k * n), a = randomArray(random, m * k), whole = new float[m * n];
            VECTOR.pack(false, b, 0, n, packed);
            VECTOR.sgemmPacked(m, 1f, a, 0, k, packed, 0f, whole, 0, n);
            int strips = (n + packed.panelWidth() - 1) / packed.panelWidth();
            int column = random.nextInt(strips) * packed.panelWidth(), columns = random.nextInt(n - column + 1);
            float[] part = new float[m * columns], expected = new float[m * columns]; // ldc = columns (1 when empty)
            VECTOR.sgemmPackedColumns(m, 1f, a, 0, k, packed, column, columns, 0f, part, 0, Math.max(1, columns));
            for (int i = 0; i < m; i++) System.arraycopy(whole, i * n + column, expected, i * columns, columns);
            assertBitwiseEqual(expected, part, m + "x" + k + "x" + n + " columns [" + column + ", " + (column + columns) + ")");
        }
        PackedMatrix packed = VECTOR.newPackedMatrix(8, 200);
        float[] a = new float[8], c = new float[200];
        assertThrows(IllegalArgumentException.class, () -> VECTOR.sgemmPackedColumns(1, 1f, a, 0, 8, packed, 1, 10, 0f, c, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> VECTOR.sgemmPackedColumns(1, 1f, a, 0, 8, packed, 0, 201, 0f, c, 0, 201));
    }

    /**
     * A product with equally spaced blocks of a packed matrix's columns (a range of units in every gate)
     * gives, bit for bit, what the product with each block's column range gives, on the vector kernels and
     * the scalar twin, one row (the matrix-vector form, whose strips run four at a time across blocks)
     * or several; C's columns between and around the blocks do not change. Bad strides are refused.
     */
    @Test
    void packedColumnBlocksGiveEachBlocksColumns() {
        SplittableRandom random = new SplittableRandom(12);
        for (Kernels kernels : new Kernels[] {VECTOR, SCALAR}) {
            int width = kernels.newPackedMatrix(1, 1).panelWidth();
            for (int trial = 0; trial < 150; trial++) {
                int m = trial % 2 == 0 ? 1 : 1 + random.nextInt(9), k = 1 + random.nextInt(200);
                int blocks = random.nextInt(6), blockStride = width * (1 + random.nextInt(3));
                // whole strips (the one-row path), or any count up to the stride
                int columns = random.nextBoolean() ? blockStride / width * width : random.nextInt(blockStride + 1);
                int column = width * random.nextInt(3);
                int span = blocks == 0 ? 0 : (blocks - 1) * blockStride + columns;
                int n = column + span + random.nextInt(2 * width), lda = k + random.nextInt(3);
                int ldc = Math.max(1, span + random.nextInt(5)), cOff = random.nextInt(7);
                float[] alphaBeta = ALPHA_BETA[random.nextInt(ALPHA_BETA.length)];
                PackedMatrix packed = kernels.newPackedMatrix(k, n);
                kernels.pack(false, randomArray(random, k * n), 0, Math.max(1, n), packed);  // BLAS: ldb >= max(1, n)
                float[] a = randomArray(random, m * lda), c = randomArray(random, cOff + m * ldc + 3);
                float[] expected = c.clone(), actual = c.clone();
                for (int q = 0; q < blocks; q++) {
                    kernels.sgemmPackedColumns(m, alphaBeta[0], a, 0, lda, packed, column + q * blockStride, columns,
                                  alphaBeta[1], expected, cOff + q * blockStride, ldc);
                }
                kernels.sgemmPackedColumnBlocks(m, alphaBeta[0], a, 0, lda, packed, column, columns, blocks, blockStride,
                              alphaBeta[1], actual, cOff, ldc);
                assertBitwiseEqual(expected, actual, kernels + ": " + m + "x" + k + " by " + blocks + " blocks of "
                                   + columns + " columns from " + column + ", stride " + blockStride);
            }
            PackedMatrix packed = kernels.newPackedMatrix(8, 8 * width);
            float[] a = new float[8], c = new float[16 * width];
            assertThrows(IllegalArgumentException.class,   // a stride that is not a multiple of the strips' width
                () -> kernels.sgemmPackedColumnBlocks(1, 1f, a, 0, 8, packed, 0, 1, 2, width + 1, 0f, c, 0, 16 * width));
            assertThrows(IllegalArgumentException.class,   // blocks that overlap
                () -> kernels.sgemmPackedColumnBlocks(1, 1f, a, 0, 8, packed, 0, 2 * width, 2, width, 0f, c, 0, 16 * width));
            assertThrows(IllegalArgumentException.class,   // past B's last column: 2w + 3 * 2w + w = 9w > 8w
                () -> kernels.sgemmPackedColumnBlocks(1, 1f, a, 0, 8, packed, 2 * width, width, 4, 2 * width, 0f, c, 0, 16 * width));
            kernels.sgemmPackedColumnBlocks(1, 1f, a, 0, 8, packed, width, width, 4, 2 * width, 0f, c, 0, 16 * width);  // 8w: fits
        }
    }

    /**
     * C = A B + E F + bias with B and F packed (an RNN step's gate pre-activations): each element is the FMA
     * chain bias, then A B's terms, then E F's, computed here in plain Java; the vector kernels (one and two
     * threads) and the scalar twin give exactly those bits, for odd sizes, k or k2 = 0, offsets, padded
     * leading dimensions and column ranges, and they are within (k + k2 + 1) u (|bias| + sum |terms|) of
     * float64. C is only written (NaN in it is ignored) and nothing outside it changes.
     */
    @Test
    void packedPairProductsAreOneFmaChainFromTheBias() {
        SplittableRandom random = new SplittableRandom(13);
        Kernels two = Kernels.preferred().withThreads(2);
        List<int[]> shapes = new ArrayList<>(List.of(new int[] {32, 1024, 128, 256}, new int[] {64, 2048, 64, 512},
                new int[] {1, 1024, 128, 256}, new int[] {7, 148, 37, 0}, new int[] {5, 65, 0, 13},
                new int[] {465, 64, 257, 465}));   // one column block: two threads split the rows
        for (int trial = 0; trial < 120; trial++) {
            shapes.add(new int[] {SIZES[random.nextInt(SIZES.length)], SIZES[random.nextInt(SIZES.length)],
                                  SIZES[random.nextInt(SIZES.length)], SIZES[random.nextInt(SIZES.length)]});
        }
        for (int[] shape : shapes) {
            int m = shape[0], n = shape[1], k = shape[2], k2 = shape[3];
            int lda = Math.max(1, k) + random.nextInt(3), lde = Math.max(1, k2) + random.nextInt(3);
            int ldc = Math.max(1, n) + random.nextInt(3);
            int aOff = random.nextInt(4), eOff = random.nextInt(4), cOff = random.nextInt(4);
            float[] a = randomArray(random, aOff + m * lda), e = randomArray(random, eOff + m * lde);
            float[] b = randomArray(random, k * n), f = randomArray(random, k2 * n), bias = randomArray(random, n + 3);
            float[] c = new float[cOff + m * ldc + 2];
            java.util.Arrays.fill(c, GUARD);
            for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, Float.NaN);
            float[] expected = c.clone();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float sum = bias[3 + j];
                    double exact = bias[3 + j], magnitude = Math.abs(bias[3 + j]);
                    for (int p = 0; p < k; p++) {
                        sum = Math.fma(a[aOff + i * lda + p], b[p * n + j], sum);
                        exact += (double) a[aOff + i * lda + p] * b[p * n + j];
                        magnitude += Math.abs((double) a[aOff + i * lda + p] * b[p * n + j]);
                    }
                    for (int p = 0; p < k2; p++) {
                        sum = Math.fma(e[eOff + i * lde + p], f[p * n + j], sum);
                        exact += (double) e[eOff + i * lde + p] * f[p * n + j];
                        magnitude += Math.abs((double) e[eOff + i * lde + p] * f[p * n + j]);
                    }
                    expected[cOff + i * ldc + j] = sum;
                    double bound = (k + k2 + 1) * U * magnitude + Float.MIN_NORMAL;
                    assertTrue(Math.abs(sum - exact) <= bound, "float64: " + sum + " vs " + exact + ", bound " + bound);
                }
            }
            String what = m + "x" + n + ", k " + k + " + " + k2;
            for (Kernels kernels : List.of(VECTOR, two, SCALAR)) {
                PackedMatrix packedB = kernels.newPackedMatrix(k, n), packedF = kernels.newPackedMatrix(k2, n);
                kernels.pack(false, b, 0, Math.max(1, n), packedB);
                kernels.pack(false, f, 0, Math.max(1, n), packedF);
                float[] got = c.clone();
                kernels.gatePreactivations(m, a, aOff, lda, packedB, e, eOff, lde, packedF, 0, n, bias, 3, got, cOff, ldc);
                assertBitwiseEqual(expected, got, what + " by " + kernels);
                assertOutsideUnchanged(c, got, cOff, m, n, ldc, what + " by " + kernels);
                int strips = (n + packedB.panelWidth() - 1) / packedB.panelWidth();
                int column = random.nextInt(strips + 1) * packedB.panelWidth();
                column = Math.min(column, n - n % packedB.panelWidth());
                int columns = random.nextInt(n - column + 1);
                float[] part = c.clone();
                kernels.gatePreactivations(m, a, aOff, lda, packedB, e, eOff, lde, packedF, column, columns, bias, 3 + column, part, cOff, ldc);
                assertOutsideUnchanged(c, part, cOff, m, columns, ldc, what + " by " + kernels + ", a column range");
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        int at = cOff + i * ldc + j;
                        // C's column j is B's column column + j; the columns after the range keep their NaN
                        float want = j < columns ? expected[cOff + i * ldc + column + j] : c[at];
                        if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(part[at])) {
                            fail(what + " by " + kernels + ", columns [" + column + ", " + (column + columns) + "): C["
                                 + i + "][" + j + "] is " + part[at] + ", expected " + want);
                        }
                    }
                }
            }
        }
        PackedMatrix b = VECTOR.newPackedMatrix(8, 200), f = VECTOR.newPackedMatrix(4, 100);
        float[] a = new float[8], e = new float[4], bias = new float[200], c = new float[200];
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.gatePreactivations(1, a, 0, 8, b, e, 0, 4, f, 0, 100, bias, 0, c, 0, 100));
        assertTrue(mismatch.getMessage().contains("must have the same columns"), mismatch.getMessage());
        PackedMatrix f2 = VECTOR.newPackedMatrix(4, 200);
        IllegalArgumentException shortBias = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.gatePreactivations(1, a, 0, 8, b, e, 0, 4, f2, 0, 200, new float[199], 0, c, 0, 200));
        assertTrue(shortBias.getMessage().contains("bias"), shortBias.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VECTOR.gatePreactivations(1, a, 0, 8, b, e, 0, 4, f2, 1, 10, bias, 0, c, 0, 10));
    }

    /**
     * Kernels.parallel runs every part once, on as many threads as it has (the caller's included), rethrows
     * a part's exception, and runs a task that a part starts on that part's thread alone.
     */
    @Test
    void parallelTasksRunEveryPartOnce() {
        Kernels two = Kernels.preferred().withThreads(2);
        int[] runs = new int[4];
        int[] seenParts = new int[1];
        two.parallel((part, parts) -> {
            synchronized (runs) {
                runs[part]++;
                seenParts[0] = parts;
            }
        });
        int parts = seenParts[0];
        assertTrue(parts >= 1 && parts <= 2, "parts " + parts);
        for (int p = 0; p < 4; p++) assertEquals(p < parts ? 1 : 0, runs[p], "runs of part " + p);
        VECTOR.parallel((part, count) -> assertEquals(1, count, "one thread, one part"));
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> two.parallel((part, count) -> {
            if (part == count - 1) throw new IllegalStateException("part " + part + " failed");
        }));
        assertTrue(thrown.getMessage().startsWith("part "), thrown.getMessage());
        int[] nested = new int[2];
        two.parallel((part, count) -> two.parallel((inner, innerCount) -> {
            synchronized (nested) {
                nested[0]++;
                nested[1] = Math.max(nested[1], innerCount);
            }
        }));
        assertEquals(1, nested[1], "a nested task runs on its part's thread alone");
        assertEquals(parts, nested[0], "one nested run per part");
    }

    @Test
    void aPackedMatrixOfAnotherLayoutIsRefused() {
        int width = VECTOR.newPackedMatrix(1, 1).panelWidth;
        PackedMatrix otherLayout = new PackedMatrix(8, 40, 2 * width);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.sgemmPacked(2, 1f, new float[16], 0, 8, otherLayout, 0f, new float[80], 0, 40));
        assertTrue(e.getMessage().contains("was packed for another implementation"), e.getMessage());
    }

    @Test
    void transposeOddShapesOffsetsAndLeadingDimensions() {
        SplittableRandom random = new SplittableRandom(9);
        for (boolean add : new boolean[] {false, true}) {
            for (int rows : new int[] {0, 1, 7, 8, 9, 63, 64, 65, 130}) {
                for (int cols : new int[] {0, 1, 5, 64, 65, 200}) {
                    int lds = cols + 3, ldd = rows + 5, so = 2, dO = 4;
                    float[] src = new float[so + Math.max(1, rows) * lds], dst = new float[dO + Math.max(1, cols) * ldd + 7];
                    for (int i = 0; i < src.length; i++) src[i] = (float) random.nextDouble();
                    java.util.Arrays.fill(dst, -7f);
                    if (add) VECTOR.addTransposed(rows, cols, src, so, lds, dst, dO, ldd);
                    else VECTOR.transpose(rows, cols, src, so, lds, dst, dO, ldd);
                    for (int c = 0; c < cols; c++) {
                        for (int r = 0; r < rows; r++) {
                            float expected = add ? -7f + src[so + r * lds + c] : src[so + r * lds + c];
                            if (dst[dO + c * ldd + r] != expected) throw new AssertionError(rows + "x" + cols + " at " + r + "," + c + " add " + add);
                        }
                        for (int r = rows; r < ldd && dO + c * ldd + r < dst.length; r++) {
                            if (dst[dO + c * ldd + r] != -7f) throw new AssertionError("padding written at " + r + "," + c);
                        }
                    }
                }
            }
        }
    }

    @Test
    void concurrentCallersGetCorrectResults() throws Exception {
        SplittableRandom random = new SplittableRandom(5);
        Problem p = Problem.random(random, false, true, 80, 300, 200, 1f, 0f);
        float[] expected = p.c.clone();
        p.run(VECTOR, expected);
        Kernels shared = Kernels.preferred().withThreads(2);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                float[] c = p.c.clone();
                for (int i = 0; i < 30; i++) {
                    p.run(shared, c);
                    for (int j = 0; j < c.length; j++) {
                        if (Float.floatToRawIntBits(c[j]) != Float.floatToRawIntBits(expected[j])) {
                            failures.add(new AssertionError("element " + j + " differs under concurrency"));
                            return;
                        }
                    }
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) thread.join();
        if (!failures.isEmpty()) fail(failures.get(0));
    }

    @Test
    void gemvBothFormsAgainstScalarTwinAndFloat64() {
        SplittableRandom random = new SplittableRandom(6);
        for (int trial = 0; trial < 300; trial++) {
            int m = SIZES[random.nextInt(SIZES.length)], n = SIZES[random.nextInt(SIZES.length)];
            boolean trans = random.nextBoolean();
            float[] ab = ALPHA_BETA[random.nextInt(ALPHA_BETA.length)];
            float alpha = ab[0], beta = ab[1];
            int lda = Math.max(1, n) + random.nextInt(3), aOff = random.nextInt(4), xOff = random.nextInt(4), yOff = random.nextInt(4);
            int xLen = trans ? m : n, yLen = trans ? n : m;
            float[] a = randomArray(random, aOff + Math.max(0, m - 1) * lda + n + 2);
            float[] x = randomArray(random, xOff + xLen + 2);
            float[] y = randomArray(random, yOff + yLen + 2);
            if (beta == 0f) java.util.Arrays.fill(y, yOff, yOff + yLen, Float.NaN);
            float[] yVector = y.clone(), yScalar = y.clone();
            VECTOR.sgemv(trans, m, n, alpha, a, aOff, lda, x, xOff, beta, yVector, yOff);
            SCALAR.sgemv(trans, m, n, alpha, a, aOff, lda, x, xOff, beta, yScalar, yOff);
            String what = "sgemv trans=" + trans + " " + m + "x" + n + " alpha=" + alpha + " beta=" + beta;
            if (trans) assertBitwiseEqual(yScalar, yVector, what + " (vector vs scalar)");
            for (int i = 0; i < yLen; i++) {
                double exact = 0, magnitude = 0;
                for (int p = 0; p < xLen; p++) {
                    double av = trans ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    exact += av * x[xOff + p];
                    magnitude += Math.abs(av * x[xOff + p]);
                }
                double c0 = beta == 0f ? 0 : y[yOff + i];
                double ref = alpha * exact + beta * c0;
                double bound = (xLen + 3) * U * (Math.abs(alpha) * magnitude + Math.abs(beta * c0)) + Float.MIN_NORMAL;
                for (float[] got : new float[][] {yVector, yScalar}) {
                    if (!(Math.abs(got[yOff + i] - ref) <= bound)) {
                        fail(what + ": y[" + i + "] = " + got[yOff + i] + ", float64 " + ref + ", bound " + bound);
                    }
                }
            }
            assertOutsideUnchanged(y, yVector, yOff, 1, yLen, Math.max(1, yLen), what);
        }
    }

    // ---------------------------------------------------------------------------------- helpers

    /** One random sgemm problem with offsets, padded leading dimensions and guard values around C. */
    record Problem(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
                   float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {

        static Problem random(SplittableRandom r, boolean transA, boolean transB, int m, int n, int k, float alpha, float beta) {
            int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
            int lda = Math.max(1, aCols) + r.nextInt(3), ldb = Math.max(1, bCols) + r.nextInt(3), ldc = Math.max(1, n) + r.nextInt(3);
            int aOff = r.nextInt(5), bOff = r.nextInt(5), cOff = r.nextInt(5);
            float[] a = randomArray(r, aOff + aRows * lda + 3);
            float[] b = randomArray(r, bOff + bRows * ldb + 3);
            float[] c = new float[cOff + m * ldc + 3];
            java.util.Arrays.fill(c, GUARD);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    c[cOff + i * ldc + j] = beta == 0f ? Float.NaN : (float) (r.nextDouble() * 2 - 1);
                }
            }
            return new Problem(transA, transB, m, n, k, alpha, beta, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        }

        void run(Kernels kernels, float[] out) {
            kernels.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, out, cOff, ldc);
        }

        float opA(int i, int p) { return transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]; }

        float opB(int p, int j) { return transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]; }

        @Override
        public String toString() {
            return "sgemm(transA=" + transA + ", transB=" + transB + ", m=" + m + ", n=" + n + ", k=" + k
                    + ", alpha=" + alpha + ", beta=" + beta + ", offsets " + aOff + "/" + bOff + "/" + cOff
                    + ", ld " + lda + "/" + ldb + "/" + ldc + ")";
        }
    }

    private static void check(SplittableRandom random, boolean transA, boolean transB, int m, int n, int k, float alpha, float beta) {
        Problem p = Problem.random(random, transA, transB, m, n, k, alpha, beta);
        float[] vector = p.c.clone(), scalar = p.c.clone();
        p.run(VECTOR, vector);
        p.run(SCALAR, scalar);
        boolean dotForm = m == 1 && transB && !transA; // the documented exception: lane-wise sums
        if (!dotForm) assertBitwiseEqual(scalar, vector, p + " vector vs scalar twin");
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double exact = 0, magnitude = 0;
                for (int q = 0; q < k; q++) {
                    double term = (double) p.opA(i, q) * p.opB(q, j);
                    exact += term;
                    magnitude += Math.abs(term);
                }
                double c0 = beta == 0f ? 0 : p.c[p.cOff + i * p.ldc + j];
                double ref = alpha * exact + beta * c0;
                double bound = (k + 3) * U * (Math.abs(alpha) * magnitude + Math.abs(beta * c0)) + Float.MIN_NORMAL;
                float got = vector[p.cOff + i * p.ldc + j];
                if (!(Math.abs(got - ref) <= bound)) {
                    fail(p + ": C[" + i + "][" + j + "] = " + got + ", float64 reference " + ref + ", bound " + bound);
                }
            }
        }
        assertOutsideUnchanged(p.c, vector, p.cOff, m, n, p.ldc, p.toString());
    }
}
