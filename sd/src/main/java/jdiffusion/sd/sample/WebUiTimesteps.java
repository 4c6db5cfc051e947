package jdiffusion.sd.sample;

/** Timestep lists and model adaptation shared by the WebUI's DDIM, PLMS and UniPC samplers. */
public final class WebUiTimesteps {
    private WebUiTimesteps() {}

    /**
     * {@code CompVisSampler.get_timesteps}: {@code clip(range(0, 1000, 1000 // steps) + 1, 0, 999)},
     * ascending. Note the list can be longer than {@code steps} when 1000 is not a multiple of it.
     */
    public static int[] timesteps(int steps, int trainSteps) {
        KDiffusionDenoiser.requireSteps(steps);
        if (steps > trainSteps) throw new SamplingException("at most " + trainSteps + " steps, got " + steps);
        int stride = trainSteps / steps;
        int n = (trainSteps + stride - 1) / stride;
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = Math.min(Math.max(i * stride + 1, 0), trainSteps - 1);
        return t;
    }

    /**
     * The WebUI's eps model over a raw network: eps as is, or for v-prediction models
     * {@code eps = sqrt(a_t)*v + sqrt(1 - a_t)*x} (ldm's float64-derived sqrt buffers, stored float32).
     */
    public static ModelFunction epsModel(ModelFunction raw, NoiseSchedule schedule, Prediction prediction) {
        if (prediction == Prediction.EPSILON) return raw;
        return new ModelFunction() {
            @Override
            public float[] predict(float[] x, float t) {
                float[] v = raw.predict(x, t);
                int ti = (int) t;
                double a = schedule.alphaCumprod(ti);
                float sa = (float) Math.sqrt(a), sb = (float) Math.sqrt(1.0 - a);
                float[] e = new float[x.length];
                for (int i = 0; i < e.length; i++) e[i] = sa * v[i] + sb * x[i];
                return e;
            }
        };
    }

    /**
     * img2img start ({@code sample_img2img}): the first {@code tEnc} timesteps are run and the input is
     * noised to {@code timesteps[tEnc]}: {@code x*sqrt(a) + noise*sqrt(1 - a)}.
     */
    public static float[] noiseToTimestep(NoiseSchedule schedule, float[] x, float[] noise, int timestep) {
        float a = schedule.alphaCumprod(timestep);
        float sa = (float) Math.sqrt(a), sb = (float) Math.sqrt(1f - a);
        float[] r = new float[x.length];
        for (int i = 0; i < r.length; i++) r[i] = x[i] * sa + noise[i] * sb;
        return r;
    }

    /** Ascending timesteps {@code [a(t_i)]} and the previous ones {@code a(t_{i-1})} (a(0) for the first). */
    static float[] alphas(NoiseSchedule s, int[] t) {
        float[] a = new float[t.length];
        for (int i = 0; i < t.length; i++) a[i] = s.alphaCumprod(t[i]);
        return a;
    }

    static float[] alphasPrev(NoiseSchedule s, int[] t) {
        float[] a = new float[t.length];
        for (int i = 0; i < t.length; i++) a[i] = s.alphaCumprod(i == 0 ? 0 : t[i - 1]);
        return a;
    }
}
