package jdiffusion.sd.upscale;

import jdiffusion.sd.TestBackends;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code golden/upscale/fwd_*}: spandrel's descriptor call (pad, forward, clamp, crop) for every tiny model, from its .pth and its .safetensors. */
class UpscaleModelGoldenTest {
    static Backend backend;

    @BeforeAll static void open() { backend = TestBackends.create(); }

    @AfterAll static void close() { if (backend != null) backend.close(); }

    static List<String[]> cases() {
        List<String[]> out = new ArrayList<>();
        for (String c : UpscaleGolden.cases("fwd_")) for (String ext : new String[] {".pth", ".safetensors"}) out.add(new String[] {c, ext});
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void forwardMatchesSpandrelWithin1e4(String name, String ext) {
        try (Golden.Case c = Golden.open("upscale/" + name);
             UpscaleModel model = UpscaleModel.load(UpscaleGolden.modelFile(c.json(), ext), backend)) {
            Map<String, Object> json = c.json();
            assertEquals(json.get("architecture"), model.architecture());
            assertEquals(((Number) json.get("scale")).intValue(), model.scale());
            Tensor out = model.upscale(backend, backend.upload(c.tensor("input")));
            assertClose(c.tensor("output"), Tensor.of(backend.toFloatArray(out), out.shape()), 1e-4, 0, name + ext);
        }
    }
}
