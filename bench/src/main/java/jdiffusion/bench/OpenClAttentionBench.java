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
 * SD1.5 attention on the OpenCL backend, 8 heads of 40 channels: self-attention over {@code tokens} latent
 * tokens (4096 at 512x512; 1024 keeps PoCL runs short) and cross-attention to 77 text tokens.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class OpenClAttentionBench {
    @Param({"1024"}) int tokens;
    @Param({"self", "cross"}) String kind;

    private static final int HEADS = 8, HEAD_DIM = 40;
    private OpenClBackend backend;
    private Tensor q, k, v;
    private OpenClBenchDevice.Rate rate;

    @Setup(Level.Trial)
    public void setUp() {
        backend = OpenClBenchDevice.open();
        int keys = kind.equals("self") ? tokens : 77;
        q = OpenClBenchDevice.random(backend, 1, 1, tokens, HEADS * HEAD_DIM);
        k = OpenClBenchDevice.random(backend, 2, 1, keys, HEADS * HEAD_DIM);
        v = OpenClBenchDevice.random(backend, 3, 1, keys, HEADS * HEAD_DIM);
        // q·kᵀ and p·v: 2 multiply-adds per (query, key, channel)
        rate = new OpenClBenchDevice.Rate(kind + "-attention " + tokens + "x" + keys + " tokens, " + HEADS + "x" + HEAD_DIM,
                4.0 * tokens * keys * HEADS * HEAD_DIM);
        backend.release(backend.attention(q, k, v, HEADS, false));
        backend.finish();
    }

    @Benchmark
    public void attention() {
        long t0 = System.nanoTime();
        Tensor y = backend.attention(q, k, v, HEADS, false);
        backend.finish();
        rate.add(System.nanoTime() - t0);
        backend.release(y);
    }

    @TearDown(Level.Iteration)
    public void report() { rate.report(backend.name()); }

    @TearDown(Level.Trial)
    public void tearDown() { backend.close(); }
}
