package jdiffusion.sd.checkpoint;

import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.vae.VaeConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stock ldm configs (trimmed to the parts that matter, quirks kept) give the SD1.5 and SD2.x shapes. */
class LdmYamlConfigTest {
    private static final String V1 = """
            model:
              base_learning_rate: 1.0e-04
              target: ldm.models.diffusion.ddpm.LatentDiffusion
              params:
                linear_start: 0.00085
                linear_end: 0.0120
                cond_stage_trainable: false   # Note: different from the one we trained before
                scale_factor: 0.18215
                scheduler_config: # 10000 warmup steps
                  target: ldm.lr_scheduler.LambdaLinearScheduler
                  params:
                    warm_up_steps: [ 10000 ]
                    cycle_lengths: [ 10000000000000 ] # incredibly large number to prevent corner cases
                    f_start: [ 1.e-6 ]
                    f_max: [ 1. ]
                personalization_config:
                  params:
                    placeholder_strings: ["*"]
                unet_config:
                  target: ldm.modules.diffusionmodules.openaimodel.UNetModel
                  params:
                    image_size: 32 # unused
                    in_channels: 4
                    out_channels: 4
                    model_channels: 320
                    attention_resolutions: [ 4, 2, 1 ]
                    num_res_blocks: 2
                    channel_mult: [ 1, 2, 4, 4 ]
                    num_heads: 8
                    use_spatial_transformer: True
                    transformer_depth: 1
                    context_dim: 768
                    use_checkpoint: True
                    legacy: False
                first_stage_config:
                  target: ldm.models.autoencoder.AutoencoderKL
                  params:
                    embed_dim: 4
                    ddconfig:
                      double_z: true
                      z_channels: 4
                      in_channels: 3
                      out_ch: 3
                      ch: 128
                      ch_mult:
                      - 1
                      - 2
                      - 4
                      - 4
                      num_res_blocks: 2
                      attn_resolutions: []
                cond_stage_config:
                  target: ldm.modules.encoders.modules.FrozenCLIPEmbedder
            """;

    private static final String V2_V_UNET = """
            model:
              params:
                parameterization: "v"
                unet_config:
                  params:
                    use_fp16: True
                    in_channels: 4
                    out_channels: 4
                    model_channels: 320
                    attention_resolutions: [ 4, 2, 1 ]
                    num_res_blocks: 2
                    channel_mult: [ 1, 2, 4, 4 ]
                    num_head_channels: 64 # need to fix for flash-attn
                    use_spatial_transformer: True
                    use_linear_in_transformer: True
                    transformer_depth: 1
                    context_dim: 1024
                    legacy: False
            """;

    @Test
    void v1InferenceYamlDescribesSd15() {
        ConfigNode params = new ConfigNode(YamlReader.parseMap(V1, "v1-inference.yaml"), "v1").path("model.params");
        assertEquals(UNetConfig.sd1(4), LdmYamlConfig.unet(params.path("unet_config.params"), ModelFamily.SD1));
        assertEquals(VaeConfig.sd(), LdmYamlConfig.vae(params.child("first_stage_config"), params.number("scale_factor", 1)));
        assertEquals(8, VaeConfig.sd().downsamplingFactor());
    }

    @Test
    void v2InferenceVYamlDescribesSd2WithHeadDim64() {
        ConfigNode params = new ConfigNode(YamlReader.parseMap(V2_V_UNET, "v2-inference-v.yaml"), "v2").path("model.params");
        assertEquals(UNetConfig.sd2(4), LdmYamlConfig.unet(params.path("unet_config.params"), ModelFamily.SD2));
        assertEquals("v", params.string("parameterization", null));
    }

    @Test
    void transformerDepthListForAnotherLevelCountIsTheYamlsFault() {
        ConfigNode unet = new ConfigNode(YamlReader.parseMap("""
                model_channels: 32
                channel_mult: [1, 2, 4, 4]
                attention_resolutions: [2, 4]
                num_head_channels: 16
                transformer_depth: [1, 1, 2]
                context_dim: 80
                """, "bad.yaml"), "bad.yaml");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> LdmYamlConfig.unet(unet, ModelFamily.SDXL));
        assertTrue(e.getMessage().startsWith("bad.yaml: ") && e.getMessage().contains("differ in length"), e.getMessage());
    }
}
