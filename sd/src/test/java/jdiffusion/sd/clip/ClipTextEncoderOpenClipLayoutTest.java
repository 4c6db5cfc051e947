package jdiffusion.sd.clip;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.checkpoint.InMemoryTensorFile;
import jdiffusion.sd.checkpoint.ModelFamily;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tensor.testing.TensorAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tiny text encoder re-stored in SD2's OpenCLIP layout (fused in_proj, ln_1, c_fc, ln_final, positional_embedding)
 * must load through the OpenCLIP name map and reproduce the same golden outputs: proof that the map splits and
 * renames exactly. The yaml keeps the tiny model's quick_gelu and asks for the last layer.
 */
class ClipTextEncoderOpenClipLayoutTest {
    private static Tensor fused(SafeTensors f, String layer, String leaf) {
        String p = "cond_stage_model.transformer.text_model.encoder.layers." + layer + ".self_attn.";
        float[] q = f.get(p + "q_proj." + leaf).toFloatArray(), k = f.get(p + "k_proj." + leaf).toFloatArray(), v = f.get(p + "v_proj." + leaf).toFloatArray();
        float[] all = new float[q.length * 3];
        System.arraycopy(q, 0, all, 0, q.length);
        System.arraycopy(k, 0, all, q.length, q.length);
        System.arraycopy(v, 0, all, 2 * q.length, q.length);
        int[] shape = f.get(p + "q_proj." + leaf).shape();
        shape[0] *= 3;
        return Tensor.of(all, shape);
    }

    @Test
    void openClipLayoutOfTheTinyTextEncoderReproducesTheGolden(@TempDir Path dir) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (SafeTensors f = SafeTensors.open(Golden.model("tiny-sd15.safetensors"))) {
            String hf = "cond_stage_model.transformer.text_model.", oc = "cond_stage_model.model.";
            for (String n : f.names()) if (!n.startsWith(hf)) tensors.put(n, f.get(n));
            tensors.put(oc + "token_embedding.weight", f.get(hf + "embeddings.token_embedding.weight"));
            tensors.put(oc + "positional_embedding", f.get(hf + "embeddings.position_embedding.weight"));
            tensors.put(oc + "ln_final.weight", f.get(hf + "final_layer_norm.weight"));
            tensors.put(oc + "ln_final.bias", f.get(hf + "final_layer_norm.bias"));
            for (int i = 0; i < 3; i++) {
                String from = hf + "encoder.layers." + i + ".", to = oc + "transformer.resblocks." + i + ".";
                for (String[] r : new String[][] {{"layer_norm1", "ln_1"}, {"layer_norm2", "ln_2"}, {"mlp.fc1", "mlp.c_fc"},
                        {"mlp.fc2", "mlp.c_proj"}, {"self_attn.out_proj", "attn.out_proj"}})
                    for (String leaf : new String[] {"weight", "bias"}) tensors.put(to + r[1] + "." + leaf, f.get(from + r[0] + "." + leaf));
                tensors.put(to + "attn.in_proj_weight", fused(f, Integer.toString(i), "weight"));
                tensors.put(to + "attn.in_proj_bias", fused(f, Integer.toString(i), "bias"));
            }
            Path yaml = dir.resolve("tiny-openclip.yaml");
            Files.writeString(yaml, Files.readString(Golden.model("tiny-sd15.yaml"))
                    .replace("target: ldm.modules.encoders.modules.FrozenCLIPEmbedder", "target: ldm.modules.encoders.modules.FrozenOpenCLIPEmbedder")
                    .replace("      params:\n        # non-standard", "      params:\n        layer: \"last\"\n        # non-standard"));
            try (Backend backend = new CpuBackend(2);
                 Checkpoint ckpt = InMemoryTensorFile.checkpoint(new InMemoryTensorFile(Path.of("tiny-openclip.safetensors"), tensors), yaml)) {
                assertEquals(ModelFamily.SD2, ckpt.config().family());
                assertEquals(0, ckpt.config().textEncoder().skippedLayers());
                ClipTextEncoder clip = new ClipTextEncoder(backend, new Weights(ckpt.textEncoder()), ckpt.config().textEncoder());
                try (Golden.Case c = Golden.open("clip/tiny-sd15_clip_0")) {
                    ClipTextOutput out = clip.forward(backend, ClipTextEncoder.ids(c.tensor("input_ids")));
                    TensorAssert.assertClose(c.tensor("last_hidden_state"), out.lastHiddenState(), 1e-4, 0, "OpenCLIP layout last_hidden_state");
                    TensorAssert.assertClose(c.tensor("pooled_output"), out.pooled(), 1e-4, 0, "OpenCLIP layout pooled");
                }
            }
            // without "layer", ldm's FrozenOpenCLIPEmbedder default is the penultimate layer: SD2's conditioning
            Path penultimate = dir.resolve("tiny-openclip-penultimate.yaml");
            Files.writeString(penultimate, Files.readString(yaml).replace("        layer: \"last\"\n", ""));
            try (Backend backend = new CpuBackend(2);
                 Checkpoint ckpt = InMemoryTensorFile.checkpoint(new InMemoryTensorFile(Path.of("tiny-openclip.safetensors"), tensors), penultimate);
                 Golden.Case c = Golden.open("clip/tiny-sd15_clip_0")) {
                assertEquals(1, ckpt.config().textEncoder().skippedLayers());
                ClipTextEncoder clip = new ClipTextEncoder(backend, new Weights(ckpt.textEncoder()), ckpt.config().textEncoder());
                ClipTextOutput out = clip.forward(backend, ClipTextEncoder.ids(c.tensor("input_ids")));
                TensorAssert.assertClose(c.tensor("penultimate_ln"), out.lastHiddenState(), 1e-4, 0, "SD2 conditioning = penultimate layer + final norm");
                TensorAssert.assertClose(c.tensor("penultimate_ln"), clip.encode(backend, ClipTextEncoder.ids(c.tensor("input_ids")), 1), 1e-4, 0, "encode at clip skip 1");
                float[] pooled = out.pooled().toFloatArray(), cond = c.floats("penultimate_ln");
                int eos = 0;
                while (c.tensor("input_ids").toLongArray()[eos] != 49407) eos++;
                TensorAssert.assertClose(java.util.Arrays.copyOfRange(cond, eos * 32, eos * 32 + 32), pooled, 1e-4, 0, "pooled from the conditioning layer");
            }
            // diffusers' conversion back to a single file leaves out the last layer, which "penultimate" never runs
            Map<String, Tensor> withoutLast = new LinkedHashMap<>(tensors);
            withoutLast.keySet().removeIf(n -> n.startsWith("cond_stage_model.model.transformer.resblocks.2."));
            try (Backend backend = new CpuBackend(2);
                 Checkpoint ckpt = InMemoryTensorFile.checkpoint(new InMemoryTensorFile(Path.of("tiny-openclip-23.safetensors"), withoutLast), penultimate);
                 Golden.Case c = Golden.open("clip/tiny-sd15_clip_0")) {
                assertEquals(2, ckpt.config().textEncoder().layers());
                assertEquals(0, ckpt.config().textEncoder().skippedLayers());
                ClipTextEncoder clip = new ClipTextEncoder(backend, new Weights(ckpt.textEncoder()), ckpt.config().textEncoder());
                TensorAssert.assertClose(c.tensor("penultimate_ln"), clip.encode(backend, ClipTextEncoder.ids(c.tensor("input_ids")), 1), 1e-4, 0,
                        "a file without the unused last layer conditions as the full one");
            }
        }
    }
}
