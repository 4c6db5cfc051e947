package jdiffusion.sd.checkpoint;

import jdiffusion.sd.clip.ClipTextConfig;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.tensor.json.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** diffusers/transformers config.json semantics, including the attention_head_dim-means-heads quirk of SD1/SD2 UNets. */
class DiffusersConfigTest {
    private static ConfigNode json(String text) { return new ConfigNode(Json.parseObject(text), "config.json"); }

    @Test
    void sd21UNetConfigGivesPerLevelHeadsLinearProjectionsAndUpcast() {
        UNetConfig u = DiffusersConfig.unet(json("""
                {"_class_name": "UNet2DConditionModel", "act_fn": "silu", "attention_head_dim": [5, 10, 20, 20],
                 "block_out_channels": [320, 640, 1280, 1280], "cross_attention_dim": 1024,
                 "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
                 "in_channels": 4, "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 4, "sample_size": 96,
                 "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
                 "upcast_attention": true, "use_linear_projection": true, "num_attention_heads": null}"""));
        UNetConfig sd2 = UNetConfig.sd2(4);
        assertEquals(sd2.attentionHeads(), u.attentionHeads());
        assertEquals(List.of(64, 64, 64, 64), List.of(u.headDim(0), u.headDim(1), u.headDim(2), u.headDim(3)));
        assertTrue(u.linearProjection());
        assertTrue(u.upcastAttention());
        assertEquals(1024, u.contextDim());
        assertEquals(sd2.crossAttention(), u.crossAttention());
    }

    @Test
    void sd2TextEncoderConfigIsGeluWith23LayersAndNoExtraSkip() {
        ClipTextConfig t = DiffusersConfig.clip(json("""
                {"hidden_act": "gelu", "hidden_size": 1024, "intermediate_size": 4096, "num_attention_heads": 16,
                 "num_hidden_layers": 23, "max_position_embeddings": 77, "vocab_size": 49408, "layer_norm_eps": 1e-05}"""), ModelFamily.SD2);
        assertEquals(ClipTextConfig.Activation.GELU, t.activation());
        assertEquals(23, t.layers());
        assertEquals(0, t.skippedLayers());
        assertEquals(0, t.padTokenId());
    }

    @Test
    void sdxlUNetConfigIsRealSdxlAndOtherAdditionEmbeddingsAreRefused() {
        UNetConfig sdxl = DiffusersConfig.unet(json("""
                {"addition_embed_type": "text_time", "addition_time_embed_dim": 256, "attention_head_dim": [5, 10, 20],
                 "block_out_channels": [320, 640, 1280], "cross_attention_dim": 2048, "projection_class_embeddings_input_dim": 2816,
                 "transformer_layers_per_block": [1, 2, 10], "use_linear_projection": true,
                 "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"]}"""));
        assertEquals(UNetConfig.sdxl(4), sdxl);
        assertThrows(UnsupportedModelException.class, () -> DiffusersConfig.unet(json("""
                {"addition_embed_type": "image", "block_out_channels": [320, 640, 1280],
                 "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"]}""")));
    }
}
