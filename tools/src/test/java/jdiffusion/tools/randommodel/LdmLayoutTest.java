package jdiffusion.tools.randommodel;

import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.unet.UNetParameters;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

class LdmLayoutTest {
    @Test
    void tinyConfigGivesExactlyTheTinyCheckpointsKeysAndShapes() {
        // the dimensions of ../shared/models/tiny-sd15.yaml
        List<LdmLayout.Entry> layout = LdmLayout.sd1(
                new LdmLayout.UNet(4, 4, 32, new int[]{1, 2, 2}, 2, new int[]{1, 2}, 32, 1),
                new LdmLayout.Vae(32, new int[]{1, 2}, 1, 4),
                new LdmLayout.Clip(32, 3, 37, 49408, 77), DType.F32);
        assertSameKeysShapesAndDtypes("tiny-sd15.safetensors", layout);
    }

    /** The dimensions of tiny-sdxl.yaml / tiny-sdxl-refiner.yaml: the layouts must be those of the real sgm files, name for name. */
    @Test
    void tinySdxlConfigsGiveExactlyTheTinySgmFilesKeysShapesAndDtypes() {
        LdmLayout.Vae vae = new LdmLayout.Vae(32, new int[]{1, 2}, 1, 4);
        LdmLayout.OpenClip bigG = new LdmLayout.OpenClip(48, 4, 192, 49408, 77, 48);
        assertSameKeysShapesAndDtypes("tiny-sdxl.safetensors", LdmLayout.sdxl(
                new LdmLayout.UNet(4, 4, 32, new int[]{1, 2, 2}, 2, new int[]{4, 2}, 80, new int[]{1, 1, 2}, true, 144),
                vae, new LdmLayout.Clip(32, 3, 37, 49408, 77), bigG, DType.F32));
        assertSameKeysShapesAndDtypes("tiny-sdxl.fp16.safetensors", LdmLayout.sdxl(
                new LdmLayout.UNet(4, 4, 32, new int[]{1, 2, 2}, 2, new int[]{4, 2}, 80, new int[]{1, 1, 2}, true, 144),
                vae, new LdmLayout.Clip(32, 3, 37, 49408, 77), bigG, DType.F16));
        assertSameKeysShapesAndDtypes("tiny-sdxl-refiner.safetensors", LdmLayout.sdxlRefiner(
                new LdmLayout.UNet(4, 4, 32, new int[]{1, 1, 2, 2}, 2, new int[]{4, 2}, 48, new int[]{2, 2, 2, 2}, true, 128),
                vae, bigG, DType.F32));
    }

    @Test
    void sdxlLayoutsHaveTheRealParameterCounts() {
        Map<String, Long> base = countByPrefix(LdmLayout.sdxl(LdmLayout.UNet.sdxl(), LdmLayout.Vae.sd15(), LdmLayout.Clip.vitL(),
                LdmLayout.OpenClip.bigG(), DType.F16));
        // published: SDXL UNet 2,567,463,684; CLIP-L text 123,060,480; OpenCLIP-bigG text (with projection, logit_scale) 694,659,841
        assertEquals(2_567_463_684L, base.get("model."));
        assertEquals(83_653_863L, base.get("first_stage_model."));
        assertEquals(123_060_480L, base.get("conditioner.embedders.0."));
        assertEquals(694_659_841L, base.get("conditioner.embedders.1."));
        assertEquals(UNetParameters.count(UNetConfig.sdxl(4)), base.get("model."), "the engine's own parameter list agrees");
        Map<String, Long> refiner = countByPrefix(LdmLayout.sdxlRefiner(LdmLayout.UNet.sdxlRefiner(), LdmLayout.Vae.sd15(),
                LdmLayout.OpenClip.bigG(), DType.F16));
        assertEquals(UNetParameters.count(UNetConfig.sdxlRefiner()), refiner.get("model."));
        assertEquals(694_659_841L, refiner.get("conditioner.embedders.0."));
    }

    /** Floating parameters per top-level component ({@code model.}, {@code first_stage_model.}, {@code conditioner.embedders.N.}). */
    private static Map<String, Long> countByPrefix(List<LdmLayout.Entry> layout) {
        Map<String, Long> m = new TreeMap<>();
        for (LdmLayout.Entry e : layout) {
            if (e.dtype() == DType.I64) continue;
            long n = 1;
            for (int d : e.shape()) n *= d;
            String[] parts = e.name().split("\\.");
            String key = parts[0].equals("conditioner") ? "conditioner.embedders." + parts[2] + "." : parts[0] + ".";
            m.merge(key, n, Long::sum);
        }
        return m;
    }

    private static void assertSameKeysShapesAndDtypes(String model, List<LdmLayout.Entry> layout) {
        try (SafeTensors st = SafeTensors.open(Golden.model(model))) {
            Map<String, String> expected = new TreeMap<>(), actual = new TreeMap<>();
            for (String n : st.names()) expected.put(n, java.util.Arrays.toString(st.entry(n).shape()) + st.entry(n).dtype());
            for (LdmLayout.Entry e : layout) assertNull(actual.put(e.name(), java.util.Arrays.toString(e.shape()) + e.dtype()), "duplicate " + e.name());
            assertEquals(expected, actual, model);
        }
    }

    @Test
    void sd15LayoutHasTheRealParameterCounts() {
        List<LdmLayout.Entry> layout = LdmLayout.sd1(LdmLayout.UNet.sd15(), LdmLayout.Vae.sd15(), LdmLayout.Clip.vitL(), DType.F16);
        long unet = 0, vae = 0, clip = 0;
        for (LdmLayout.Entry e : layout) {
            long n = 1;
            for (int d : e.shape()) n *= d;
            if (e.name().startsWith("model.diffusion_model.")) unet += n;
            else if (e.name().startsWith("first_stage_model.")) vae += n;
            else if (e.name().startsWith("cond_stage_model.") && e.dtype() != DType.I64) clip += n;
        }
        // published sizes: UNet 859,520,964; VAE 83,653,863; CLIP ViT-L/14 text 123,060,480
        assertEquals(859_520_964L, unet);
        assertEquals(83_653_863L, vae);
        assertEquals(123_060_480L, clip);
    }
}
