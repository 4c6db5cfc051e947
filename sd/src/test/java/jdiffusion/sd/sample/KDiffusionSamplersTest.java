package jdiffusion.sd.sample;

import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The k-diffusion samplers against {@code golden/schedulers/kdiffusion_<sampler>_20steps}: the toy eps
 * model {@code 0.1*input + 0.05*cos(t/100)} over CompVisDenoiser with the recorded ancestral noise.
 */
class KDiffusionSamplersTest {
    static final double SIGMA_RTOL = 0;
    // samplers reproduce k-diffusion bit for bit; the margin (about 2 ulps) covers the toy model, whose
    // cos(t/100) is Java's rather than torch's SLEEF cosine
    static final double STATE_ATOL = 1e-7, STATE_RTOL = 2.4e-7;

    static final ModelFunction TOY_EPS = (input, t) -> {
        float c = 0.05f * (float) Math.cos(t / 100f);
        float[] eps = new float[input.length];
        for (int i = 0; i < input.length; i++) eps[i] = 0.1f * input[i] + c;
        return eps;
    };

    @Test void eulerMatchesKDiffusion() { run("euler", new Euler(), false); }
    @Test void eulerAncestralMatchesKDiffusionWithRecordedNoise() { run("euler_ancestral", new EulerAncestral(), false); }
    @Test void heunMatchesKDiffusionIncludingItsSecondModelCalls() { run("heun", new Heun(), false); }
    @Test void lmsMatchesKDiffusionIntegratedCoefficients() { run("lms", new Lms(), false); }
    @Test void dpmpp2mMatchesKDiffusion() { run("dpmpp_2m", new DpmPp2m(), false); }
    @Test void dpmpp2mOnKarrasSigmasMatchesKDiffusion() { run("dpmpp_2m_karras", new DpmPp2m(), true); }

    @Test
    void ldmScheduleReproducesTheModelsAlphasCumprod() {
        try (Golden.Case c = Golden.open("schedulers/kdiffusion_euler_20steps")) {
            assertClose(c.floats("alphas_cumprod"), NoiseSchedule.stableDiffusion().alphasCumprod(), 0, 0, "alphas_cumprod");
        }
    }

    private static void run(String name, KSampler sampler, boolean karras) {
        try (Golden.Case c = Golden.open("schedulers/kdiffusion_" + name + "_20steps")) {
            KDiffusionDenoiser den = new KDiffusionDenoiser(
                    NoiseSchedule.fromAlphasCumprod(c.floats("alphas_cumprod")), Prediction.EPSILON);
            assertClose(c.floats("model_sigmas"), den.sigmas(), 0, SIGMA_RTOL, "model_sigmas");
            float[] sigmas = karras
                    ? SigmaSchedules.karras(20, den.sigmaMin(), den.sigmaMax(), 7.0)
                    : ScheduleType.UNIFORM.sigmas(den, 20, 0);
            assertClose(c.floats("sigmas"), sigmas, 0, SIGMA_RTOL, "sigmas");
            sigmas = c.floats("sigmas"); // follow the reference's own sigmas from here on

            float[] noise0 = c.floats("initial_noise");
            float[] x = new float[noise0.length];
            for (int i = 0; i < x.length; i++) x[i] = noise0[i] * sigmas[0];

            List<float[]> inputs = new ArrayList<>();
            List<Float> ts = new ArrayList<>();
            ModelFunction recording = (input, t) -> {
                inputs.add(input.clone());
                ts.add(t);
                return TOY_EPS.predict(input, t);
            };
            int[] draws = {0};
            NoiseSampler recorded = (s, sn) -> c.floats(String.format("noise%02d", draws[0]++));
            List<float[]> xs = new ArrayList<>(), dens = new ArrayList<>();
            float[] out = sampler.sample(den.over(recording), x, sigmas, recorded,
                    (i, xi, s, sh, d) -> { xs.add(xi.clone()); dens.add(d.clone()); });

            assertEquals(20, xs.size(), "one callback per step");
            for (int i = 0; i < 20; i++) {
                String p = String.format("step%02d.", i);
                assertClose(c.floats(p + "x_before"), xs.get(i), STATE_ATOL, STATE_RTOL, p + "x_before");
                assertClose(c.floats(p + "denoised"), dens.get(i), STATE_ATOL, STATE_RTOL, p + "denoised");
            }
            int calls = 0;
            while (c.has(String.format("call%02d.t", calls))) calls++;
            assertEquals(calls, inputs.size(), "model calls");
            assertEquals(calls, sampler.modelCalls(sigmas), "modelCalls() estimate");
            for (int j = 0; j < calls; j++) {
                String p = String.format("call%02d.", j);
                assertClose(c.floats(p + "t"), new float[]{ts.get(j)}, 0, 0, p + "t");
                assertClose(c.floats(p + "model_input"), inputs.get(j), STATE_ATOL, STATE_RTOL, p + "model_input");
            }
            int noises = 0;
            while (c.has(String.format("noise%02d", noises))) noises++;
            assertEquals(noises, draws[0], "ancestral noise draws");
            assertClose(c.floats("x_final"), out, STATE_ATOL, STATE_RTOL, "x_final");
        }
    }

    static void assertClose(float[] expected, float[] actual, double atol, double rtol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            double excess = d - (atol + rtol * Math.abs(expected[i]));
            if (!(excess <= 0) && (at < 0 || d > worst)) { worst = d; at = i; }
        }
        if (at >= 0)
            fail(what + ": max excess at " + at + ": expected " + expected[at] + " got " + actual[at]
                    + " (|diff| " + worst + ", atol " + atol + ", rtol " + rtol + ")");
    }
}
