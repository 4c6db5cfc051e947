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
 * One UNet call on the CPU backend (all cores), the unit of sampling cost: batch {@value #BATCH} (conditional and
 * unconditional), 77-token context; {@code model} sd15 at a 64x64 latent (512x512 image), or sdxl at a 128x128 latent
 * (1024x1024 image) with the pooled + size vector (2.57 G parameters: about 5.1 GB of F16 weights; run it alone with
 * {@code -p model=sdxl}). Weights are seeded random at full size in the file dtype ({@link UNetRandomWeights}), made
 * before timing. {@link UNetFlops} counts the work (SD1.5 1606 GFLOP, SDXL 13,522 GFLOP). Each measured iteration is one call;
 * {@link UNetStepBench} times the same call without JMH on any device.
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

    /** sd15 (64x64 latent) or sdxl (128x128 latent, with the conditioning vector). */
    @Param({"sd15", "sdxl"})
    public String model;

    /** The CPU backend's threads: all cores, as the pipeline runs ({@link CpuTimeReport} may set fewer). */
    int threads = Runtime.getRuntime().availableProcessors();

    private CpuBackend cpu;
    private UNetRandomWeights random;
    private UNet unet;
    private Tensor sample, context, vector;
    private final float[] timesteps = {500f};

    static double flops() { return flops("sd15"); }

    static double flops(String model) { return UNetFlops.perCall(config(model), BATCH, latent(model), latent(model), TOKENS); }

    static UNetConfig config(String model) { return model.equals("sdxl") ? UNetConfig.sdxl(4) : CONFIG; }

    static int latent(String model) { return model.equals("sdxl") ? 2 * LATENT : LATENT; }

    @Setup(Level.Trial)
    public void setUp() {
        UNetConfig config = config(model);
        cpu = new CpuBackend(threads);
        random = new UNetRandomWeights(config, DType.valueOf(weights), 1);
        unet = new UNet(cpu, new Weights(random), config);
        sample = BenchData.random(2, BATCH, config.inChannels(), latent(model), latent(model));
        context = BenchData.random(3, BATCH, TOKENS, config.contextDim());
        vector = config.hasVector() ? BenchData.random(4, BATCH, config.vectorDim()) : null;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
        random.close();
    }

    @Benchmark
    public Tensor call() { return unet.forward(sample, timesteps, context, vector, null); }
}
