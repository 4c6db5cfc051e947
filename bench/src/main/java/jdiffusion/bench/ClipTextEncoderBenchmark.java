package jdiffusion.bench;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.clip.ClipTextConfig;
import jdiffusion.sd.clip.ClipTextEncoder;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The SD1.5 text encoder (CLIP ViT-L/14: 12 layers, 768 wide, 12 heads, quick_gelu) on the CPU backend (all cores):
 * one conditioning call for a sampler's batch, conditional and unconditional prompt of {@value #TOKENS} tokens each
 * ({@value #BATCH} x {@value #TOKENS}), through all layers and the final norm. Weights are seeded random at full size in
 * the file dtype ({@link ClipRandomWeights}), made before timing. {@link ClipFlops} counts the work (26.6 GFLOP).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 4)
@Measurement(iterations = 3, time = 4)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx3g"})
public class ClipTextEncoderBenchmark {
    static final int BATCH = 2, TOKENS = 77;
    static final ClipTextConfig CONFIG = ClipTextConfig.sd1();

    @Param({"F16"})
    public String weights;

    /** The CPU backend's threads: all cores, as the pipeline runs ({@link CpuTimeReport} may set fewer). */
    int threads = Runtime.getRuntime().availableProcessors();

    private CpuBackend cpu;
    private ClipRandomWeights random;
    private ClipTextEncoder clip;
    private int[][] ids;

    static double flops() { return ClipFlops.perCall(CONFIG, BATCH, TOKENS); }

    @Setup(Level.Trial)
    public void setUp() {
        cpu = new CpuBackend(threads);
        random = new ClipRandomWeights(CONFIG, DType.valueOf(weights), 1);
        clip = new ClipTextEncoder(cpu, new Weights(random), CONFIG);
        // start, a prompt's worth of ids, end, padding: the shape of a tokenized prompt (the cost does not depend on the ids)
        SplittableRandom r = new SplittableRandom(2);
        ids = new int[BATCH][TOKENS];
        for (int[] seq : ids) {
            seq[0] = 49406;
            for (int j = 1; j < TOKENS; j++) seq[j] = j < 20 ? r.nextInt(49406) : CONFIG.eosTokenId();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
        random.close();
    }

    @Benchmark
    public Tensor encode() { return clip.encode(cpu, ids, 1); }
}
