package jdiffusion.sd.sample;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The WebUI's DDIM/PLMS/UniPC (no golden data exists for them: these check the WebUI's timestep list
 * and that each sampler follows the exact trajectory of a model whose prediction is exact).
 */
class WebUiTimestepSamplersTest {
    static final NoiseSchedule SD = NoiseSchedule.stableDiffusion();
    static final float[] X0 = {0.5f, -0.25f, 1f, 0f};
    static final float[] N = {0.3f, -1.2f, 0.7f, 2f};

    @Test
    void timestepListIsTheWebUisRangePlusOne() {
        assertArrayEquals(new int[]{1, 51, 101, 151, 201, 251, 301, 351, 401, 451, 501, 551, 601, 651, 701, 751, 801, 851, 901, 951},
                WebUiTimesteps.timesteps(20, 1000));
        assertEquals(31, WebUiTimesteps.timesteps(30, 1000).length, "1000 // 30 = 33 gives 31 entries, as in the WebUI");
        assertThrows(SamplingException.class, () -> WebUiTimesteps.timesteps(0, 1000));
    }

    @Test
    void registryKnowsTheTimestepSamplers() {
        assertInstanceOf(TimestepSamplerSpec.class, Samplers.byName("ddim"));
        assertInstanceOf(WebUiUniPc.class, ((TimestepSamplerSpec) Samplers.byName("UniPC")).create(SD));
        assertInstanceOf(WebUiPlms.class, ((TimestepSamplerSpec) Samplers.byName("PLMS")).create(SD));
    }

    /** With eps equal to the true noise, x_t = sqrt(a_t) x0 + sqrt(1-a_t) n at every timestep. */
    private static ModelFunction exactEps() { return (x, t) -> N.clone(); }

    @Test
    void ddimAndPlmsFollowTheExactTrajectoryDownToTimestepOne() {
        int[] ts = WebUiTimesteps.timesteps(10, 1000);
        for (TimestepSampler s : new TimestepSampler[]{new WebUiDdim(SD), new WebUiPlms(SD)}) {
            float[] x = onTrajectory(SD.alphaCumprod(ts[ts.length - 1]));
            int[] draws = {0};
            float[] out = s.sample(exactEps(), x, ts, (a, b) -> { draws[0]++; return new float[4]; }, StepListener.NONE);
            float[] expected = onTrajectory(SD.alphaCumprod(ts[0]));
            for (int i = 0; i < 4; i++) assertEquals(expected[i], out[i], 1e-4, s.getClass().getSimpleName() + " " + i);
            if (s instanceof WebUiDdim) assertEquals(ts.length - 1, draws[0], "DDIM draws one noise tensor per step");
        }
    }

    @Test
    void uniPcFollowsTheExactTrajectoryForEveryVariantAndOrder() {
        VpNoiseSchedule vp = new VpNoiseSchedule(SD);
        ModelFunction eps = (x, tInput) -> {
            float t = tInput / 1000f + 1f / 1000f;
            float a = vp.alpha(t), s = vp.std(t);
            float[] e = new float[x.length];
            for (int i = 0; i < e.length; i++) e[i] = (x[i] - a * X0[i]) / s;
            return e;
        };
        for (String variant : new String[]{"bh1", "bh2"}) {
            for (int order = 1; order <= 3; order++) {
                float a1 = vp.alpha(1f), s1 = vp.std(1f);
                float[] x = new float[4];
                for (int i = 0; i < 4; i++) x[i] = a1 * X0[i] + s1 * N[i];
                int[] calls = {0};
                ModelFunction counted = (xx, t) -> { calls[0]++; return eps.predict(xx, t); };
                float[] out = new WebUiUniPc(SD, variant, order, "time_uniform", true)
                        .sample(counted, x, WebUiTimesteps.timesteps(8, 1000), null, StepListener.NONE);
                float t0 = 1f / 1000f;
                for (int i = 0; i < 4; i++)
                    assertEquals(vp.alpha(t0) * X0[i] + vp.std(t0) * N[i], out[i], 2e-3, variant + " order " + order + " " + i);
                assertEquals(8, calls[0], "one model call per step");
            }
        }
    }

    @Test
    void vPredictionIsConvertedToEps() {
        // v = sqrt(a) eps - sqrt(1-a) x0 and x = sqrt(a) x0 + sqrt(1-a) eps  =>  eps = sqrt(a) v + sqrt(1-a) x
        int t = 501;
        double a = SD.alphaCumprod(t);
        float[] x = new float[4], v = new float[4];
        for (int i = 0; i < 4; i++) {
            x[i] = (float) (Math.sqrt(a) * X0[i] + Math.sqrt(1 - a) * N[i]);
            v[i] = (float) (Math.sqrt(a) * N[i] - Math.sqrt(1 - a) * X0[i]);
        }
        float[] e = WebUiTimesteps.epsModel((xx, tt) -> v, SD, Prediction.V_PREDICTION).predict(x, t);
        for (int i = 0; i < 4; i++) assertEquals(N[i], e[i], 1e-5);
    }

    @Test
    void ddimCfgPpFollowsTheUnconditionalDirectionAndNeedsIt() {
        int[] ts = WebUiTimesteps.timesteps(10, 1000);
        TimestepSamplerSpec spec = (TimestepSamplerSpec) Samplers.byName("DDIM CFG++");
        assertEquals(1f / 12.5f, spec.guidanceScaleFactor());
        GuidedModelFunction exact = new GuidedModelFunction() {
            @Override public float[] predict(float[] x, float t) { return N.clone(); }
            @Override public float[] lastUnconditional() { return N.clone(); }
        };
        float[] out = spec.create(SD).sample(exact, onTrajectory(SD.alphaCumprod(ts[ts.length - 1])), ts, (a, b) -> new float[4], StepListener.NONE);
        float[] expected = onTrajectory(SD.alphaCumprod(ts[0]));
        for (int i = 0; i < 4; i++) assertEquals(expected[i], out[i], 1e-4);
        assertThrows(SamplingException.class, () -> spec.create(SD).sample(exactEps(), new float[4], ts, (a, b) -> new float[4], StepListener.NONE));
    }

    private static float[] onTrajectory(float a) {
        float[] x = new float[4];
        for (int i = 0; i < 4; i++) x[i] = (float) Math.sqrt(a) * X0[i] + (float) Math.sqrt(1 - a) * N[i];
        return x;
    }
}
