package jdiffusion.sd.sample;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SamplerRegistryTest {

    @Test
    void findsSamplersByWebUiLabelAliasOrKDiffusionIdIgnoringCase() {
        assertEquals("Euler a", Samplers.byName("euler A").label());
        assertEquals("Euler a", Samplers.byName("euler_ancestral").label());
        assertEquals("Euler a", Samplers.byName("k_euler_a").label());
        assertEquals("DPM++ 2M", Samplers.byName("dpmpp_2m").label());
        assertEquals("DPM++ 2M", Samplers.byName("sample_dpmpp_2m").label());
        assertEquals("DPM++ 2M SDE", Samplers.byName("DPM++ 2M SDE").label());
        assertInstanceOf(EulerAncestral.class, Samplers.byName("Euler a").create());
        assertInstanceOf(Lms.class, Samplers.byName("LMS").create());
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
        assertTrue(e.getMessage().contains("Euler a") && e.getMessage().contains("DPM++ 2M"), e.getMessage());
        assertThrows(SamplingException.class, () -> ScheduleType.parse("sometimes"));
    }

    @Test
    void webUiDefaultSchedulesAndOptionsFollowA1111() {
        assertEquals(ScheduleType.UNIFORM, Samplers.byName("Euler a").defaultSchedule());
        assertEquals(ScheduleType.KARRAS, Samplers.byName("DPM++ 2M").defaultSchedule());
        assertEquals(ScheduleType.EXPONENTIAL, Samplers.byName("DPM++ 2M SDE").defaultSchedule());
        assertTrue(Samplers.byName("DPM2").discardPenultimate());
        assertTrue(Samplers.byName("DPM++ SDE").brownianNoise());
        assertTrue(Samplers.byName("Euler a").usesEnsd());
        assertTrue(Samplers.byName("Heun").secondOrder());
    }

    @Test
    void discardingThePenultimateSigmaKeepsTheStepCount() {
        KDiffusionDenoiser den = new KDiffusionDenoiser(NoiseSchedule.stableDiffusion(), Prediction.EPSILON);
        float[] s = Samplers.byName("DPM2").sigmas(den, 10, ScheduleType.AUTOMATIC);
        assertEquals(11, s.length);
        assertEquals(0f, s[10]);
        float[] full = SigmaSchedules.karras(11, den.sigmaMin(), den.sigmaMax(), 7);
        assertEquals(full[9], s[9]);
        assertEquals(full[0], s[0]);
    }

    @Test
    void schedulesEndInZeroAndDescend() {
        KDiffusionDenoiser den = new KDiffusionDenoiser(NoiseSchedule.stableDiffusion(), Prediction.EPSILON);
        for (ScheduleType t : ScheduleType.values()) {
            float[] s = t.sigmas(den, 12, 0);
            assertEquals(13, s.length, t.label());
            assertEquals(0f, s[12], t.label());
            for (int i = 1; i < s.length; i++) assertTrue(s[i] < s[i - 1], t.label() + " descends at " + i);
            assertEquals(den.sigmaMax(), s[0], 1e-4 * den.sigmaMax(), t.label() + " starts at sigma_max");
        }
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
            for (int i = 0; i < 4; i++) assertEquals(x0[i], out[i], 2e-3, spec.label() + " element " + i);
        }
    }
}
