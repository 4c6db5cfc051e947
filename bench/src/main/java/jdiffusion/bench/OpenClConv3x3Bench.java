package jdiffusion.bench;

import jdiffusion.kernels.opencl.OpenClBackend;
import jdiffusion.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * The 3x3 stride-1 convolution of an SD1.5 ResBlock on the OpenCL backend: {@code channels -> channels} at
 * {@code size x size} (320 channels at 64x64 is the 512x512 UNet's first level; 32x32 keeps PoCL runs short).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class OpenClConv3x3Bench {
    @Param({"320"}) int channels;
    @Param({"32"}) int size;

    private OpenClBackend backend;
    private Tensor x, weight, bias;
    private OpenClBenchDevice.Rate rate;

    @Setup(Level.Trial)
    public void setUp() {
        backend = OpenClBenchDevice.open();
        x = OpenClBenchDevice.random(backend, 1, 1, channels, size, size);
        weight = OpenClBenchDevice.random(backend, 2, channels, channels, 3, 3);
        bias = OpenClBenchDevice.random(backend, 3, channels);
        rate = new OpenClBenchDevice.Rate("conv3x3 " + channels + "->" + channels + " at " + size + "x" + size,
                2.0 * channels * channels * 9 * size * size);
        backend.release(backend.conv2d(x, weight, bias, 1, 1));
        backend.finish();
    }

    @Benchmark
    public void conv3x3() {
        long t0 = System.nanoTime();
        Tensor y = backend.conv2d(x, weight, bias, 1, 1);
        backend.finish();
        rate.add(System.nanoTime() - t0);
        backend.release(y);
    }

    @TearDown(Level.Iteration)
    public void report() { rate.report(backend.name()); }

    @TearDown(Level.Trial)
    public void tearDown() { backend.close(); }
}
