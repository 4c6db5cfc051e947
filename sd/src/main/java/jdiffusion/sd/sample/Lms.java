package jdiffusion.sd.sample;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * k-diffusion {@code sample_lms}: linear multistep over the last {@code order} derivatives, with
 * coefficients from {@link LmsCoefficients}.
 */
public record Lms(int order) implements KSampler {
    public Lms() { this(4); }

    public Lms {
        if (order < 1 || order > 8) throw new SamplingException("LMS order must be between 1 and 8, got " + order);
    }

    @Override
    public float[] sample(Denoiser model, float[] x, float[] sigmas, NoiseSampler noise, StepListener listener) {
        double[] t = new double[sigmas.length];
        for (int i = 0; i < t.length; i++) t[i] = sigmas[i];
        Deque<float[]> ds = new ArrayDeque<>();
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = model.denoise(x, sigmas[i]);
            ds.addLast(LatentOps.toD(x, denoised, sigmas[i]));
            if (ds.size() > order) ds.removeFirst();
            listener.onStep(i, x, sigmas[i], sigmas[i], denoised);
            int curOrder = Math.min(i + 1, order);
            List<float[]> newestFirst = new ArrayList<>(ds.reversed());
            float[] sum = null;
            for (int j = 0; j < curOrder; j++) {
                float c = (float) LmsCoefficients.coefficient(curOrder, t, i, j);
                float[] d = newestFirst.get(j);
                if (sum == null) {
                    sum = new float[x.length];
                    for (int k = 0; k < x.length; k++) sum[k] = c * d[k];
                } else {
                    for (int k = 0; k < x.length; k++) sum[k] = sum[k] + c * d[k];
                }
            }
            float[] next = new float[x.length];
            for (int k = 0; k < x.length; k++) next[k] = x[k] + sum[k];
            x = next;
        }
        return x;
    }
}
