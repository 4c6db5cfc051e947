package jdiffusion.bench;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Attention throughput in GFLOP/s and % of the machine's FMA peak, for the shapes of {@link AttentionBench}.
 * JMH reports time per call; this prints the derived figures:
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar jdiffusion.bench.AttentionThroughput [reps]
 * </pre>
 * Flops are 4·B·H·Lq·Lk·d (QKᵀ and P·V, 2 flops per multiply-add). The peak defaults to 245 GFLOP/s (2 cores x
 * 2 FMA units x 8 floats x 2 flops at ~3.8 GHz); pass {@code -Dpeak=<GFLOP/s>} for another machine. Besides the
 * best wall time on all cores it runs one thread and divides by that thread's CPU time, a figure that stays
 * meaningful when other processes share the cores.
 */
public final class AttentionThroughput {
    private AttentionThroughput() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        double peak = Double.parseDouble(System.getProperty("peak", "245"));
        int threads = Runtime.getRuntime().availableProcessors();
        for (int headDim : new int[] {40, 64}) {
            int channels = 8 * headDim;
            Tensor q = AttentionBench.random(1, 1, 4096, channels), k = AttentionBench.random(2, 1, 4096, channels);
            Tensor v = AttentionBench.random(3, 1, 4096, channels), context = AttentionBench.random(4, 1, 77, channels);
            report("self  8x4096x4096x" + headDim, 4.0 * 8 * 4096 * 4096 * headDim, reps, peak, threads, () -> new Tensor[] {q, k, v});
            report("cross 8x4096x77x" + headDim, 4.0 * 8 * 4096 * 77 * headDim, reps * 10, peak, threads, () -> new Tensor[] {q, context, context});
        }
    }

    private static void report(String name, double flops, int reps, double peak, int threads, java.util.function.Supplier<Tensor[]> inputs) {
        Tensor[] in = inputs.get();
        double wall;
        try (CpuBackend cpu = new CpuBackend(threads)) {
            wall = best(reps, () -> cpu.attention(in[0], in[1], in[2], 8, false), false);
        }
        double cpuTime;
        try (CpuBackend one = new CpuBackend(1)) {
            cpuTime = best(reps, () -> one.attention(in[0], in[1], in[2], 8, false), true);
        }
        double g = flops / wall / 1e9, g1 = flops / cpuTime / 1e9;
        System.out.printf("%-22s %d threads: %8.2f ms  %6.1f GFLOP/s  %5.1f%% of %.0f | 1 thread by CPU time: %6.1f GFLOP/s = %5.1f%% of one core's %.0f%n",
                name, threads, wall * 1e3, g, 100 * g / peak, peak, g1, 100 * g1 * threads / peak, peak / threads);
    }

    private static double best(int reps, Runnable r, boolean threadCpuTime) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < reps + 2; i++) {
            long t0 = threadCpuTime ? mx.getCurrentThreadCpuTime() : System.nanoTime();
            r.run();
            long t1 = threadCpuTime ? mx.getCurrentThreadCpuTime() : System.nanoTime();
            if (i >= 2) best = Math.min(best, (t1 - t0) / 1e9);
        }
        return best;
    }
}
