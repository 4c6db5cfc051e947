package jdiffusion.bench;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.Supplier;

/**
 * The kernels' speed measured in CPU time as well as wall time, for machines shared with other work (where
 * JMH's wall-clock scores mostly measure the neighbours). For each GEMM / conv shape of {@link GemmBenchmark}
 * and {@link ConvBenchmark} it prints wall-clock GFLOP/s and GFLOP per CPU-second of this process's Java threads, both
 * against the FMA peak of one core measured the same way ({@link FmaPeakBenchmark}'s loop). With {@code models} it
 * does the same for the model benchmarks ({@link ClipTextEncoderBenchmark}, {@link UNetBenchmark},
 * {@link VaeBenchmark}) on their inputs and random weights, best of 3 calls after 2 (minutes).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar jdiffusion.bench.CpuTimeReport [threads] [models]</pre>
 */
public final class CpuTimeReport {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private CpuTimeReport() {}

    public static void main(String[] args) {
        int threads = args.length > 0 && !args[0].equals("models") ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        boolean models = args.length > 0 && args[args.length - 1].equals("models");
        FmaPeakBenchmark fma = new FmaPeakBenchmark();
        double corePeak = best(fma::fmaChains, 0.3).cpu;
        corePeak = FmaPeakBenchmark.flopsPerInvocation() / corePeak / 1e9;
        System.out.printf("FMA peak of one core (CPU time): %.1f GFLOP/s; %d threads -> peak %.1f GFLOP/s%n",
                corePeak, threads, corePeak * threads);
        System.out.printf("%-46s %10s %9s %7s | %10s %9s %7s%n", models ? "model" : "kernel", "wall ms", "GFLOP/s", "%peak", "cpu ms", "GF/cpu-s", "%core");
        if (models) {
            models(threads, corePeak);
            return;
        }
        try (CpuBackend cpu = new CpuBackend(threads)) {
            for (String shape : new String[]{"4096x320x320", "4096x320x1280", "1024x640x640", "77x768x768", "154x768x768"})
                for (DType dt : new DType[]{DType.F32, DType.F16}) {
                    int[] d = GemmBenchmark.dims(shape);
                    Tensor x = BenchData.random(1, d[0], d[1]), w = BenchData.weights(dt, 2, d[2], d[1]), b = BenchData.random(3, d[2]);
                    line("linear " + shape + " W " + dt, GemmBenchmark.flops(shape), () -> cpu.linear(x, w, b), threads, corePeak);
                }
            for (String shape : new String[]{"64x64x320x320", "32x32x640x640", "8x8x1280x1280"})
                for (int batch : new int[]{1, 2}) {
                    int[] d = ConvBenchmark.dims(shape);
                    Tensor x = BenchData.random(1, batch, d[2], d[0], d[1]), w = BenchData.weights(DType.F16, 2, d[3], d[2], 3, 3);
                    Tensor b = BenchData.random(3, d[3]);
                    line("conv3x3 " + shape + " b" + batch + " W F16", ConvBenchmark.flops(shape, batch),
                            () -> cpu.conv2d(x, w, b, 1, 1), threads, corePeak);
                }
        }
    }

    /** Each model built by its JMH benchmark's setup (excluded from timing), timed, and its weights freed before the next. */
    private static void models(int threads, double corePeak) {
        ClipTextEncoderBenchmark clip = new ClipTextEncoderBenchmark();
        clip.weights = "F16";
        clip.threads = threads;
        clip.setUp();
        line("CLIP ViT-L/14 text 2x77 W F16", ClipTextEncoderBenchmark.flops(), best(clip::encode, 0.4), threads, corePeak);
        clip.tearDown();
        UNetBenchmark unet = new UNetBenchmark();
        unet.weights = "F16";
        unet.model = "sd15";
        unet.threads = threads;
        unet.setUp();
        line("UNet SD1.5 batch 2 64x64 W F16", UNetBenchmark.flops(), bestOfSingleCalls(unet::call), threads, corePeak);
        unet.tearDown();
        VaeBenchmark vae = new VaeBenchmark();
        vae.weights = "F16";
        vae.threads = threads;
        vae.setUp();
        line("VAE decode 64x64 -> 512x512 W F16", VaeBenchmark.decodeFlops(), bestOfSingleCalls(vae::decode), threads, corePeak);
        line("VAE encode 512x512 -> 64x64 W F16", VaeBenchmark.encodeFlops(), bestOfSingleCalls(vae::encode), threads, corePeak);
        vae.tearDown();
    }

    private static void line(String what, double flops, Supplier<Object> op, int threads, double corePeak) {
        line(what, flops, best(op, 0.4), threads, corePeak);
    }

    private static void line(String what, double flops, Timing t, int threads, double corePeak) {
        double wall = flops / t.wall / 1e9, perCpu = flops / t.cpu / 1e9;
        System.out.printf("%-46s %10.3f %9.1f %6.1f%% | %10.3f %9.1f %6.1f%%%n", what, t.wall * 1e3, wall,
                100 * wall / (corePeak * threads), t.cpu * 1e3, perCpu, 100 * perCpu / corePeak);
    }

    private record Timing(double wall, double cpu) {}

    /** CPU time of all live Java threads (the caller and the backend's pool; not the JIT or GC threads), in ns. */
    private static long javaThreadsCpuNanos() {
        long sum = 0;
        for (long id : THREADS.getAllThreadIds()) sum += Math.max(0, THREADS.getThreadCpuTime(id));
        return sum;
    }

    /** Best of 5 rounds (after warm-up) of seconds per call, wall and process CPU. */
    private static Timing best(Supplier<Object> op, double roundSeconds) { return best(op, roundSeconds, 3, 5); }

    /** For calls of seconds: best of 3 single calls after 2. */
    private static Timing bestOfSingleCalls(Supplier<Object> op) { return best(op, 0, 2, 3); }

    private static Timing best(Supplier<Object> op, double roundSeconds, int warmups, int rounds) {
        for (int i = 0; i < warmups; i++) op.get();
        double wall = Double.MAX_VALUE, cpu = Double.MAX_VALUE;
        for (int round = 0; round < rounds; round++) {
            long w0 = System.nanoTime(), c0 = javaThreadsCpuNanos();
            int n = 0;
            do { op.get(); n++; } while (System.nanoTime() - w0 < roundSeconds * 1e9);
            wall = Math.min(wall, (System.nanoTime() - w0) * 1e-9 / n);
            cpu = Math.min(cpu, (javaThreadsCpuNanos() - c0) * 1e-9 / n);
        }
        return new Timing(wall, cpu);
    }
}
