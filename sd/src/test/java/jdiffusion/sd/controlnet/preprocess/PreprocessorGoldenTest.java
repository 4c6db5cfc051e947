package jdiffusion.sd.controlnet.preprocess;

import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code golden/controlnet/preproc_canny_invert_threshold_resize}: the extension's canny / invert / threshold / none
 * preprocessors and its three resize modes, run from its own source with OpenCV 4.6, reproduced exactly (uint8);
 * {@code pixel_perfect.json}: the pixel-perfect resolution table.
 */
class PreprocessorGoldenTest {
    static final String CASE = "controlnet/preproc_canny_invert_threshold_resize";

    static Raster raster(Tensor t) {
        float[] v = t.toFloatArray();
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) (int) v[i];
        return new Raster(t.size(0), t.size(1), t.size(2), b);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> runs() {
        try (Golden.Case c = Golden.open(CASE)) {
            return (List<Map<String, Object>>) c.json().get("runs");
        }
    }

    static IntStream runIndices() { return IntStream.range(0, runs().size()); }

    static double num(Map<String, Object> m, String k) { return ((Number) m.get(k)).doubleValue(); }

    @ParameterizedTest
    @MethodSource("runIndices")
    void detectedMapAndResizedControlMatchTheExtensionExactly(int index) {
        try (Golden.Case c = Golden.open(CASE)) {
            Map<String, Object> run = runs().get(index);
            String name = (String) run.get("run");
            Raster input = raster(c.tensor(run.get("image") + ".input_uint8"));
            int h = (int) num(run, "target_h"), w = (int) num(run, "target_w");
            ControlResize.Mode mode = ControlResize.Mode.parse((String) run.get("resize_mode"));
            int res = (int) num(run, "processor_res_given");
            if (Boolean.TRUE.equals(run.get("pixel_perfect"))) res = ControlResize.pixelPerfectResolution(input.height(), input.width(), h, w, mode);
            assertEquals((int) num(run, "processor_res_used"), res, name + " processor resolution");
            Raster detected = Preprocessors.run((String) run.get("module"), input, res, num(run, "threshold_a"), num(run, "threshold_b"));
            if (c.has(name + ".detected_map_uint8")) check(raster(c.tensor(name + ".detected_map_uint8")), detected, name + " " + run.get("module") + " detected map");
            check(raster(c.tensor(name + ".control_uint8")), ControlResize.fit(detected, mode, h, w), name + " " + run.get("resize_mode") + " control");
        }
    }

    static void check(Raster expected, Raster got, String what) {
        assertEquals(List.of(expected.height(), expected.width(), expected.channels()), List.of(got.height(), got.width(), got.channels()), what + " shape");
        int diff = 0, worst = 0;
        for (int i = 0; i < expected.data().length; i++) {
            int d = Math.abs((expected.data()[i] & 0xff) - (got.data()[i] & 0xff));
            if (d != 0) diff++;
            worst = Math.max(worst, d);
        }
        assertEquals(0, diff, what + ": " + diff + " of " + expected.data().length + " values differ (worst by " + worst + ")");
    }

    @Test
    @SuppressWarnings("unchecked")
    void pixelPerfectResolutionTable() throws IOException {
        Map<String, Object> j = Json.parseObject(Files.readString(Golden.file("controlnet/pixel_perfect.json")));
        List<Map<String, Object>> rows = (List<Map<String, Object>>) j.get("rows");
        int[] expected = new int[rows.size()], got = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> r = rows.get(i);
            expected[i] = (int) num(r, "resolution");
            got[i] = ControlResize.pixelPerfectResolution((int) num(r, "raw_h"), (int) num(r, "raw_w"), (int) num(r, "target_h"), (int) num(r, "target_w"),
                    ControlResize.Mode.parse((String) r.get("resize_mode")));
        }
        assertArrayEquals(expected, got);
    }
}
