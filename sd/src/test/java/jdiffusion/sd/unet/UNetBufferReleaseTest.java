package jdiffusion.sd.unet;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Backend#release} lets a backend reuse a buffer at once, so the UNet must never read a tensor after
 * releasing it. A backend that overwrites released buffers with NaN makes any such read poison the output.
 */
class UNetBufferReleaseTest {
    static Backend cpu;
    static DiffusersUNetFolder folder;
    static int released;


    @BeforeAll
    static void load() {
        cpu = new CpuBackend();
        folder = new DiffusersUNetFolder(Golden.model("tiny-sd15/unet"));
    }

    @AfterAll
    static void close() {
        if (folder != null) folder.close();
        if (cpu != null) cpu.close();
    }

    static Backend poisoning() {
        return new DelegatingBackend(cpu) {
            @Override public void release(Tensor t) {
                float[] a = t.heapArrayOrNull();
                assertTrue(a != null, "released a tensor the UNet did not make: " + t);
                Arrays.fill(a, Float.NaN);
                released++;
            }
        };
    }

    @Test
    void releasedBuffersAreNeverReadAgainOnGoldenCases() {
        UNet unet = new UNet(poisoning(), new Weights(folder), folder.config());
        for (String name : new String[] {"t_per_sample_fractional", "odd_10x14"}) {
            try (Golden.Case c = Golden.open("unet/tiny-sd15_unet_" + name)) {
                released = 0;
                Tensor out = unet.forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null);
                assertClose(c.tensor("noise_pred"), out, UNetGoldenTest.ATOL, 0, name + " with poisoned releases");
                assertTrue(released > 50, "the UNet releases its dead intermediates (" + released + ")");
            }
        }
    }

    @Test
    void releasedBuffersAreNeverReadAgainWhenTheDeepestMapIsOnePixel() {
        // 4x4 -> 2x2 -> 1x1: at 1x1 the NCHW -> tokens permutation is already contiguous, so no copy is made
        SplittableRandom r = new SplittableRandom(7);
        float[] s = new float[2 * 4 * 4 * 4], ctx = new float[2 * 5 * 32];
        for (int i = 0; i < s.length; i++) s[i] = (float) r.nextGaussian();
        for (int i = 0; i < ctx.length; i++) ctx[i] = (float) r.nextGaussian();
        Tensor sample = Tensor.of(s, 2, 4, 4, 4), context = Tensor.of(ctx, 2, 5, 32);
        float[] t = {700f, 3.5f};
        Tensor expected = new UNet(cpu, new Weights(folder), folder.config()).forward(sample, t, context);
        Tensor out = new UNet(poisoning(), new Weights(folder), folder.config()).forward(sample, t, context);
        assertClose(expected, out, 0, 0, "4x4 latent with poisoned releases");
    }
}
