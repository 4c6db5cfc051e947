package jdiffusion.bench;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * Elementwise kernels at UNet sizes: the time-embedding add [1,320,64,64] + [1,320,1,1], a same-shape residual
 * add, GEGLU on the SD1.5 feed-forward [1, 4096, 2560] and the NCHW -> NHWC copy attention blocks make.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ElementwiseBench {
    private CpuBackend cpu;
    private Tensor map, channelBias, residual, ff;

    @Setup
    public void setUp() {
        cpu = new CpuBackend();
        map = AttentionBench.random(1, 1, 320, 64, 64);
        channelBias = AttentionBench.random(2, 1, 320, 1, 1);
        residual = AttentionBench.random(3, 1, 320, 64, 64);
        ff = AttentionBench.random(4, 1, 4096, 2560);
    }

    @TearDown public void tearDown() { cpu.close(); }

    @Benchmark public Tensor addPerChannel320x64x64() { return cpu.add(map, channelBias); }

    @Benchmark public Tensor addSameShape320x64x64() { return cpu.add(map, residual); }

    @Benchmark public Tensor geglu4096x2560() { return cpu.geglu(ff); }

    @Benchmark public Tensor gelu4096x1280() { return cpu.gelu(ff.reshape(2, 4096, 1280)); }

    @Benchmark public Tensor nchwToNhwc320x4096() { return cpu.contiguous(map.reshape(1, 320, 4096).transpose(1, 2)); }
}
