package jdiffusion.bench;

import jdiffusion.kernels.opencl.OpenClBackend;
import jdiffusion.tensor.DType;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@code linear} on the OpenCL backend at SD1.5 transformer shapes: rows = latent tokens (64x64 latents give
 * 4096 at 512x512; 32x32 keeps PoCL runs short), {@code k -> n} the projections (320 -> 320 attention,
 * 320 -> 2560 GEGLU in, 1280 -> 320 out), with F16 weights resident on the device as a checkpoint gives them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class OpenClGemmBench {
    @Param({"1024"}) int rows;
    @Param({"320x320", "320x2560", "1280x320"}) String kn;

    private OpenClBackend backend;
    private Arena arena;
    private Tensor x, weight, bias;
    private OpenClBenchDevice.Rate rate;

    @Setup(Level.Trial)
    public void setUp() {
        backend = OpenClBenchDevice.open();
        String[] parts = kn.split("x");
        int k = Integer.parseInt(parts[0]), n = Integer.parseInt(parts[1]);
        x = OpenClBenchDevice.random(backend, 1, rows, k);
        arena = Arena.ofShared();
        MemorySegment w = arena.allocate((long) n * k * 2, 8);
        Random r = new Random(2);
        for (long i = 0; i < (long) n * k; i++) w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16((float) r.nextGaussian() * 0.05f));
        weight = backend.upload(Tensor.wrap(w, DType.F16, n, k));
        bias = OpenClBenchDevice.random(backend, 3, n);
        rate = new OpenClBenchDevice.Rate("linear " + rows + "x" + k + " -> " + n + " (F16 weight)", 2.0 * rows * k * n);
        backend.release(backend.linear(x, weight, bias));
        backend.finish();
    }

    @Benchmark
    public void linear() {
        long t0 = System.nanoTime();
        Tensor y = backend.linear(x, weight, bias);
        backend.finish();
        rate.add(System.nanoTime() - t0);
        backend.release(y);
    }

    @TearDown(Level.Iteration)
    public void report() { rate.report(backend.name()); }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
        arena.close();
    }
}
