package jdiffusion.tools.randommodel;

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
        try (SafeTensors st = SafeTensors.open(Golden.model("tiny-sd15.safetensors"))) {
            Map<String, String> expected = new TreeMap<>(), actual = new TreeMap<>();
            for (String n : st.names()) expected.put(n, java.util.Arrays.toString(st.entry(n).shape()) + st.entry(n).dtype());
            for (LdmLayout.Entry e : layout) assertNull(actual.put(e.name(), java.util.Arrays.toString(e.shape()) + e.dtype()), "duplicate " + e.name());
            assertEquals(expected, actual);
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
