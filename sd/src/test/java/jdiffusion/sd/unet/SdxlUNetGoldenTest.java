package jdiffusion.sd.unet;

import jdiffusion.nn.Weights;
import jdiffusion.sd.TestBackends;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tiny SDXL base UNet from its diffusers folder against diffusers 0.26 with {@code added_cond_kwargs}: the
 * vector built from {@code text_embeds} and {@code time_ids} ({@link TimeIds}), the output and every intermediate.
 */
class SdxlUNetGoldenTest {
    static Backend backend;
    static DiffusersUNetFolder folder;
    static UNet unet;

    @BeforeAll
    static void load() {
        backend = TestBackends.create();
        folder = new DiffusersUNetFolder(Golden.model("tiny-sdxl/unet"));
        unet = new UNet(backend, new Weights(folder), folder.config());
    }

    @AfterAll
    static void close() {
        if (folder != null) folder.close();
        if (backend != null) backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"t999", "t_per_sample_fractional", "ctx154_t500"})
    void baseMatchesDiffusersWithEveryIntermediate(String name) {
        try (Golden.Case c = Golden.open("sdxl/tiny-sdxl_unet_" + name)) {
            checkCase(unet, c, name);
        }
    }

    /** The vector from {@code text_embeds}/{@code time_ids}, the UNet output and every intermediate the case records. */
    static void checkCase(UNet unet, Golden.Case c, String name) {
        TimeIds ids = new TimeIds(unet.config().timeIdDim());
        int batch = c.tensor("sample").size(0);
        float[] timeIds = c.floats("time_ids");
        assertClose(c.floats("intermediate.add_time_proj"), ids.embed(timeIds), UNetGoldenTest.ATOL, 0, name + " add_time_proj");
        float[] vector = ids.vector(c.floats("text_embeds"), timeIds, batch);
        assertClose(c.floats("vector"), vector, UNetGoldenTest.ATOL, 0, name + " vector");

        Map<String, float[]> seen = new LinkedHashMap<>();
        Tensor y = Tensor.of(vector, batch, unet.config().vectorDim());
        Tensor out = unet.forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), y,
                (n, t) -> seen.put(n, t.toFloatArray()));
        assertClose(c.tensor("noise_pred"), out, UNetGoldenTest.ATOL, 0, name + " noise_pred");
        int checked = 0;
        for (String key : c.safetensors().names()) {
            if (!key.startsWith("intermediate.") || key.equals("intermediate.add_time_proj")) continue;
            String n = key.substring("intermediate.".length());
            float[] got = seen.get(n);
            if (got == null) throw new AssertionError(name + ": the UNet did not report intermediate " + n + " (reported " + seen.keySet() + ")");
            assertClose(c.floats(key), got, UNetGoldenTest.ATOL, 0, name + " " + n);
            checked++;
        }
        assertEquals(seen.size(), checked, name + ": reported intermediates the golden file lacks: " + seen.keySet());
        assertEquals(Set.of(), Set.copyOf(seen.keySet()).stream().filter(k -> !c.has("intermediate." + k)).collect(java.util.stream.Collectors.toSet()));
    }
}
