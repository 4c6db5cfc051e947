package jdiffusion.tools.generate;

import jdiffusion.kernels.opencl.OpenClDevices;
import jdiffusion.kernels.opencl.OpenClUnavailableException;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import jdiffusion.tools.PixelAssert;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static jdiffusion.tools.generate.GenerateCommandTest.pixels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jsd txt2img --device opencl} gives the CPU backend's image within the golden tolerance for another backend (±2). */
class OpenClGenerateTest {
    @TempDir Path dir;

    private Captured txt2img(String device, Path out) {
        return Captured.run("txt2img", "--model", Golden.model("tiny-sd15.safetensors").toString(), "--tokenizer",
                Golden.model("clip-tokenizer-sd1").toString(), "--prompt", "a photo of an astronaut riding a horse on mars",
                "--negative-prompt", "blurry", "--sampler", "Euler a", "--steps", "6", "--width", "64", "--height", "64",
                "--seed", "1234", "--device", device, "--out", out.toString());
    }

    @Test
    void openClImageEqualsTheCpuImageWithinTwoLevels() throws Exception {
        try {
            OpenClDevices.preferred();
        } catch (OpenClUnavailableException e) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError("CI must run the OpenCL tests", e);
            Assumptions.abort(e.getMessage());
        }
        Path cpu = dir.resolve("cpu.png"), gpu = dir.resolve("opencl.png");
        Captured a = txt2img("cpu", cpu), b = txt2img("opencl", gpu);
        assertEquals(0, a.status(), a.err());
        assertEquals(0, b.status(), b.err());
        PixelAssert.assertPixelsWithin(pixels(cpu), pixels(gpu), 2);
    }

    @Test
    void unknownDeviceIsOneLine() {
        Captured c = txt2img("tpu", dir.resolve("x.png"));
        assertEquals(2, c.status(), c.err());
        assertTrue(c.err().contains("unknown device 'tpu'"), c.err());
    }
}
