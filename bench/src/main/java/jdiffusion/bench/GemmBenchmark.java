package jdiffusion.bench;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * {@code linear} on the CPU backend (all cores) at SD1.5 shapes: {@code x [M, K] · Wᵀ}, W {@code [N, K]} in
 * F32 (heap) or F16 (off-heap, as memory-mapped from a checkpoint). Shape is {@code MxKxN}; 77 and 154 rows are CLIP
 * and cross-attention projections of one and two prompts (batch 2 with CFG).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// long warm-up: C2 needs several seconds (more on a busy machine) before the Vector API kernels run compiled
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class GemmBenchmark {
    @Param({"4096x320x320", "4096x320x1280", "1024x640x640", "77x768x768", "154x768x768"})
    public String shape;

    @Param({"F32", "F16"})
    public String weights;

    CpuBackend cpu;
    Tensor x, w, b;

    /** MxKxN as three ints. */
    static int[] dims(String shape) {
        String[] p = shape.split("x");
        return new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }

    static double flops(String shape) {
        int[] d = dims(shape);
        return 2.0 * d[0] * d[1] * d[2];
    }

    @Setup(Level.Trial)
    public void setUp() {
        int[] d = dims(shape);
        cpu = new CpuBackend();
        x = BenchData.random(1, d[0], d[1]);
        w = BenchData.weights(DType.valueOf(weights), 2, d[2], d[1]);
        b = BenchData.random(3, d[2]);
    }

    @TearDown(Level.Trial)
    public void tearDown() { cpu.close(); }

    @Benchmark
    public Tensor linear() { return cpu.linear(x, w, b); }
}
