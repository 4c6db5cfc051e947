package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SDXL base, refiner and inpainting told from the keys as the WebUI does; the sgm yaml when present, SDXL defaults when not. */
class SdxlDetectionTest {
    @Test
    void sgmSingleFileWithItsYaml() {
        try (Checkpoint c = Checkpoint.open(Golden.model("tiny-sdxl.safetensors"))) {
            ModelConfig m = c.config();
            assertEquals(ModelFamily.SDXL, m.family());
            assertEquals(ModelVariant.TEXT_TO_IMAGE, m.variant());
            assertEquals(Golden.model("tiny-sdxl.yaml").toString(), m.source());
            assertEquals(0.13025f, m.vae().scalingFactor());
            assertEquals("epsilon", m.predictionType());
            UNetConfig u = m.unet();
            assertEquals(List.of(32, 64, 64), u.blockOutChannels());
            assertEquals(List.of(false, true, true), u.crossAttention());
            assertEquals(List.of(2, 4, 4), u.attentionHeads(), "num_head_channels 16");
            assertEquals(List.of(1, 1, 2), u.transformerDepth());
            assertEquals(80, u.contextDim());
            assertEquals(144, u.vectorDim());
            assertEquals(16, u.timeIdDim());
            assertTrue(u.linearProjection());
            assertNull(m.textEncoder(), "SDXL's text encoders are described by SdxlTextEncoders");
        }
    }

    @Test
    void withoutYamlEverythingButHeadsComesFromTheWeights() {
        try (Checkpoint withYaml = Checkpoint.open(Golden.model("tiny-sdxl.safetensors"));
             Checkpoint bare = Checkpoint.fromSingleFile(ModelFile.open(Golden.model("tiny-sdxl.safetensors")), null)) {
            UNetConfig y = withYaml.config().unet(), w = bare.config().unet();
            assertEquals(ModelFamily.SDXL, bare.config().family());
            // real SDXL's 64-wide heads: the tiny model's 16-wide heads cannot be seen in any shape
            assertEquals(UNetConfig.headsOfWidth(y.blockOutChannels(), 64), w.attentionHeads());
            assertEquals(y.transformerDepth(), w.transformerDepth());
            assertEquals(y.vectorDim(), w.vectorDim());
            assertEquals(16, w.timeIdDim(), "(144 - 48 pooled) / 6 time ids");
            assertEquals(0.13025f, bare.config().vae().scalingFactor());
        }
    }

    @Test
    void refinerSingleFile() {
        try (Checkpoint c = Checkpoint.open(Golden.model("tiny-sdxl-refiner.safetensors"));
             Checkpoint bare = Checkpoint.fromSingleFile(ModelFile.open(Golden.model("tiny-sdxl-refiner.safetensors")), null)) {
            assertEquals(ModelFamily.SDXL_REFINER, c.config().family());
            assertEquals(ModelFamily.SDXL_REFINER, bare.config().family());
            UNetConfig u = c.config().unet();
            assertEquals(List.of(32, 32, 64, 64), u.blockOutChannels());
            assertEquals(List.of(false, true, true, false), u.crossAttention());
            assertEquals(List.of(2, 2, 2, 2), u.transformerDepth());
            assertEquals(48, u.contextDim());
            assertEquals(128, u.vectorDim());
            assertEquals(16, bare.config().unet().timeIdDim(), "(128 - 48 pooled) / 5 time ids");
        }
    }

    @Test
    void nineInputChannelsAreSdxlInpainting() {
        try (TensorFile real = ModelFile.open(Golden.model("tiny-sdxl.safetensors"))) {
            SyntheticTensorFile inpaint = SyntheticTensorFile.copyOf(real, "sdxl-inpaint.safetensors").put("model.diffusion_model.input_blocks.0.0.weight", 32, 9, 3, 3);
            try (Checkpoint c = Checkpoint.fromSingleFile(inpaint, null)) {
                assertEquals(ModelFamily.SDXL, c.config().family());
                assertEquals(ModelVariant.INPAINTING, c.config().variant());
            }
        }
    }

    @Test
    void unetOnlyFileIsToldByItsVectorInput() {
        try (TensorFile real = ModelFile.open(Golden.model("tiny-sdxl-refiner.safetensors"))) {
            SyntheticTensorFile unetOnly = SyntheticTensorFile.copyOf(real, "refiner-unet.safetensors").removeUnder("conditioner.");
            assertEquals(ModelFamily.SDXL, ModelDetector.family(unetOnly), "context 48 is not the refiner's 1280");
            assertEquals(256, ModelDetector.unet(unetOnly, ModelFamily.SDXL).timeIdDim(), "real SDXL's width without a text encoder to tell");
        }
    }

    @Test
    void diffusersFolder() {
        try (Checkpoint c = Checkpoint.open(Golden.model("tiny-sdxl"))) {
            assertEquals(ModelFamily.SDXL, c.config().family());
            assertEquals(0.13025f, c.config().vae().scalingFactor());
            assertEquals(16, c.config().unet().timeIdDim());
            assertEquals(c.config().unet().vectorDim(), 144);
            assertNull(c.config().textEncoder());
        }
    }
}
