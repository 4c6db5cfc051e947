package jdiffusion.bench;

import jdiffusion.kernels.opencl.OpenClBackend;
import jdiffusion.tensor.Tensor;

import java.util.Random;

/**
 * What the OpenCL benchmarks share: the backend ({@code -Djsd.device=opencl:N} picks one, default the first GPU
 * or else the first device), random operands, and a GFLOP/s line per measured iteration, since JMH's own
 * score is time per call and kernel speed is judged in FLOP/s.
 */
final class OpenClBenchDevice {
    private OpenClBenchDevice() {}

    static OpenClBackend open() {
        String spec = System.getProperty("jsd.device", "opencl");
        return (OpenClBackend) jdiffusion.kernels.opencl.DeviceSelector.open(spec);
    }

    static Tensor random(OpenClBackend b, long seed, int... shape) {
        Random r = new Random(seed);
        float[] a = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        return b.fromFloats(a, shape);
    }

    /** Accumulates wall time of complete (finished) calls and prints their rate. */
    static final class Rate {
        private final String what;
        private final double flopsPerCall;
        private long nanos, calls;

        Rate(String what, double flopsPerCall) {
            this.what = what;
            this.flopsPerCall = flopsPerCall;
        }

        void add(long elapsedNanos) {
            nanos += elapsedNanos;
            calls++;
        }

        void report(String device) {
            if (calls == 0) return;
            System.out.printf("%n%s on %s: %.1f GFLOP/s (%.2f ms per call, %d calls)%n", what, device,
                    flopsPerCall * calls / nanos, nanos / 1e6 / calls, calls);
            nanos = 0;
            calls = 0;
        }
    }
}
