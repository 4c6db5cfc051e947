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
 * SDXL's text-encoder pair as the conditioner runs it, on the CPU backend: CLIP ViT-L/14 up to its penultimate layer
 * (11 of 12 layers) and OpenCLIP ViT-bigG/14 through all 32 layers (the last one for the pooled output, which is
 * projected), for a sampler's batch, conditional and unconditional prompt of {@value #TOKENS} tokens each
 * ({@value #BATCH} x {@value #TOKENS}). Weights are seeded random at full size in the file dtype (about 820 M
 * parameters), made before timing. {@link #flops()} counts the work (about 220 GFLOP).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 4)
@Measurement(iterations = 2, time = 8)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx3g"})
public class SdxlTextEncodersBenchmark {
    static final int BATCH = 2, TOKENS = 77;
    static final ClipTextConfig CLIP_L = ClipTextConfig.sdxlClipL(), BIG_G = ClipTextConfig.sdxlBigG();

    @Param({"F16"})
    public String weights;

    /** The CPU backend's threads: all cores, as the pipeline runs ({@link CpuTimeReport} may set fewer). */
    int threads = Runtime.getRuntime().availableProcessors();

    private CpuBackend cpu;
    private ClipRandomWeights clipLWeights, bigGWeights;
    private ClipTextEncoder clipL, bigG;
    private int[][] ids;

    /** CLIP-L's layers but the last, all of bigG's, bigG's projection of the pooled rows. */
    static double flops() {
        return ClipFlops.perCall(CLIP_L.withLayers(CLIP_L.layers() - 1, 0), BATCH, TOKENS) + ClipFlops.perCall(BIG_G, BATCH, TOKENS)
                + 2.0 * BATCH * BIG_G.hiddenSize() * BIG_G.projectionDim();
    }

    @Setup(Level.Trial)
    public void setUp() {
        cpu = new CpuBackend(threads);
        clipLWeights = new ClipRandomWeights(CLIP_L, DType.valueOf(weights), 1);
        bigGWeights = new ClipRandomWeights(BIG_G, DType.valueOf(weights), 2);
        clipL = new ClipTextEncoder(cpu, new Weights(clipLWeights), CLIP_L);
        bigG = new ClipTextEncoder(cpu, new Weights(bigGWeights), BIG_G);
        // start, a prompt's worth of ids, end, padding: the shape of a tokenized prompt (the cost does not depend on the ids)
        SplittableRandom r = new SplittableRandom(2);
        ids = new int[BATCH][TOKENS];
        for (int[] seq : ids) {
            seq[0] = 49406;
            for (int j = 1; j < TOKENS; j++) seq[j] = j < 20 ? r.nextInt(49406) : j == 20 ? 49407 : 0;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
        clipLWeights.close();
        bigGWeights.close();
    }

    @Benchmark
    public Tensor[] encodePair() {
        return new Tensor[] {clipL.penultimate(cpu, ids, false).states(), bigG.penultimate(cpu, ids, true).pooled()};
    }
}
