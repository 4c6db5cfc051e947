package jdiffusion.sd.pipeline;

import jdiffusion.sd.checkpoint.ModelVariant;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model layouts derived from the tiny checkpoint: a 9-channel inpainting UNet whose extra input weights are zero (so it
 * must give exactly the plain model's images while its conditioning path runs), and a stand-alone VAE file.
 */
class ModelVariantsTest {
    static final String CONV_IN = "model.diffusion_model.input_blocks.0.0.weight";
    @TempDir static Path dir;
    static jdiffusion.tensor.Backend backend;
    static StableDiffusionModel plain;

    @BeforeAll
    static void load() {
        backend = TinyModel.backend();
        plain = TinyModel.load(backend);
    }

    @AfterAll
    static void close() {
        if (plain != null) plain.close();
        if (backend != null) backend.close();
    }

    /** The tiny checkpoint's tensors passing {@code keep}, with {@code conv_in} widened to {@code inChannels} by zeros. */
    static void copy(Path out, Predicate<String> keep, int inChannels) {
        try (SafeTensors st = SafeTensors.open(Golden.model("tiny-sd15.safetensors"))) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String name : st.names()) {
                if (!keep.test(name)) continue;
                Tensor t = st.get(name);
                if (name.equals(CONV_IN) && inChannels != t.size(1)) {
                    int o = t.size(0), c = t.size(1), k = t.size(2) * t.size(3);
                    float[] src = t.toFloatArray(), w = new float[o * inChannels * k];
                    for (int i = 0; i < o; i++) System.arraycopy(src, i * c * k, w, i * inChannels * k, c * k);
                    t = Tensor.of(w, o, inChannels, t.size(2), t.size(3));
                }
                tensors.put(name, t);
            }
            SafeTensorsWriter.write(out, tensors);
        }
    }

    static GenerationParams.Builder small() {
        return new GenerationParams.Builder().prompt("a red house").negativePrompt("fog").size(32, 32).steps(3).seed(7).sampler("Euler");
    }

    @Test
    void nineChannelInpaintingModelWithZeroExtraWeightsGivesThePlainModelsImages() throws Exception {
        Path file = dir.resolve("tiny-inpainting.safetensors");
        copy(file, n -> true, 9);
        Files.writeString(dir.resolve("tiny-inpainting.yaml"), Files.readString(Golden.model("tiny-sd15.yaml"))
                .replace("in_channels: 4", "in_channels: 9").replace("conditioning_key: crossattn", "conditioning_key: hybrid"));
        try (StableDiffusionModel inpainting = StableDiffusionModel.load(backend, new ModelFiles(file, null, Golden.model("clip-tokenizer-sd1")))) {
            assertEquals(ModelVariant.INPAINTING, inpainting.variant());
            GeneratedImage a = new Generator(plain).txt2img(small().build(), Progress.NONE).getFirst();
            GeneratedImage b = new Generator(inpainting).txt2img(small().build(), Progress.NONE).getFirst();
            assertClose(a.rgb(), b.rgb());

            byte[] rgb = new byte[32 * 32 * 3], mask = new byte[32 * 32 * 3];
            for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 5);
            for (int i = 0; i < mask.length / 2; i++) mask[i] = (byte) 255;
            GenerationParams p = small().denoisingStrength(0.7).build();
            InitImage init = InitImage.prepare(new RgbImage(rgb, 32, 32), new RgbImage(mask, 32, 32), p);
            assertClose(new Generator(plain).img2img(p, init, Progress.NONE).getFirst().rgb(),
                    new Generator(inpainting).img2img(p, init, Progress.NONE).getFirst().rgb());
        }
    }

    @Test
    void aStandAloneVaeFileReplacesTheCheckpointsAndIsNamedInTheInfotext() {
        Path vae = dir.resolve("tiny.vae.safetensors");
        copy(vae, n -> n.startsWith("first_stage_model."), 4);
        try (StableDiffusionModel withVae = StableDiffusionModel.load(backend, new ModelFiles(Golden.model("tiny-sd15.safetensors"), vae,
                Golden.model("clip-tokenizer-sd1")))) {
            GeneratedImage a = new Generator(plain).txt2img(small().build(), Progress.NONE).getFirst();
            GeneratedImage b = new Generator(withVae).txt2img(small().build(), Progress.NONE).getFirst();
            assertArrayEquals(a.rgb(), b.rgb());
            assertNull(a.info().get("VAE"));
            assertEquals("tiny.vae.safetensors", b.info().get("VAE"));
            assertEquals(10, b.info().get("VAE hash").length());
        }
    }

    static void assertClose(byte[] a, byte[] b) {
        int worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] & 0xff) - (b[i] & 0xff)));
        assertTrue(worst <= 1, "images differ by up to " + worst);
    }
}
