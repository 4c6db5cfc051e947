package jdiffusion.bench;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.vae.AutoencoderKL;
import jdiffusion.sd.vae.LatentDistribution;
import jdiffusion.sd.vae.VaeConfig;
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
 * SD's VAE ({@code kl-f8}) on the CPU backend (all cores) at batch 1: {@code decode} a 64x64 latent to a 512x512
 * image (the end of every txt2img), {@code encode} a 512x512 image to its latent distribution (img2img's start).
 * Weights are seeded random at full size in the file dtype ({@link VaeRandomWeights}), made before timing.
 * {@link VaeFlops} counts the work. Each measured iteration is one call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx6g"})
public class VaeBenchmark {
    static final int LATENT = 64;
    static final VaeConfig CONFIG = VaeConfig.sd();
    static final int IMAGE = LATENT * CONFIG.downsamplingFactor();

    @Param({"F16"})
    public String weights;

    /** The CPU backend's threads: all cores, as the pipeline runs ({@link CpuTimeReport} may set fewer). */
    int threads = Runtime.getRuntime().availableProcessors();

    private CpuBackend cpu;
    private VaeRandomWeights random;
    private AutoencoderKL vae;
    private Tensor latents, image;

    static double decodeFlops() { return VaeFlops.decode(CONFIG, 1, LATENT, LATENT); }

    static double encodeFlops() { return VaeFlops.encode(CONFIG, 1, IMAGE, IMAGE); }

    @Setup(Level.Trial)
    public void setUp() {
        cpu = new CpuBackend(threads);
        random = new VaeRandomWeights(CONFIG, DType.valueOf(weights), 1);
        vae = new AutoencoderKL(cpu, new Weights(random), CONFIG);
        latents = BenchData.random(2, 1, CONFIG.latentChannels(), LATENT, LATENT);
        image = BenchData.random(3, 1, CONFIG.inChannels(), IMAGE, IMAGE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
        random.close();
    }

    @Benchmark
    public Tensor decode() { return vae.decode(cpu, latents); }

    @Benchmark
    public LatentDistribution encode() { return vae.encode(cpu, image); }
}
