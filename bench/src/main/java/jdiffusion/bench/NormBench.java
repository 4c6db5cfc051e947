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

/** Group norm (+ fused SiLU) on a UNet feature map [1, 320, 64, 64] (5 MiB in, 5 MiB out); layer norm and softmax rows. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class NormBench {
    private CpuBackend cpu;
    private Tensor x, gamma, beta, tokens, lnGamma, lnBeta, scores;

    @Setup
    public void setUp() {
        cpu = new CpuBackend();
        x = AttentionBench.random(1, 1, 320, 64, 64);
        gamma = AttentionBench.random(2, 320);
        beta = AttentionBench.random(3, 320);
        tokens = AttentionBench.random(4, 2, 4096, 320);
        lnGamma = AttentionBench.random(5, 320);
        lnBeta = AttentionBench.random(6, 320);
        scores = AttentionBench.random(7, 8, 1024, 1024);
    }

    @TearDown public void tearDown() { cpu.close(); }

    @Benchmark public Tensor groupNorm320x64x64() { return cpu.groupNorm(x, 32, gamma, beta, 1e-5f, false); }

    @Benchmark public Tensor groupNormSilu320x64x64() { return cpu.groupNorm(x, 32, gamma, beta, 1e-5f, true); }

    @Benchmark public Tensor layerNorm8192x320() { return cpu.layerNorm(tokens, lnGamma, lnBeta, 1e-5f); }

    @Benchmark public Tensor softmax8x1024x1024() { return cpu.softmax(scores); }
}
