package jdiffusion.tools.inspect;

import jdiffusion.tensor.Tensor;

/**
 * Summary statistics of one tensor's values, gathered in one streaming pass (doubles throughout, so sums over
 * hundreds of millions of weights stay exact enough). Mean, std and norm are over the finite values; std is the
 * population standard deviation (torch's {@code std(unbiased=False)}).
 */
record WeightStats(long count, double min, double max, double mean, double std, double norm, long zeros, long nan, long inf) {

    static WeightStats of(Tensor t) {
        double[] acc = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0, 0}; // min, max, sum, sum of squares
        long[] counts = new long[4]; // finite, zeros, nan, inf
        TensorValues.forEachChunk(t, (v, n, first) -> {
            double min = acc[0], max = acc[1], sum = acc[2], sq = acc[3];
            long finite = 0, zeros = 0, nan = 0, inf = 0;
            for (int i = 0; i < n; i++) {
                float x = v[i];
                if (Float.isNaN(x)) { nan++; continue; }
                if (Float.isInfinite(x)) { inf++; continue; }
                finite++;
                if (x == 0) zeros++;
                if (x < min) min = x;
                if (x > max) max = x;
                sum += x;
                sq += (double) x * x;
            }
            acc[0] = min; acc[1] = max; acc[2] = sum; acc[3] = sq;
            counts[0] += finite; counts[1] += zeros; counts[2] += nan; counts[3] += inf;
        });
        long finite = counts[0];
        double mean = finite == 0 ? Double.NaN : acc[2] / finite;
        double variance = finite == 0 ? Double.NaN : Math.max(0, acc[3] / finite - mean * mean);
        return new WeightStats(t.numel(), finite == 0 ? Double.NaN : acc[0], finite == 0 ? Double.NaN : acc[1], mean, Math.sqrt(variance),
                Math.sqrt(acc[3]), counts[1], counts[2], counts[3]);
    }
}
