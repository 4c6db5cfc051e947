package jdiffusion.sd.sample;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SamplerRegistryTest {

    @Test
    void findsSamplersByWebUiLabelAliasOrKDiffusionIdIgnoringCase() {
        assertEquals("Euler a", Samplers.kdiffusion("euler A").label());
        assertEquals("Euler a", Samplers.kdiffusion("euler_ancestral").label());
        assertEquals("Euler a", Samplers.kdiffusion("k_euler_a").label());
        assertEquals("DPM++ 2M", Samplers.kdiffusion("dpmpp_2m").label());
        assertEquals("DPM++ 2M", Samplers.kdiffusion("sample_dpmpp_2m").label());
        assertEquals("DPM++ 2M SDE", Samplers.kdiffusion("DPM++ 2M SDE").label());
        assertInstanceOf(EulerAncestral.class, Samplers.kdiffusion("Euler a").create());
        assertInstanceOf(Lms.class, Samplers.kdiffusion("LMS").create());
    }

    @Test
    void legacyNamesWithAScheduleSuffixResolveToSamplerAndSchedule() {
        Samplers.Choice c = Samplers.resolve("DPM++ 2M Karras");
        assertEquals("DPM++ 2M", c.sampler().label());
        assertEquals(ScheduleType.KARRAS, c.schedule());
        assertEquals(ScheduleType.KARRAS, Samplers.resolve("k_dpmpp_2m_ka").schedule());
        assertEquals(ScheduleType.EXPONENTIAL, Samplers.resolve("Euler Exponential").schedule());
        assertEquals(ScheduleType.AUTOMATIC, Samplers.resolve("Euler").schedule());
    }

    @Test
    void unknownSamplerNameListsTheValidOnes() {
        SamplingException e = assertThrows(SamplingException.class, () -> Samplers.byName("Eulr"));
        assertTrue(e.getMessage().contains("'Eulr'"), e.getMessage());
        assertTrue(e.getMessage().contains("Euler a") && e.getMessage().contains("DPM++ 2M") && e.getMessage().contains("UniPC"), e.getMessage());
        assertThrows(SamplingException.class, () -> Samplers.kdiffusion("DDIM"));
        assertThrows(SamplingException.class, () -> ScheduleType.parse("sometimes"));
    }

    @Test
    void webUiDefaultSchedulesAndOptionsFollowA1111() {
        assertEquals(ScheduleType.UNIFORM, Samplers.kdiffusion("Euler a").defaultSchedule());
        assertEquals(ScheduleType.KARRAS, Samplers.kdiffusion("DPM++ 2M").defaultSchedule());
        assertEquals(ScheduleType.EXPONENTIAL, Samplers.kdiffusion("DPM++ 2M SDE").defaultSchedule());
        assertTrue(Samplers.kdiffusion("DPM2").discardPenultimate());
        assertTrue(Samplers.kdiffusion("DPM++ SDE").brownianNoise());
        assertTrue(Samplers.kdiffusion("Euler a").usesEnsd());
        assertTrue(Samplers.kdiffusion("Heun").secondOrder());
    }

    @Test
    void discardingThePenultimateSigmaKeepsTheStepCount() {
        KDiffusionDenoiser den = new KDiffusionDenoiser(NoiseSchedule.stableDiffusion(), Prediction.EPSILON);
        float[] s = Samplers.kdiffusion("DPM2").sigmas(den, 10, ScheduleType.AUTOMATIC);
        assertEquals(11, s.length);
        assertEquals(0f, s[10]);
        float[] full = SigmaSchedules.karras(11, den.sigmaMin(), den.sigmaMax(), 7);
        assertEquals(full[9], s[9]);
        assertEquals(full[0], s[0]);
    }

    @Test
    void schedulesDescendFromSigmaMaxAndEndInZeroExceptKlOptimal() {
        KDiffusionDenoiser den = new KDiffusionDenoiser(NoiseSchedule.stableDiffusion(), Prediction.EPSILON);
        for (ScheduleType t : ScheduleType.values()) {
            float[] s = t.sigmas(den, 12, 0);
            int expectedLength = t == ScheduleType.DDIM ? 13 + 1 : 13; // DDIM: x = 1, 84, ..., 997 (stride 1000 // 12)
            assertEquals(expectedLength, s.length, t.label());
            float last = s[s.length - 1];
            if (t == ScheduleType.KL_OPTIMAL) assertEquals(den.sigmaMin(), last, 1e-6, "KL Optimal ends at sigma_min");
            else assertEquals(0f, last, t.label());
            for (int i = 1; i < s.length; i++) assertTrue(s[i] < s[i - 1], t.label() + " descends at " + i);
            if (t != ScheduleType.DDIM) assertEquals(den.sigmaMax(), s[0], 1e-4 * den.sigmaMax(), t.label() + " starts at sigma_max");
        }
        assertEquals(ScheduleType.SGM_UNIFORM, ScheduleType.parse("SGMUniform"));
        assertEquals(ScheduleType.ALIGN_YOUR_STEPS, ScheduleType.parse("Align Your Steps"));
        float[] ays = SigmaSchedules.alignYourSteps(10, false);
        assertEquals(0.029f, ays[9], 1e-6);
        assertEquals(14.615f, ays[0], 1e-6);
        // scipy.stats.beta.ppf(0.5, 0.6, 0.6) = 0.5 by symmetry; ppf(0.25, 2, 2) solves 3x^2 - 2x^3 = 0.25
        assertEquals(0.5, BetaDistribution.ppf(0.5, 0.6, 0.6), 1e-12);
        double q = BetaDistribution.ppf(0.25, 2, 2);
        assertEquals(0.25, 3 * q * q - 2 * q * q * q, 1e-12);
        assertEquals(0.32635182233306964, q, 1e-12);
    }

    @Test
    void everySamplerDenoisesAConstantImageToItself() {
        // an ideal denoiser for a single clean image x0: every sampler must end there
        KDiffusionDenoiser den = new KDiffusionDenoiser(NoiseSchedule.stableDiffusion(), Prediction.EPSILON);
        float[] x0 = {0.5f, -0.25f, 1f, 0f};
        Denoiser ideal = (x, sigma) -> x0.clone();
        for (SamplerSpec spec : Samplers.all()) {
            float[] sigmas = spec.sigmas(den, 8, ScheduleType.AUTOMATIC);
            float[] x = new float[4];
            float[] start = new PhiloxRandom(1).randn(4);
            for (int i = 0; i < 4; i++) x[i] = x0[i] + start[i] * sigmas[0];
            NoiseSampler noise = new ImageNoise(RngSource.GPU, 1, 2, 2, 1);
            float[] out = spec.create().sample(ideal, x, sigmas, noise, StepListener.NONE);
            // DPM fast/adaptive stop at the model's sigma_min (about 0.03) instead of 0, as in k-diffusion
            double tol = spec.usesModelSigmaRange() ? 5 * den.sigmaMin() : 2e-3;
            for (int i = 0; i < 4; i++) assertEquals(x0[i], out[i], tol, spec.label() + " element " + i);
        }
    }

    @Test
    void restartJumpsBackOnceFromTwentyStepsAndStillEndsOnTheImage() {
        KDiffusionDenoiser den = new KDiffusionDenoiser(NoiseSchedule.stableDiffusion(), Prediction.EPSILON);
        float[] x0 = {0.5f, -0.25f, 1f, 0f};
        float[] sigmas = Samplers.kdiffusion("Restart").sigmas(den, 24, ScheduleType.AUTOMATIC);
        float[] x = new float[4];
        for (int i = 0; i < 4; i++) x[i] = x0[i] + sigmas[0];
        int[] draws = {0}, calls = {0};
        float[] out = Samplers.kdiffusion("restart").create().sample((xx, s) -> { calls[0]++; return x0.clone(); }, x, sigmas,
                (a, b) -> { draws[0]++; assertTrue(b > a, "re-noising goes up"); return new float[4]; }, StepListener.NONE);
        assertEquals(1, draws[0], "one restart segment");
        assertEquals(2 * (15 + 9) - 1, calls[0], "Heun on 15 + 9 restart steps (24 in all), Euler at the end");
        for (int i = 0; i < 4; i++) assertEquals(x0[i], out[i], 1e-4);
    }

    @Test
    void lcmUsesTheThinnedFiftyStepScheduleAndIntegerTimesteps() {
        NoiseSchedule sd = NoiseSchedule.stableDiffusion();
        SamplerSpec lcm = Samplers.kdiffusion("LCM");
        KDiffusionDenoiser den = lcm.denoiser(sd, Prediction.EPSILON);
        assertInstanceOf(LcmDenoiser.class, den);
        assertEquals(50, den.sigmas().length);
        float[] sigmas = lcm.sigmas(den, 4, ScheduleType.AUTOMATIC);
        assertEquals(5, sigmas.length);
        KDiffusionDenoiser full = new KDiffusionDenoiser(sd, Prediction.EPSILON);
        assertEquals(full.sigmaMax(), sigmas[0], 1e-5f);
        assertEquals(full.sigmas()[19], sigmas[3], 1e-6f, "the last LCM timestep is 19");
        assertEquals(999f, den.sigmaToT(sigmas[0]));
        assertEquals(19f, den.sigmaToT(sigmas[3]));
        // an exact eps model: LCM's boundary condition keeps the x0 prediction up to c_skip (< 1e-5)
        float[] x0 = {0.5f, -0.25f, 1f, 0f}, n = {0.3f, -1.2f, 0.7f, 2f};
        float s = sigmas[1];
        float[] x = new float[4];
        for (int i = 0; i < 4; i++) x[i] = x0[i] + s * n[i];
        float[] d = den.denoise(x, s, (in, t) -> n.clone());
        for (int i = 0; i < 4; i++) assertEquals(x0[i], d[i], 1e-4);
        assertFalse(Samplers.kdiffusion("Euler").denoiser(sd, Prediction.EPSILON) instanceof LcmDenoiser);
    }
}
