package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.NoiseSchedule;
import jdiffusion.sd.sample.SamplingException;
import jdiffusion.sd.sample.TorchCpuRandom;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/** diffusers schedulers against {@code golden/schedulers/diffusers_tables.json} and {@code diffusers_<sched>_20steps}. */
class DiffusersSchedulersTest {
    static final double ATOL = 2.4e-7, RTOL = 2.4e-7; // about 2 ulps: the toy model's cos is not torch's

    @Test
    void everySchedulerReproducesDiffusersTimestepsSigmasAndInitNoiseSigmaForAllStepCounts() throws Exception {
        Map<String, Object> tables = tables();
        Map<String, Object> scheds = map(tables.get("schedulers"));
        assertEquals(11, scheds.size());
        for (var e : scheds.entrySet()) {
            Map<String, Object> s = map(e.getValue());
            SchedulerConfig cfg = SchedulerConfig.fromJson(map(s.get("config")));
            for (int n : new int[]{1, 4, 20, 50}) {
                Map<String, Object> row = map(s.get("N" + n));
                String what = e.getKey() + " N=" + n;
                TimestepScheduler sch = DiffusersSchedulers.create((String) s.get("class"), cfg, n);
                // Karras timesteps come from numpy's float32 log (its own SIMD code, not SLEEF): a few ulps
                assertClose(floats(row.get("timesteps")), sch.timesteps(), 1e-5, 2.4e-7, what + " timesteps");
                assertEquals(((Number) row.get("init_noise_sigma")).doubleValue(), sch.initNoiseSigma(), 1e-6, what + " init_noise_sigma");
                if (row.containsKey("sigmas")) assertClose(floats(row.get("sigmas")), sigmasOf(sch), 0, 0, what + " sigmas");
            }
        }
    }

    @Test
    void diffusersAlphasCumprodComesFromFloat32Betas() throws Exception {
        Map<String, Object> tables = tables();
        float[] expected = floats(tables.get("alphas_cumprod"));
        assertClose(expected, SchedulerConfig.stableDiffusion().schedule().alphasCumprod(), 0, 0, "alphas_cumprod");
        // and the ldm (float64) schedule differs from it only in the last bits
        assertClose(expected, NoiseSchedule.stableDiffusion().alphasCumprod(), 0, 1e-5, "ldm vs diffusers");
    }

    @Test void ddimStepsMatchDiffusers() { run("ddim"); }
    @Test void pndmPlmsStepsMatchDiffusers() { run("pndm"); }
    @Test void ddpmStepsMatchDiffusersWithRecordedNoise() { run("ddpm"); }
    @Test void eulerStepsMatchDiffusersAndDrawTheUnusedNoise() { run("euler"); }
    @Test void eulerKarrasStepsMatchDiffusers() { run("euler_karras"); }
    @Test void eulerAncestralStepsMatchDiffusersWithRecordedNoise() { run("euler_ancestral"); }
    @Test void lmsStepsMatchDiffusers() { run("lms"); }
    @Test void heunStepsMatchDiffusersInterleavedSchedule() { run("heun"); }
    @Test void dpmSolverPlusPlus2mStepsMatchDiffusers() { run("dpmpp_2m"); }
    @Test void dpmSolverPlusPlus2mKarrasStepsMatchDiffusers() { run("dpmpp_2m_karras"); }
    @Test void uniPcBh2StepsMatchDiffusers() { run("unipc"); }

    @Test
    void img2imgStrengthSelectsTheTrailingTimesteps() {
        DdimScheduler s = new DdimScheduler(SchedulerConfig.stableDiffusion(), 8);
        assertArrayEquals(new float[]{376, 251, 126, 1}, DdimScheduler.timestepsForStrength(s, 8, 0.6));
        assertArrayEquals(s.timesteps(), DdimScheduler.timestepsForStrength(s, 8, 1.0));
        assertThrows(SamplingException.class, () -> DdimScheduler.startIndexForStrength(8, 1.5, 1));
        assertThrows(SamplingException.class, () -> DiffusersSchedulers.create("FooScheduler", SchedulerConfig.stableDiffusion(), 8));
    }

    private static void run(String name) {
        try (Golden.Case c = Golden.open("schedulers/diffusers_" + name + "_20steps")) {
            Map<String, Object> j = c.json();
            SchedulerConfig cfg = SchedulerConfig.fromJson(map(j.get("config")));
            TimestepScheduler s = DiffusersSchedulers.create((String) j.get("scheduler"), cfg, 20);
            float[] ts = s.timesteps();
            assertClose(floats(j.get("timesteps")), ts, 1e-5, 2.4e-7, name + " timesteps");
            float[] init = c.floats("initial_noise");
            assertArrayEquals(init, new TorchCpuRandom(1234).randn(1, 4, 8, 8), "initial noise is torch seed 1234");
            float sigma0 = s.initNoiseSigma();
            float[] x = new float[init.length];
            for (int i = 0; i < x.length; i++) x[i] = init[i] * sigma0;
            assertClose(c.floats("x_init"), x, ATOL, RTOL, name + " x_init");
            TorchCpuRandom stepGenerator = new TorchCpuRandom(5678);
            int[] draws = {0};
            Supplier<float[]> noise = () -> {
                float[] n = stepGenerator.randn(1, 4, 8, 8);
                String key = String.format("noise%02d", draws[0]++);
                assertArrayEquals(c.floats(key), n, key + " is the next draw of torch seed 5678");
                return n;
            };
            for (int i = 0; i < ts.length; i++) {
                String p = String.format("step%02d.", i);
                float[] in = s.scaleModelInput(x, i);
                assertClose(c.floats(p + "model_input"), in, ATOL, RTOL, name + " " + p + "model_input");
                float[] out = toy(in, ts[i]);
                assertClose(c.floats(p + "model_output"), out, ATOL, RTOL, name + " " + p + "model_output");
                x = s.step(out, i, x, noise);
                assertClose(c.floats(p + "x"), x, ATOL, RTOL, name + " " + p + "x");
            }
            int recorded = 0;
            while (c.has(String.format("noise%02d", recorded))) recorded++;
            assertEquals(recorded, draws[0], name + " noise draws");
        }
    }

    static float[] toy(float[] in, float t) {
        float c = 0.05f * (float) Math.cos(t / 100f);
        float[] out = new float[in.length];
        for (int i = 0; i < in.length; i++) out[i] = 0.1f * in[i] + c;
        return out;
    }

    private static float[] sigmasOf(TimestepScheduler s) {
        return switch (s) {
            case EulerDiscreteScheduler e -> e.sigmas();
            case EulerAncestralDiscreteScheduler e -> e.sigmas();
            case LmsDiscreteScheduler e -> e.sigmas();
            case HeunDiscreteScheduler e -> e.sigmas();
            case DpmSolverMultistepScheduler e -> e.sigmas();
            case UniPcMultistepScheduler e -> e.sigmas();
            default -> throw new AssertionError("no sigmas for " + s);
        };
    }

    private static Map<String, Object> tables() throws Exception {
        return Json.parseObject(Files.readString(Golden.file("schedulers/diffusers_tables.json")));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) { return (Map<String, Object>) o; }

    static float[] floats(Object o) {
        List<?> l = (List<?>) o;
        float[] r = new float[l.size()];
        for (int i = 0; i < r.length; i++) r[i] = ((Number) l.get(i)).floatValue();
        return r;
    }

    static void assertClose(float[] expected, float[] actual, double atol, double rtol, String what) {
        jdiffusion.sd.sample.KDiffusionSamplersTestAccess.assertClose(expected, actual, atol, rtol, what);
    }
}
