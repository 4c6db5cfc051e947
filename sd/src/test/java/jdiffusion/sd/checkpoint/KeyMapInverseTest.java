package jdiffusion.sd.checkpoint;

import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.vae.VaeConfig;
import jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@link KeyMap#invert}: the loader's ldm table run backwards names and shapes every tensor as the file had it. */
class KeyMapInverseTest {
    /** Renames {@code keys} as the loader does, inverts, and returns source key to (internal key of each piece). */
    private static Map<String, List<String>> roundTrip(KeyMap map, List<String> keys) {
        Map<String, KeyMap.Binding> internal = map.apply(keys, "", "test");
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (KeyMap.Assembly a : map.invert(internal.keySet(), "", "test").values())
            out.put(a.sourceKey(), a.pieces().stream().map(KeyMap.Piece::internal).toList());
        return out;
    }

    @Test
    void invertingTheSd15TablesGivesBackEveryLdmName() {
        List<String> unet = List.of("input_blocks.1.1.proj_in.weight", "input_blocks.3.0.op.weight", "input_blocks.11.0.out_layers.3.weight",
                "middle_block.1.transformer_blocks.0.attn2.to_k.weight", "output_blocks.2.1.conv.weight", "output_blocks.5.2.conv.weight",
                "output_blocks.11.0.skip_connection.weight", "out.0.weight", "time_embed.2.bias", "input_blocks.0.0.weight");
        assertEquals(unet, List.copyOf(roundTrip(LdmNames.unet(UNetConfig.sd1(4)), unet).keySet()));
        List<String> vae = List.of("decoder.up.3.upsample.conv.weight", "decoder.up.0.block.2.conv2.weight", "encoder.down.3.block.1.norm2.bias",
                "decoder.mid.attn_1.proj_out.weight", "encoder.mid.attn_1.q.bias", "encoder.norm_out.weight", "quant_conv.weight");
        assertEquals(vae, List.copyOf(roundTrip(LdmNames.vae(VaeConfig.sd()), vae).keySet()));
    }

    @Test
    void oldTransformersClipNamesAreReadButTheCurrentOnesWritten() {
        Map<String, List<String>> back = roundTrip(LdmNames.clip(), List.of("embeddings.token_embedding.weight", "encoder.layers.0.mlp.fc1.bias",
                "final_layer_norm.weight", "text_model.embeddings.position_ids"));
        assertEquals(List.of("text_model.embeddings.token_embedding.weight", "text_model.encoder.layers.0.mlp.fc1.bias",
                "text_model.final_layer_norm.weight"), List.copyOf(back.keySet()), "ignored buffers are not written back either");
    }

    @Test
    void openClipFusedInProjIsSplitAndConcatenatedBackBitForBit() {
        Map<String, Tensor> file = new LinkedHashMap<>();
        float[] w = new float[12 * 4], b = new float[12];
        for (int i = 0; i < w.length; i++) w[i] = i * 0.25f - 3;
        for (int i = 0; i < b.length; i++) b[i] = -i;
        float[] proj = new float[4 * 6];
        for (int i = 0; i < proj.length; i++) proj[i] = i;
        file.put("transformer.resblocks.0.attn.in_proj_weight", Tensor.of(w, 12, 4));
        file.put("transformer.resblocks.0.attn.in_proj_bias", Tensor.of(b, 12));
        file.put("text_projection", Tensor.of(proj, 4, 6));
        file.put("ln_final.weight", Tensor.of(new float[] {1, 2, 3, 4}, 4));
        KeyMap map = LdmNames.openClip(1);
        Map<String, KeyMap.Binding> bindings = map.apply(new ArrayList<>(file.keySet()), "", "test");
        Map<String, Tensor> internal = new LinkedHashMap<>();
        bindings.forEach((k, bind) -> internal.put(k, bind.view().apply(file.get(bind.sourceKey()))));
        assertArrayEquals(new int[] {4, 4}, internal.get("text_model.encoder.layers.0.self_attn.k_proj.weight").shape());
        assertArrayEquals(new int[] {6, 4}, internal.get("text_projection.weight").shape());

        Map<String, KeyMap.Assembly> back = map.invert(internal.keySet(), "cond_stage_model.model.", "test");
        assertEquals(file.keySet().stream().map(k -> "cond_stage_model.model." + k).sorted().toList(), back.keySet().stream().sorted().toList());
        for (Map.Entry<String, Tensor> e : file.entrySet()) {
            KeyMap.Assembly a = back.get("cond_stage_model.model." + e.getKey());
            List<Float> values = new ArrayList<>();
            int rows = 0;
            for (KeyMap.Piece p : a.pieces()) {
                Tensor t = p.view().unapply(internal.get(p.internal()));
                rows += t.size(0);
                for (float v : t.toFloatArray()) values.add(v);
            }
            assertEquals(e.getValue().size(0), rows, e.getKey());
            float[] want = e.getValue().toFloatArray();
            for (int i = 0; i < want.length; i++) assertEquals(want[i], values.get(i), e.getKey() + " [" + i + "]");
        }
        assertEquals(List.of("text_model.encoder.layers.0.self_attn.q_proj.weight", "text_model.encoder.layers.0.self_attn.k_proj.weight",
                "text_model.encoder.layers.0.self_attn.v_proj.weight"),
                back.get("cond_stage_model.model.transformer.resblocks.0.attn.in_proj_weight").pieces().stream().map(KeyMap.Piece::internal).toList());
    }

    @Test
    void aFusedTensorWithAMissingPieceIsRefused() {
        KeyMap map = LdmNames.openClip(1);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> map.invert(List.of("text_model.encoder.layers.0.self_attn.q_proj.weight",
                "text_model.encoder.layers.0.self_attn.v_proj.weight"), "", "folder"));
        assertTrue(e.getMessage().contains("in_proj_weight") && e.getMessage().contains("only 2"), e.getMessage());
    }

    @Test
    void vaeAttentionLinearsBecomeOneByOneConvsAgain() {
        Tensor linear = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        assertArrayEquals(new int[] {2, 2, 1, 1}, KeyMap.SQUEEZE.unapply(linear).shape());
        assertArrayEquals(new int[] {2}, KeyMap.SQUEEZE.unapply(Tensor.of(new float[] {1, 2}, 2)).shape());
    }
}
