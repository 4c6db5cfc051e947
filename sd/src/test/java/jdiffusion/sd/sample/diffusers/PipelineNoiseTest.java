package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.TorchCpuRandom;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The sampling-side inputs of {@code golden/pipeline/}: generator draws and img2img timesteps. */
class PipelineNoiseTest {

    @Test
    void txt2imgLatentsAndEulerAncestralDrawsComeFromTorchCpuGenerators() {
        try (Golden.Case c = Golden.open("pipeline/txt2img_euler_ancestral")) {
            assertArrayEquals(c.floats("latents_in"), new TorchCpuRandom(0).randn(1, 4, 32, 32));
            TorchCpuRandom g = new TorchCpuRandom(1000);
            for (int i = 0; c.has(String.format("noise%02d", i)); i++)
                assertArrayEquals(c.floats(String.format("noise%02d", i)), g.randn(1, 4, 32, 32), "noise " + i);
            TimestepScheduler s = DiffusersSchedulers.create("EulerAncestralDiscreteScheduler",
                    SchedulerConfig.fromJson(DiffusersSchedulersTest.map(c.json().get("scheduler_config"))), 8);
            DiffusersSchedulersTest.assertClose(DiffusersSchedulersTest.floats(c.json().get("timesteps")), s.timesteps(), 1e-4, 1e-6, "timesteps");
        }
    }

    @Test
    void img2imgDrawsPosteriorNoiseThenInitNoiseAndDenoisesTheLastTimestepsForStrength() {
        try (Golden.Case c = Golden.open("pipeline/img2img_ddim_strength0.6")) {
            TorchCpuRandom g = new TorchCpuRandom(2000);
            assertArrayEquals(c.floats("vae_posterior_noise"), g.randn(1, 4, 32, 32));
            assertArrayEquals(c.floats("init_noise"), g.randn(1, 4, 32, 32));
            DdimScheduler s = new DdimScheduler(SchedulerConfig.stableDiffusion(), 8);
            assertArrayEquals(DiffusersSchedulersTest.floats(c.json().get("timesteps")), DdimScheduler.timestepsForStrength(s, 8, 0.6));
        }
        try (Golden.Case c = Golden.open("pipeline/inpaint_ddim_strength0.75")) {
            DdimScheduler s = new DdimScheduler(SchedulerConfig.stableDiffusion(), 8);
            assertArrayEquals(DiffusersSchedulersTest.floats(c.json().get("timesteps")), DdimScheduler.timestepsForStrength(s, 8, 0.75));
        }
    }
}
