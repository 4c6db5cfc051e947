package jdiffusion.kernels.cpu;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.BiFunction;
import java.util.function.Function;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ElementwiseOpsTest {
    private final CpuBackend cpu = new CpuBackend(2);
    private final ReferenceBackend reference = new ReferenceBackend();

    @AfterAll void close() { cpu.close(); }

    private void checkUnary(String what, Function<Backend, Function<Tensor, Tensor>> op, Tensor x) {
        assertClose(op.apply(reference).apply(x), op.apply(cpu).apply(x), 1e-6, 1e-5, what);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 33, 1000, 20_011})
    void activationsMatchReferenceOverWideRange(int n) {
        Tensor x = new RandomTensors(n).normal(6f, 0f, n);
        checkUnary("gelu", b -> b::gelu, x);
        checkUnary("geluTanh", b -> b::geluTanh, x);
        checkUnary("quickGelu", b -> b::quickGelu, x);
        checkUnary("silu", b -> b::silu, x);
        checkUnary("scale", b -> t -> b.scale(t, -0.37f), x);
        checkUnary("leakyRelu", b -> t -> b.leakyRelu(t, 0.2f), x);
    }

    @Test
    void preluSlopesEachChannelAndMatchesReferenceExactly() {
        RandomTensors r = new RandomTensors(41);
        Tensor x = r.normal(2, 7, 5, 19), slope = r.normal(1, 7, 1, 1);
        assertClose(reference.prelu(x, slope), cpu.prelu(x, slope), 0, 0, "prelu per channel");
        float[] out = cpu.prelu(Tensor.of(new float[] {-2f, 3f}, 1, 2, 1, 1), Tensor.of(new float[] {0.5f, 0.5f}, 1, 2, 1, 1)).toFloatArray();
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {-1f, 3f}, out);
    }

    @Test
    void activationsHandleExtremeValues() {
        float[] v = {0f, -0f, 1e-30f, -1e-30f, 1e-8f, -3f, -5.5f, -9f, -12f, -20f, -40f, -88f, -90f, -200f, -1e30f, 3f, 9f, 20f, 88f, 90f, 1e30f,
                Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE};
        Tensor x = Tensor.of(v, v.length);
        checkUnary("gelu", b -> b::gelu, x);
        checkUnary("geluTanh", b -> b::geluTanh, x);
        checkUnary("quickGelu", b -> b::quickGelu, x);
        checkUnary("silu", b -> b::silu, x);
    }

    @Test
    void geluKeepsRelativeAccuracyInNegativeTail() {
        // down to -5 only: below it the double reference itself loses digits to 1 + erf cancelling
        float[] v = new float[101];
        for (int i = 0; i < v.length; i++) v[i] = -0.05f * i;
        Tensor x = Tensor.of(v, v.length);
        assertClose(reference.gelu(x), cpu.gelu(x), 1e-30, 3e-6, "gelu tail");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 37, 1280})
    void gegluMatchesReference(int n) {
        Tensor x = new RandomTensors(n).normal(2f, 0f, 3, 7, 2 * n);
        checkUnary("geglu", b -> b::geglu, x);
        checkUnary("geglu of a transposed view", b -> b::geglu, new RandomTensors(n + 1).normal(2, 2 * n, 5).transpose(1, 2));
    }

    private void checkBinary(int[] a, int[] b) {
        RandomTensors r = new RandomTensors(a.length * 100L + b.length);
        Tensor x = r.normal(a), y = r.normal(b);
        for (BiFunction<Backend, Tensor[], Tensor> op : java.util.List.<BiFunction<Backend, Tensor[], Tensor>>of(
                (be, t) -> be.add(t[0], t[1]), (be, t) -> be.sub(t[0], t[1]), (be, t) -> be.mul(t[0], t[1])))
            assertClose(op.apply(reference, new Tensor[] {x, y}), op.apply(cpu, new Tensor[] {x, y}), 0, 0,
                    java.util.Arrays.toString(a) + " with " + java.util.Arrays.toString(b));
    }

    @Test
    void broadcastingArithmeticMatchesReferenceExactly() {
        checkBinary(new int[] {2, 5, 7, 9}, new int[] {2, 5, 7, 9});
        checkBinary(new int[] {2, 320, 9, 11}, new int[] {2, 320, 1, 1});
        checkBinary(new int[] {2, 3, 9, 11}, new int[] {3, 1, 1});
        checkBinary(new int[] {3, 1, 1}, new int[] {2, 3, 9, 11});
        checkBinary(new int[] {4, 77, 37}, new int[] {37});
        checkBinary(new int[] {37}, new int[] {4, 77, 37});
        checkBinary(new int[] {5, 1}, new int[] {1, 6});
        checkBinary(new int[] {2, 1, 4, 1}, new int[] {3, 1, 5});
        checkBinary(new int[] {1}, new int[] {3, 17});
        checkBinary(new int[] {}, new int[] {3, 17});
        checkBinary(new int[] {1, 1}, new int[] {1});
        checkBinary(new int[] {0, 4}, new int[] {4});
    }

    @Test
    void arithmeticReadsViews() {
        RandomTensors r = new RandomTensors(77);
        Tensor x = r.normal(4, 9, 33).transpose(0, 2), y = r.normal(9, 4).narrow(0, 2, 1);
        assertClose(reference.add(x, y), cpu.add(x, y), 0, 0, "views");
        Tensor h = RandomTensors.toF16(r.normal(33, 1, 1));
        assertClose(reference.mul(x, h), cpu.mul(x, h), 0, 0, "f16 operand");
    }

    @Test
    void shapesThatDoNotBroadcastAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> cpu.add(Tensor.zeros(3, 4), Tensor.zeros(5)));
    }
}
