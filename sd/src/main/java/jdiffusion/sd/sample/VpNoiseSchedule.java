package jdiffusion.sd.sample;

/**
 * UniPC/DPM-Solver's {@code NoiseScheduleVP('discrete')} over a model's alphas_cumprod (as the WebUI's
 * UniPC uses it): continuous time {@code t_i = (i+1)/N}, log alpha_t = 0.5*log(alphas_cumprod)
 * interpolated piecewise linearly (extrapolated beyond the ends), float32 throughout.
 */
final class VpNoiseSchedule {
    private final float[] tArray;
    private final float[] logAlpha;
    final int totalN;

    VpNoiseSchedule(NoiseSchedule s) {
        totalN = s.trainingSteps();
        float[] t = TorchMath.linspace(0f, 1f, totalN + 1);
        tArray = java.util.Arrays.copyOfRange(t, 1, t.length);
        logAlpha = new float[totalN];
        for (int i = 0; i < totalN; i++) logAlpha[i] = 0.5f * (float) Math.log(s.alphaCumprod(i));
    }

    /** The reference's {@code interpolate_fn}: the segment of the keypoints around x, a keypoint equal to x counting as above it. */
    float logMeanCoeff(float x) {
        int k = tArray.length;
        int m = 0;
        while (m < k && tArray[m] < x) m++;
        int lo;
        if (m == 0) lo = 0;
        else if (m == k) lo = k - 2;
        else lo = m - 1;
        float sx = tArray[lo], ex = tArray[lo + 1], sy = logAlpha[lo], ey = logAlpha[lo + 1];
        return sy + (x - sx) * (ey - sy) / (ex - sx);
    }

    float alpha(float t) { return (float) Math.exp(logMeanCoeff(t)); }

    float std(float t) { return (float) Math.sqrt(1f - (float) Math.exp(2f * logMeanCoeff(t))); }

    float lambda(float t) {
        float l = logMeanCoeff(t);
        float logStd = 0.5f * (float) Math.log(1f - (float) Math.exp(2f * l));
        return l - logStd;
    }
}
