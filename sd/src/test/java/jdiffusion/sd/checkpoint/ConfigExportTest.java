package jdiffusion.sd.checkpoint;

import jdiffusion.sd.clip.ClipTextConfig;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.vae.VaeConfig;
import jdiffusion.tensor.json.Json;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The configs {@code jsd convert} writes ({@link DiffusersExport}, {@link LdmYamlExport}) read back by our own readers
 * into the configuration they were written from, for the full-size SD1.5, SD2 768-v and SD1.5 inpainting shapes.
 */
class ConfigExportTest {
    private static ModelConfig sd15() {
        return new ModelConfig(ModelFamily.SD1, ModelVariant.TEXT_TO_IMAGE, "epsilon", UNetConfig.sd1(4), VaeConfig.sd(), ClipTextConfig.sd1(),
                DiffusionSchedule.sd(), "test", false);
    }

    private static ModelConfig sd2v() {
        return new ModelConfig(ModelFamily.SD2, ModelVariant.TEXT_TO_IMAGE, "v_prediction", UNetConfig.sd2(4), VaeConfig.sd(), ClipTextConfig.sd2(),
                DiffusionSchedule.sd(), "test", false);
    }

    private static ConfigNode json(Map<String, Object> written) {
        return new ConfigNode(Json.parseObject(Json.writePretty(written)), "written");
    }

    @Test
    void diffusersConfigsReadBackAsTheConfigTheyWereWrittenFrom() {
        for (ModelConfig m : List.of(sd15(), sd2v())) {
            assertEquals(m.unet(), DiffusersConfig.unet(json(DiffusersExport.unetConfig(m.unet(), 64))), m.family().toString());
            assertEquals(m.vae(), DiffusersConfig.vae(json(DiffusersExport.vaeConfig(m.vae(), 512))));
            ClipTextConfig folderText = DiffusersExport.textEncoderConfig(m.textEncoder());
            assertEquals(folderText, DiffusersConfig.clip(json(DiffusersExport.textEncoderJson(folderText, "float16")), m.family()));
            ConfigNode scheduler = json(DiffusersExport.schedulerConfig(m));
            assertEquals(m.predictionType(), scheduler.string("prediction_type", ""));
            assertEquals(new DiffusionSchedule(1000, 0.00085, 0.012, "scaled_linear", false), DiffusersConfig.schedule(scheduler));
        }
        assertEquals(23, DiffusersExport.textEncoderConfig(ClipTextConfig.sd2()).layers(), "diffusers' SD2 text encoder stops at the penultimate layer");
        assertEquals(List.of(5, 10, 20, 20), DiffusersExport.unetConfig(UNetConfig.sd2(4), 96).get("attention_head_dim"));
        assertEquals(8, DiffusersExport.unetConfig(UNetConfig.sd1(4), 64).get("attention_head_dim"));
    }

    @Test
    void ldmYamlReadsBackAsTheConfigItWasWrittenFrom() {
        for (ModelConfig m : List.of(sd15(), sd2v())) {
            String yaml = LdmYamlExport.yaml(m, m.textEncoder(), 64);
            ConfigNode params = new ConfigNode(YamlReader.parseMap(yaml, "written.yaml"), "written.yaml").path("model.params");
            assertEquals(m.unet(), LdmYamlConfig.unet(params.path("unet_config.params"), m.family()), m.family().toString());
            assertEquals(m.vae(), LdmYamlConfig.vae(params.child("first_stage_config"), params.number("scale_factor", 0)));
            assertEquals(m.isVPrediction() ? "v" : "eps", params.string("parameterization", "eps"));
            assertEquals(0.00085, params.number("linear_start", 0));
            assertEquals(0.012, params.number("linear_end", 0));
            assertEquals(64, params.integer("image_size", 0));
            assertFalse(params.path("cond_stage_config.params").has("tiny_text_config"), "stock text encoders need no description");
        }
        String sd2 = LdmYamlExport.yaml(sd2v(), ClipTextConfig.sd2(), 96);
        assertTrue(sd2.contains("FrozenOpenCLIPEmbedder") && sd2.contains("layer: \"penultimate\"") && sd2.contains("num_head_channels: 64"), sd2);
    }

    @Test
    void anSd2FolderCutToTwentyThreeLayersIsDescribedAsViTHAtItsPenultimateLayer() {
        ModelConfig folder = new ModelConfig(ModelFamily.SD2, ModelVariant.TEXT_TO_IMAGE, "v_prediction", UNetConfig.sd2(4), VaeConfig.sd(),
                ClipTextConfig.sd2().withLayers(23, 0), DiffusionSchedule.sd(), "t", false);
        assertEquals(ClipTextConfig.sd2(), SingleFileExport.textEncoderConfig(folder));
        ModelConfig last = new ModelConfig(ModelFamily.SD2, ModelVariant.TEXT_TO_IMAGE, "v_prediction", UNetConfig.sd2(4), VaeConfig.sd(),
                ClipTextConfig.sd2().withLayers(24, 0), DiffusionSchedule.sd(), "t", false);
        assertEquals(last.textEncoder(), SingleFileExport.textEncoderConfig(last), "a full ViT-H run to its last layer stays so");
        assertTrue(LdmYamlExport.yaml(last, last.textEncoder(), 96).contains("layer: \"last\""));
    }

    @Test
    void inpaintingModelsGetTheirOwnPipelineAndLdmClass() {
        ModelConfig m = new ModelConfig(ModelFamily.SD1, ModelVariant.INPAINTING, "epsilon", UNetConfig.sd1(9), VaeConfig.sd(), ClipTextConfig.sd1(),
                DiffusionSchedule.sd(), "test", false);
        String yaml = LdmYamlExport.yaml(m, m.textEncoder(), 64);
        assertTrue(yaml.contains("LatentInpaintDiffusion") && yaml.contains("conditioning_key: hybrid") && yaml.contains("in_channels: 9"), yaml);
        assertEquals("StableDiffusionInpaintPipeline", DiffusersExport.modelIndex(ModelVariant.INPAINTING, true, true).get("_class_name"));
    }

    @Test
    void headsThatLdmCannotDescribeAreRefused() {
        UNetConfig odd = new UNetConfig(4, 4, List.of(64, 128), 1, List.of(true, true), List.of(2, 8), List.of(1, 1), 64, false, 32, 1e-5f, true, 0, false);
        ModelConfig m = new ModelConfig(ModelFamily.SD1, ModelVariant.TEXT_TO_IMAGE, "epsilon", odd, VaeConfig.sd(), null, DiffusionSchedule.sd(), "t", false);
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> LdmYamlExport.yaml(m, null, 64));
        assertTrue(e.getMessage().contains("ldm cannot describe"), e.getMessage());
    }
}
