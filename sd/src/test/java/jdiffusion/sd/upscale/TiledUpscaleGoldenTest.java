package jdiffusion.sd.upscale;

import jdiffusion.sd.TestBackends;
import jdiffusion.sd.pipeline.RgbImage;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code golden/upscale/tiled_*}, {@code loop_*} and {@code resize_image_*}: the WebUI's tiled model upscale (±1 per
 * channel, the float32-vs-float64 rounding slack), its {@code Upscaler.upscale} loop and {@code resize_image}
 * (Lanczos and Nearest exactly, model steps ±1).
 */
class TiledUpscaleGoldenTest {
    static Backend backend;

    @BeforeAll static void open() { backend = TestBackends.create(); }

    @AfterAll static void close() { if (backend != null) backend.close(); }

    static List<String> tiled() { return UpscaleGolden.cases("tiled_"); }

    static List<String> loops() {
        List<String> out = new java.util.ArrayList<>(UpscaleGolden.cases("loop_"));
        out.addAll(UpscaleGolden.cases("resize_image_"));
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tiled")
    void tiledUpscaleMatchesTheWebUi(String name) {
        try (Golden.Case c = Golden.open("upscale/" + name);
             UpscaleModel model = UpscaleModel.load(UpscaleGolden.modelFile(c.json(), ".pth"), backend)) {
            Map<String, Object> json = c.json();
            int tile = ((Number) json.get("tile_size")).intValue();
            int overlap = json.get("tile_overlap") instanceof Number n ? n.intValue() : 0;
            RgbImage out = TiledUpscale.upscale(backend, model, image(c.tensor("image_uint8")), tile, overlap);
            assertWithin(c.tensor("upscaled_uint8"), out, 1, name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("loops")
    void upscalerLoopAndResizeImageMatchTheWebUi(String name) {
        try (Golden.Case c = Golden.open("upscale/" + name)) {
            Map<String, Object> json = c.json();
            UpscaleModel model = json.get("model_file") == null ? null : UpscaleModel.load(UpscaleGolden.modelFile(json, ".pth"), backend);
            try {
                Upscaler upscaler = switch ((String) json.get("upscaler")) {
                    case "Lanczos" -> PillowUpscaler.LANCZOS;
                    case "Nearest" -> PillowUpscaler.NEAREST;
                    default -> new ModelUpscaler((String) json.get("upscaler_name"), backend, model,
                            ((Number) json.get("ESRGAN_tile")).intValue(), ((Number) json.get("ESRGAN_tile_overlap")).intValue());
                };
                RgbImage in = image(c.tensor("image_uint8"));
                RgbImage out;
                if (json.get("resize_to") instanceof List<?> to)
                    out = Upscaler.resizeImage(in, ((Number) to.get(0)).intValue(), ((Number) to.get(1)).intValue(), upscaler);
                else out = upscaler.upscale(in, ((Number) json.get("scale")).doubleValue());
                assertWithin(c.tensor("upscaled_uint8"), out, model == null ? 0 : 1, name);
            } finally {
                if (model != null) model.close();
            }
        }
    }

    static RgbImage image(Tensor hwc) {
        byte[] px = new byte[Math.toIntExact(hwc.numel())];
        float[] v = hwc.toFloatArray();
        for (int i = 0; i < px.length; i++) px[i] = (byte) (int) v[i];
        return new RgbImage(px, hwc.size(1), hwc.size(0));
    }

    static void assertWithin(Tensor expected, RgbImage actual, int levels, String what) {
        assertEquals(expected.size(1), actual.width(), what + " width");
        assertEquals(expected.size(0), actual.height(), what + " height");
        float[] e = expected.toFloatArray();
        byte[] a = actual.rgb();
        int worst = 0, differing = 0;
        for (int i = 0; i < e.length; i++) {
            int d = Math.abs((int) e[i] - (a[i] & 0xff));
            worst = Math.max(worst, d);
            if (d != 0) differing++;
        }
        assertTrue(worst <= levels, what + ": max difference " + worst + " levels (" + differing + " of " + e.length + " values differ), allowed " + levels);
        if (levels == 0) assertArrayEquals(image(expected).rgb(), a, what);
    }
}
