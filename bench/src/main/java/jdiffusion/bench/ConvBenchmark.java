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
 * 3x3 convolution, stride 1, padding 1, on the CPU backend (all cores) at the SD1.5 UNet's resolutions.
 * Shape is {@code HxWxCxO}; weights F16 off-heap (as memory-mapped) or F32.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// long warm-up: C2 needs several seconds (more on a busy machine) before the Vector API kernels run compiled
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class ConvBenchmark {
    @Param({"64x64x320x320", "32x32x640x640", "8x8x1280x1280"})
    public String shape;

    /** 2 is what a sampler runs (conditional and unconditional); small images of a batch share one weight packing. */
    @Param({"1", "2"})
    public int batch;

    @Param({"F16"})
    public String weights;

    CpuBackend cpu;
    Tensor x, w, b;

    static int[] dims(String shape) {
        String[] p = shape.split("x");
        return new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3])};
    }

    static double flops(String shape, int batch) {
        int[] d = dims(shape);
        return 2.0 * batch * d[0] * d[1] * d[3] * d[2] * 9;
    }

    @Setup(Level.Trial)
    public void setUp() {
        int[] d = dims(shape);
        cpu = new CpuBackend();
        x = BenchData.random(1, batch, d[2], d[0], d[1]);
        w = BenchData.weights(DType.valueOf(weights), 2, d[3], d[2], 3, 3);
        b = BenchData.random(3, d[3]);
    }

    @TearDown(Level.Trial)
    public void tearDown() { cpu.close(); }

    @Benchmark
    public Tensor conv3x3() { return cpu.conv2d(x, w, b, 1, 1); }
}
