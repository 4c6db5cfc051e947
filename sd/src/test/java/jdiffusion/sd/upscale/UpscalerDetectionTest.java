package jdiffusion.sd.upscale;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** spandrel's unwrapping and key tests, and the one-line refusal of the architectures jsd does not run. */
class UpscalerDetectionTest {
    private static Tensor t(int... shape) { return Tensor.zeros(shape); }

    @Test
    void wrappersAndCommonPrefixesAreRemovedAsSpandrelDoes() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("module.body.0.weight", t(8, 3, 3, 3));
        inner.put("module.body.1.weight", t(8));
        Map<String, Object> root = Map.of("params", inner);
        assertEquals(java.util.Set.of("body.0.weight", "body.1.weight"), UpscalerStateDict.canonical(root).keySet());
        assertEquals(java.util.Set.of("body.0.weight", "body.1.weight"), UpscalerStateDict.canonical(Map.of("anything", Map.of("netG.body.0.weight", t(1), "netG.body.1.weight", t(1)))).keySet());
    }

    @Test
    void newArchKeysAreRenamedToOldArchWithScaleFromTheModuleCount() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        s.put("conv_first.weight", t(8, 12, 3, 3));
        s.put("body.0.rdb1.conv1.weight", t(32, 8, 3, 3));
        s.put("body.1.rdb3.conv5.bias", t(8));
        s.put("conv_body.weight", t(8, 8, 3, 3));
        s.put("conv_up1.weight", t(8, 8, 3, 3));
        s.put("conv_up2.weight", t(8, 8, 3, 3));
        s.put("conv_hr.weight", t(8, 8, 3, 3));
        s.put("conv_last.weight", t(3, 8, 3, 3));
        Map<String, Tensor> old = EsrganConfig.toOldArch(s);
        assertTrue(old.keySet().containsAll(java.util.List.of("model.0.weight", "model.1.sub.0.RDB1.conv1.0.weight", "model.1.sub.1.RDB3.conv5.0.bias",
                "model.1.sub.2.weight", "model.3.weight", "model.6.weight", "model.8.weight", "model.10.weight")), old.keySet().toString());
        EsrganConfig c = EsrganConfig.of(old, "x2plus");
        assertEquals(new EsrganConfig(3, 3, 8, 2, 2, 2), c);
        assertEquals(2, c.scale());
        assertEquals(4, c.multipleOf());
    }

    @Test
    void compactScaleComesFromTheLastConvChannels() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        s.put("body.0.weight", t(16, 3, 3, 3));
        s.put("body.1.weight", t(16));
        s.put("body.2.weight", t(16, 16, 3, 3));
        s.put("body.3.weight", t(16));
        s.put("body.4.weight", t(12, 16, 3, 3));
        s.put("body.4.bias", t(12));
        assertEquals(new CompactConfig(3, 3, 16, 1, 2), CompactConfig.of(s, "c"));
    }

    @Test
    void otherArchitecturesAreNamedInOneLine() {
        Map<String, Tensor> swinir = new LinkedHashMap<>();
        swinir.put("conv_first.weight", t(1));
        swinir.put("layers.0.residual_group.blocks.0.norm1.weight", t(1));
        swinir.put("layers.0.residual_group.blocks.0.mlp.fc1.bias", t(1));
        swinir.put("layers.0.residual_group.blocks.0.attn.relative_position_index", t(1));
        UpscalerException e = assertThrows(UpscalerException.class, () -> UpscaleModel.build("001_classicalSR_x4.pth", null, swinir, new ReferenceBackend()));
        assertEquals("001_classicalSR_x4.pth: a SwinIR model, an architecture jsd does not run yet (it runs ESRGAN, Real-ESRGAN and Real-ESRGAN Compact models)", e.getMessage());
        Map<String, Tensor> unknown = Map.of("foo.weight", t(1));
        assertTrue(assertThrows(UpscalerException.class, () -> UpscaleModel.build("x.pth", null, unknown, new ReferenceBackend())).getMessage()
                .startsWith("x.pth: unknown upscaler architecture"));
    }
}
