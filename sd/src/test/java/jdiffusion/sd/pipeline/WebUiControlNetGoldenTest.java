package jdiffusion.sd.pipeline;

import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.ControlNetFile;
import jdiffusion.sd.controlnet.ControlMode;
import jdiffusion.sd.controlnet.ControlNet;
import jdiffusion.sd.controlnet.ControlNetSetup;
import jdiffusion.sd.controlnet.ControlUnit;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code golden/controlnet/webui_cn_*}: the WebUI with the sd-webui-controlnet extension. With each unit's recorded hint
 * (after preprocessor and resize mode), weight, control mode and guidance range, the run must follow the reference step
 * by step and give its uint8 image within ±2.
 */
class WebUiControlNetGoldenTest {
    static Backend backend;
    static StableDiffusionModel model;
    static ControlNetFile file;
    static ControlNet net;

    @BeforeAll
    static void load() {
        backend = TinyModel.backend();
        model = TinyModel.load(backend);
        file = ControlNetFile.open(Golden.model("tiny-controlnet-sd15.safetensors"), model.unet().config());
        net = new ControlNet(backend, new Weights(file.weights()), file.config());
    }

    @AfterAll
    static void close() {
        if (file != null) file.close();
        if (model != null) model.close();
        if (backend != null) backend.close();
    }

    static ControlNetSetup recordedHints(Golden.Case c, List<Map<String, Object>> units) {
        List<ControlUnit> list = new ArrayList<>();
        for (int k = 0; k < units.size(); k++) {
            Map<String, Object> u = units.get(k);
            int[] shape = c.tensor("unit" + k + ".hint").shape();
            list.add(new ControlUnit(net, c.floats("unit" + k + ".hint"), shape[2], shape[3], ((Number) u.get("weight")).floatValue(),
                    ControlMode.parse((String) u.get("control_mode")), ((Number) u.get("guidance_start")).doubleValue(),
                    ((Number) u.get("guidance_end")).doubleValue()));
        }
        return new ControlNetSetup() {
            @Override public List<ControlUnit> units(int width, int height) { return list; }

            @Override public Map<String, String> infotext() { return Map.of(); }
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"webui_cn_balanced_euler_a_48x40", "webui_cn_prompt_important_dpmpp2m_40x48",
            "webui_cn_control_important_start_end_euler_40x40", "webui_cn_two_units_euler_a_48x40"})
    @SuppressWarnings("unchecked")
    void recordedHintsReproduceTheExtensionStepByStep(String name) {
        try (Golden.Case c = Golden.open("controlnet/" + name)) {
            Map<String, Object> cli = (Map<String, Object>) c.json().get("cli");
            GenerationParams p = WebUiGoldenTest.paramsOf(cli);
            WebUiGoldenTest.Recorder r = new WebUiGoldenTest.Recorder();
            List<GeneratedImage> images = new Generator(model).txt2img(p, recordedHints(c, (List<Map<String, Object>>) cli.get("controlnet")), Progress.NONE, r);
            checkRun(c, name, r, images.getFirst());
        }
    }

    static void checkRun(Golden.Case c, String name, WebUiGoldenTest.Recorder r, GeneratedImage img) {
        assertClose(c.floats("initial_noise"), r.noise, 1e-6, 0, name + " initial noise");
        for (int i = 0; i < r.steps.size(); i++) {
            String key = String.format("step%02d.x", i);
            if (c.has(key)) assertClose(c.floats(key), r.steps.get(i), 1e-3, 2e-5, name + " " + key);
        }
        assertClose(c.floats("final_latents"), r.latents, 1e-3, 0, name + " final latents");
        float[] expected = c.floats("image_uint8");
        assertEquals(expected.length, img.rgb().length, name + ": image size");
        int worst = 0;
        for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs((int) expected[i] - (img.rgb()[i] & 0xff)));
        assertTrue(worst <= 2, name + ": uint8 image differs by up to " + worst + " (tolerance 2)");
    }
}
