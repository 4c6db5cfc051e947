package jdiffusion.sd.upscale;

import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** {@code golden/upscale/latent_modes_*}: every latent upscale mode as torch's interpolate, up and down, at 1e-4. */
class LatentUpscaleModeGoldenTest {
    static List<String> cases() { return UpscaleGolden.cases("latent_modes_"); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void everyModeMatchesTorchInterpolate(String name) {
        try (Golden.Case c = Golden.open("upscale/" + name)) {
            Tensor latent = c.tensor("latent");
            int b = latent.size(0), ch = latent.size(1), h = latent.size(2), w = latent.size(3);
            int checked = 0;
            for (Map<String, Object> e : (List<Map<String, Object>>) c.json().get("entries")) {
                String tensor = (String) e.get("tensor");
                LatentUpscaleMode mode = LatentUpscaleMode.byLabel(tensor.substring(0, tensor.indexOf('|')));
                List<Number> size = (List<Number>) e.get("size_hw");
                int oh = size.get(0).intValue(), ow = size.get(1).intValue();
                float[] out = mode.resize(latent.toFloatArray(), b * ch, h, w, oh, ow);
                assertClose(c.tensor(tensor), Tensor.of(out, b, ch, oh, ow), 1e-4, 0, tensor);
                checked++;
            }
            assertEquals(12, checked);
        }
    }

    @Test
    void labelsAreTheWebUisAndOtherNamesAreNotLatentModes() {
        assertSame(LatentUpscaleMode.LATENT_BICUBIC_ANTIALIASED, LatentUpscaleMode.byLabel("Latent (bicubic antialiased)"));
        assertSame(LatentUpscaleMode.LATENT, LatentUpscaleMode.byLabel("latent"));
        assertNull(LatentUpscaleMode.byLabel("Lanczos"));
    }
}
