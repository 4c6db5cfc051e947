package jdiffusion.bench;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.kernels.opencl.DeviceSelector;
import jdiffusion.kernels.opencl.OpenClBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.unet.UNet;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times one SD UNet call (the unit of sampling cost) on random weights made in memory, without JMH, on any
 * {@code --device}, to the finished download of the noise prediction so queued device work is counted:
 * <pre>
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
 *        jdiffusion.bench.UNetStepBench [--device cpu|opencl:0] [--threads N] [--batch 2] [--size 64] [--iters 3] \
 *        [--warmup 1] [--dtype f16|f32] [--seed 1] [--sd2]
 * </pre>
 * Prints seconds and GFLOP/s per call (1606 GFLOP at batch 2, 64x64 latent), it/s, and for OpenCL the device
 * memory the backend holds.
 */
public final class UNetStepBench {
    public static void main(String[] args) {
        int batch = 2, size = 64, iters = 3, warmup = 1, threads = Runtime.getRuntime().availableProcessors();
        long seed = 1;
        String device = "cpu";
        DType dtype = DType.F16;
        boolean sd2 = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> device = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--iters" -> iters = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
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
        try (UNetRandomWeights weights = new UNetRandomWeights(config, dtype, seed); Backend backend = device.equals("cpu") ? new CpuBackend(threads) : DeviceSelector.open(device)) {
            System.out.printf(Locale.ROOT, "UNet %s in %s on %s, batch %d, latent %dx%d: %.1f GFLOP per call%n",
                    sd2 ? "SD2" : "SD1.5", dtype, backend.name(), batch, size, size, gflop);
            long t0 = System.nanoTime();
            UNet unet = new UNet(backend, new Weights(weights), config);
            SplittableRandom r = new SplittableRandom(seed);
            Tensor sample = backend.fromFloats(gaussian(r, batch * 4 * size * size), batch, 4, size, size);
            Tensor context = backend.fromFloats(gaussian(r, batch * tokens * config.contextDim()), batch, tokens, config.contextDim());
            System.out.printf(Locale.ROOT, "model built and weights uploaded in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            float[] t = {500f};
            for (int i = 0; i < warmup; i++) call("warmup " + (i + 1), backend, unet, sample, t, context, gflop);
            double total = 0;
            for (int i = 0; i < iters; i++) total += call("call " + (i + 1), backend, unet, sample, t, context, gflop);
            if (iters > 0)
                System.out.printf(Locale.ROOT, "mean %.3f s/call (%.2f it/s), %.1f GFLOP/s%n", total / iters, iters / total, gflop * iters / total);
            if (backend instanceof OpenClBackend cl)
                System.out.printf(Locale.ROOT, "device memory held: %.0f MiB of %d MiB%n", cl.deviceMemoryBytes() / 1048576.0,
                        cl.device().globalMemoryBytes() >> 20);
        }
    }

    private static double call(String what, Backend backend, UNet unet, Tensor sample, float[] t, Tensor context, double gflop) {
        long s = System.nanoTime();
        Tensor out = unet.forward(sample, t, context);
        float[] v = out.toFloatArray();
        double sec = (System.nanoTime() - s) / 1e9;
        backend.release(out);
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
