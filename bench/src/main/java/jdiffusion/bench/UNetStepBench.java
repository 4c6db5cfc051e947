package jdiffusion.bench;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.unet.UNet;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.unet.UNetParameters;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times one SD1.5 UNet call (the unit of sampling cost) on random weights made in memory, without JMH:
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar jdiffusion.bench.UNetStepBench \
 *        [--batch 2] [--size 64] [--iters 3] [--warmup 1] [--threads N] [--dtype f16|f32] [--seed 1] [--sd2]
 * </pre>
 * Prints seconds per call and GFLOP/s (1606 GFLOP per call at batch 2, 64x64 latent). The target on the 2-core
 * AVX2 machine is 11 s per call.
 */
public final class UNetStepBench {
    public static void main(String[] args) {
        int batch = 2, size = 64, iters = 3, warmup = 1, threads = Runtime.getRuntime().availableProcessors();
        long seed = 1;
        DType dtype = DType.F16;
        boolean sd2 = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--iters" -> iters = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--dtype" -> dtype = switch (args[++i].toLowerCase(Locale.ROOT)) {
                    case "f16" -> DType.F16;
                    case "f32" -> DType.F32;
                    default -> throw new IllegalArgumentException("--dtype is f16 or f32");
                };
                case "--sd2" -> sd2 = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see the class comment for usage)");
            }
        }
        UNetConfig config = sd2 ? UNetConfig.sd2(4) : UNetConfig.sd1(4);
        int tokens = 77;
        double gflop = UNetFlops.perCall(config, batch, size, size, tokens) / 1e9;
        System.out.printf(Locale.ROOT, "UNet %s, %,d parameters in %s, batch %d, latent %dx%d, %d threads: %.1f GFLOP per call%n",
                sd2 ? "SD2" : "SD1.5", UNetParameters.count(config), dtype, batch, size, size, threads, gflop);

        long t0 = System.nanoTime();
        try (UNetRandomWeights weights = new UNetRandomWeights(config, dtype, seed); Backend backend = new CpuBackend(threads)) {
            UNet unet = new UNet(backend, new Weights(weights), config);
            System.out.printf(Locale.ROOT, "weights made and model built in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            SplittableRandom r = new SplittableRandom(seed);
            Tensor sample = backend.fromFloats(gaussian(r, batch * 4 * size * size), batch, 4, size, size);
            Tensor context = backend.fromFloats(gaussian(r, batch * tokens * config.contextDim()), batch, tokens, config.contextDim());
            float[] t = {500f};
            for (int i = 0; i < warmup; i++) report("warmup", unet, sample, t, context, gflop);
            double total = 0;
            for (int i = 0; i < iters; i++) total += report("call " + (i + 1), unet, sample, t, context, gflop);
            if (iters > 0)
                System.out.printf(Locale.ROOT, "mean %.3f s/call, %.1f GFLOP/s%n", total / iters, gflop * iters / total);
        }
    }

    private static double report(String what, UNet unet, Tensor sample, float[] t, Tensor context, double gflop) {
        long s = System.nanoTime();
        Tensor out = unet.forward(sample, t, context);
        double sec = (System.nanoTime() - s) / 1e9;
        float[] v = out.toFloatArray();
        double sum = 0;
        for (float x : v) sum += Math.abs(x);
        System.out.printf(Locale.ROOT, "%s: %.3f s, %.1f GFLOP/s (mean |out| %.4f)%n", what, sec, gflop / sec, sum / v.length);
        return sec;
    }

    private static float[] gaussian(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble(), v = r.nextDouble();
            a[i] = (float) (Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v));
        }
        return a;
    }
}
