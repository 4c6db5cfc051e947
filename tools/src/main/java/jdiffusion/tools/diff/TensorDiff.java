package jdiffusion.tools.diff;

import jdiffusion.tensor.Tensor;
import jdiffusion.tools.inspect.TensorValues;

/**
 * How two same-shaped tensors differ, element by element in F32 (so an F16 file compares with its F32 original).
 * NaN against NaN counts as equal, NaN against a number as an infinite difference, as do infinities of unlike value.
 *
 * @param maxAbs    the largest |a − b|
 * @param maxRel    the largest |a − b| / max(|a|, |b|) (0 where both are 0; at most 2)
 * @param cosine    a·b / (|a| |b|) in double; 1 when both are all zeros, 0 when only one is
 * @param firstDiff the flat index of the first element with |a − b| over the tolerance, or -1
 * @param overAtol  how many elements differ by more than the tolerance
 */
public record TensorDiff(double maxAbs, double maxRel, double cosine, long firstDiff, long overAtol) {

    public boolean over() { return overAtol > 0; }

    /** Compares {@code a} and {@code b} (same element count) with the absolute tolerance {@code atol}. */
    public static TensorDiff of(Tensor a, Tensor b, double atol) {
        double[] acc = new double[5]; // maxAbs, maxRel, dot, |a|², |b|²
        long[] first = {-1}, over = {0};
        TensorValues.forEachChunkPair(a, b, (x, y, n, offset) -> {
            double maxAbs = acc[0], maxRel = acc[1], dot = acc[2], na = acc[3], nb = acc[4];
            for (int i = 0; i < n; i++) {
                float p = x[i], q = y[i];
                double d = difference(p, q);
                if (d > maxAbs) maxAbs = d;
                double scale = Math.max(Math.abs((double) p), Math.abs((double) q));
                double rel = d == 0 ? 0 : Double.isInfinite(d) ? Double.POSITIVE_INFINITY : d / scale;
                if (rel > maxRel) maxRel = rel;
                if (Float.isFinite(p) && Float.isFinite(q)) {
                    dot += (double) p * q;
                    na += (double) p * p;
                    nb += (double) q * q;
                }
                if (d > atol) {
                    if (first[0] < 0) first[0] = offset + i;
                    over[0]++;
                }
            }
            acc[0] = maxAbs; acc[1] = maxRel; acc[2] = dot; acc[3] = na; acc[4] = nb;
        });
        double cosine = acc[3] == 0 && acc[4] == 0 ? 1 : acc[3] == 0 || acc[4] == 0 ? 0 : acc[2] / Math.sqrt(acc[3] * acc[4]);
        return new TensorDiff(acc[0], acc[1], cosine, first[0], over[0]);
    }

    private static double difference(float p, float q) {
        if (p == q || (Float.isNaN(p) && Float.isNaN(q))) return 0;
        if (Float.isNaN(p) || Float.isNaN(q) || Float.isInfinite(p) || Float.isInfinite(q)) return Double.POSITIVE_INFINITY;
        return Math.abs((double) p - q);
    }
}
