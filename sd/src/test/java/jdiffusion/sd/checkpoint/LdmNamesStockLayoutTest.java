package jdiffusion.sd.checkpoint;

import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.vae.VaeConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The table's block arithmetic on the full-size SD1.5 layout: 4 levels, 12 input and 12 output blocks, an 8x VAE. */
class LdmNamesStockLayoutTest {
    private static Map<String, String> renamed(KeyMap map, Map<String, String> expected) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, KeyMap.Binding> e : map.apply(new ArrayList<>(expected.keySet()), "", "sd15").entrySet())
            out.put(e.getValue().sourceKey(), e.getKey());
        return out;
    }

    @Test
    void sd15UNetBlockIndicesMapToDiffusersBlocks() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("input_blocks.1.1.proj_in.weight", "down_blocks.0.attentions.0.proj_in.weight");
        expected.put("input_blocks.3.0.op.weight", "down_blocks.0.downsamplers.0.conv.weight");
        expected.put("input_blocks.9.0.op.bias", "down_blocks.2.downsamplers.0.conv.bias");
        expected.put("input_blocks.11.0.out_layers.3.weight", "down_blocks.3.resnets.1.conv2.weight");
        expected.put("middle_block.1.transformer_blocks.0.attn2.to_k.weight", "mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight");
        expected.put("middle_block.2.emb_layers.1.weight", "mid_block.resnets.1.time_emb_proj.weight");
        expected.put("output_blocks.2.1.conv.weight", "up_blocks.0.upsamplers.0.conv.weight");
        expected.put("output_blocks.3.1.norm.weight", "up_blocks.1.attentions.0.norm.weight");
        expected.put("output_blocks.5.2.conv.weight", "up_blocks.1.upsamplers.0.conv.weight");
        expected.put("output_blocks.8.2.conv.bias", "up_blocks.2.upsamplers.0.conv.bias");
        expected.put("output_blocks.11.1.proj_out.weight", "up_blocks.3.attentions.2.proj_out.weight");
        expected.put("output_blocks.11.0.skip_connection.weight", "up_blocks.3.resnets.2.conv_shortcut.weight");
        expected.put("out.0.weight", "conv_norm_out.weight");
        expected.put("time_embed.2.bias", "time_embedding.linear_2.bias");
        assertEquals(expected, renamed(LdmNames.unet(UNetConfig.sd1(4)), expected));
    }

    @Test
    void sd15VaeDecoderLevelsCountDownInLdm() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("decoder.up.3.upsample.conv.weight", "decoder.up_blocks.0.upsamplers.0.conv.weight");
        expected.put("decoder.up.1.upsample.conv.weight", "decoder.up_blocks.2.upsamplers.0.conv.weight");
        expected.put("decoder.up.0.block.2.conv2.weight", "decoder.up_blocks.3.resnets.2.conv2.weight");
        expected.put("decoder.up.1.block.0.nin_shortcut.weight", "decoder.up_blocks.2.resnets.0.conv_shortcut.weight");
        expected.put("encoder.down.2.downsample.conv.weight", "encoder.down_blocks.2.downsamplers.0.conv.weight");
        expected.put("encoder.down.3.block.1.norm2.bias", "encoder.down_blocks.3.resnets.1.norm2.bias");
        expected.put("decoder.mid.attn_1.proj_out.weight", "decoder.mid_block.attentions.0.to_out.0.weight");
        expected.put("encoder.norm_out.weight", "encoder.conv_norm_out.weight");
        assertEquals(expected, renamed(LdmNames.vae(VaeConfig.sd()), expected));
        // the last level has no downsampler and level 0 of the decoder no upsampler
        for (String absent : List.of("encoder.down.3.downsample.conv.weight", "decoder.up.0.upsample.conv.weight"))
            assertThrows(ModelLoadException.class, () -> LdmNames.vae(VaeConfig.sd()).apply(List.of(absent), "", "sd15"), absent);
    }
}
