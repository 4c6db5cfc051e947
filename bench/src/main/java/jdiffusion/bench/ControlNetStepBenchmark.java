package jdiffusion.bench;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.controlnet.ControlNet;
import jdiffusion.sd.controlnet.ControlNetConfig;
import jdiffusion.sd.controlnet.ControlNetParameters;
import jdiffusion.sd.controlnet.ControlScales;
import jdiffusion.sd.unet.ControlResiduals;
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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One SD1.5 sampling step with ControlNet on the CPU backend: {@code units} ControlNets (full-size random F16 weights,
 * real hint encoder, 512x512 hint) on the UNet's batch-2 inputs, residuals summed, then the UNet call with them. FLOPs:
 * {@link UNetFlops} for the UNet plus, per unit, its encoder half, hint encoder and zero convs ({@link #controlNetFlops}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class ControlNetStepBenchmark {
    static final int BATCH = UNetBenchmark.BATCH, LATENT = UNetBenchmark.LATENT, TOKENS = UNetBenchmark.TOKENS, HINT = 8 * LATENT;
    static final UNetConfig UNET = UNetBenchmark.CONFIG;
    static final ControlNetConfig CONTROL = new ControlNetConfig(UNET, 3, ControlNetConfig.standardHintChannels(UNET.channels(0)));

    @Param({"1", "2"})
    public int units;

    private CpuBackend cpu;
    private final List<RandomWeights> weights = new ArrayList<>();
    private UNet unet;
    private final List<ControlNet> nets = new ArrayList<>();
    private Tensor sample, context, hint;
    private final float[] timesteps = {500f};

    /** One ControlNet call: the UNet's encoder half, the hint encoder at 512x512 and the 13 zero convs. */
    static double controlNetFlops() {
        double f = UNetFlops.encoderPerCall(UNET, BATCH, LATENT, LATENT, TOKENS);
        int h = HINT, in = CONTROL.hintInChannels();
        for (int k = 0; k < CONTROL.hintChannels().size(); k++) {
            int s = CONTROL.hintStride(k), out = CONTROL.hintChannels().get(k);
            h = (h + s - 1) / s;
            f += 2.0 * BATCH * h * h * out * in * 9;
            in = out;
        }
        int size = LATENT;
        for (int level = 0; level < UNET.levels(); level++) {
            int ch = UNET.channels(level), skips = UNET.layersPerBlock() + (level == 0 ? 1 : 0);
            f += 2.0 * BATCH * size * size * ch * ch * skips;
            if (level < UNET.levels() - 1) {
                size = (size + 1) / 2;
                f += 2.0 * BATCH * size * size * ch * ch;
            }
        }
        int deepest = UNET.channels(UNET.levels() - 1);
        return f + 2.0 * BATCH * size * size * deepest * deepest;
    }

    static double flops(int units) { return UNetBenchmark.flops() + units * controlNetFlops(); }

    @Setup(Level.Trial)
    public void setUp() {
        cpu = new CpuBackend(Runtime.getRuntime().availableProcessors());
        UNetRandomWeights u = new UNetRandomWeights(UNET, DType.F16, 1);
        weights.add(u);
        unet = new UNet(cpu, new Weights(u), UNET);
        for (int i = 0; i < units; i++) {
            RandomWeights w = new RandomWeights(ControlNetParameters.shapes(CONTROL), DType.F16, 10 + i);
            weights.add(w);
            nets.add(new ControlNet(cpu, new Weights(w), CONTROL));
        }
        sample = BenchData.random(2, BATCH, UNET.inChannels(), LATENT, LATENT);
        context = BenchData.random(3, BATCH, TOKENS, UNET.contextDim());
        hint = BenchData.random(4, BATCH, 3, HINT, HINT);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
        weights.forEach(RandomWeights::close);
    }

    @Benchmark
    public Tensor step() {
        ControlResiduals sum = null;
        for (ControlNet net : nets) {
            ControlResiduals r = net.forward(sample, timesteps, context, hint, ControlScales.uniform(net.outputs(), 1f), null);
            if (sum == null) {
                sum = r;
            } else {
                ControlResiduals next = sum.plus(cpu, r);
                sum.release(cpu);
                r.release(cpu);
                sum = next;
            }
        }
        Tensor out = unet.forward(sample, timesteps, context, null, sum, null);
        if (sum != null) sum.release(cpu);
        return out;
    }
}
