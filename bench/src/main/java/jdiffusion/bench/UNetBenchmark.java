package jdiffusion.bench;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.unet.UNet;
import jdiffusion.sd.unet.UNetConfig;
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
 * One SD1.5 UNet call on the CPU backend (all cores), the unit of sampling cost: batch {@value #BATCH} (conditional
 * and unconditional), 64x64 latent (512x512 image), 77-token context. Weights are seeded random at full size in the
 * file dtype ({@link UNetRandomWeights}), made before timing. {@link UNetFlops} counts the work (1606 GFLOP).
 * Each measured iteration is one call; {@link UNetStepBench} times the same call without JMH on any device.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx6g"})
public class UNetBenchmark {
    static final int BATCH = 2, LATENT = 64, TOKENS = 77;
    static final UNetConfig CONFIG = UNetConfig.sd1(4);

    @Param({"F16"})
    public String weights;

    /** The CPU backend's threads: all cores, as the pipeline runs ({@link CpuTimeReport} may set fewer). */
    int threads = Runtime.getRuntime().availableProcessors();

    private CpuBackend cpu;
    private UNetRandomWeights random;
    private UNet unet;
    private Tensor sample, context;
    private final float[] timesteps = {500f};

    static double flops() { return UNetFlops.perCall(CONFIG, BATCH, LATENT, LATENT, TOKENS); }

    @Setup(Level.Trial)
    public void setUp() {
        cpu = new CpuBackend(threads);
        random = new UNetRandomWeights(CONFIG, DType.valueOf(weights), 1);
        unet = new UNet(cpu, new Weights(random), CONFIG);
        sample = BenchData.random(2, BATCH, CONFIG.inChannels(), LATENT, LATENT);
        context = BenchData.random(3, BATCH, TOKENS, CONFIG.contextDim());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
        random.close();
    }

    @Benchmark
    public Tensor call() { return unet.forward(sample, timesteps, context); }
}
