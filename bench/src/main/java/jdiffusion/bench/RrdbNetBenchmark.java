package jdiffusion.bench;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.ParameterShapes;
import jdiffusion.sd.upscale.UpscaleModel;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real-size ESRGAN ({@code RRDBNet} nf 64, nb 23, gc 32, 4×: RealESRGAN_x4plus, 4x-UltraSharp and most community
 * models) on the CPU backend: one 256×256 tile to 1024×1024, the unit the WebUI's tiled upscale repeats. Weights are
 * seeded random F32 in the BasicSR layout (conv biases included), made before timing. {@link #flops()} counts the
 * convolutions (2 FLOP per multiply-add), which are all of the work that matters.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx6g"})
public class RrdbNetBenchmark {
    static final int NF = 64, NB = 23, GC = 32, TILE = 256;

    private CpuBackend cpu;
    private RandomWeights random;
    private UpscaleModel model;
    private Tensor tile;

    /** The BasicSR RRDBNet parameter shapes. */
    static Map<String, int[]> shapes() {
        ParameterShapes s = new ParameterShapes();
        s.conv("conv_first", 3, NF, 3);
        for (int b = 0; b < NB; b++)
            for (int r = 1; r <= 3; r++)
                for (int c = 1; c <= 5; c++)
                    s.conv("body." + b + ".rdb" + r + ".conv" + c, NF + (c - 1) * GC, c == 5 ? NF : GC, 3);
        s.conv("conv_body", NF, NF, 3).conv("conv_up1", NF, NF, 3).conv("conv_up2", NF, NF, 3).conv("conv_hr", NF, NF, 3).conv("conv_last", NF, 3, 3);
        return s.map();
    }

    /** Multiply-adds × 2 of one tile: the trunk at the input size, the upsampling convs at 2× and 4×. */
    static double flops() {
        double hw = (double) TILE * TILE, rdb = 0;
        for (int c = 1; c <= 5; c++) rdb += (NF + (c - 1) * GC) * (c == 5 ? NF : GC);
        double trunk = (3.0 * NF + NB * 3 * rdb + NF * NF) * hw;
        double up = NF * NF * (4 * hw + 16 * hw) + NF * NF * 16 * hw + NF * 3 * 16 * hw;
        return 2 * 9 * (trunk + up);
    }

    @Setup(Level.Trial)
    public void setUp() {
        cpu = new CpuBackend();
        random = new RandomWeights(shapes(), DType.F32, 7);
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : shapes().keySet()) state.put(k, random.find(k));
        model = UpscaleModel.of("random RRDBNet", state, cpu);
        tile = BenchData.random(3, 1, 3, TILE, TILE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
        random.close();
        cpu.close();
    }

    @Benchmark
    public Tensor tile256() { return model.upscale(cpu, tile); }
}
