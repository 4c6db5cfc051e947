package jdiffusion.sd.checkpoint;

import jdiffusion.nn.WeightSource;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The ldm-to-diffusers table against the tiny model stored both ways: every single-file tensor lands on a name the
 * diffusers folder has, every diffusers tensor is reached, and the tensors are bit-identical.
 */
class LdmNamesCompletenessTest {
    private static void assertSameWeights(String component, WeightSource single, WeightSource diffusers) {
        Set<String> onlySingle = new TreeSet<>(single.keys());
        onlySingle.removeAll(diffusers.keys());
        Set<String> onlyDiffusers = new TreeSet<>(diffusers.keys());
        onlyDiffusers.removeAll(single.keys());
        if (!onlySingle.isEmpty() || !onlyDiffusers.isEmpty())
            fail(component + ": names only from the single file " + onlySingle + ", only in the diffusers folder " + onlyDiffusers);
        for (String k : diffusers.keys()) {
            Tensor a = single.find(k), b = diffusers.find(k);
            assertArrayEquals(b.shape(), a.shape(), component + " " + k + " shape");
            assertArrayEquals(b.toFloatArray(), a.toFloatArray(), component + " " + k + " values");
        }
    }

    @Test
    void everySingleFileTensorMapsOntoTheDiffusersTensorBitForBit() {
        try (Checkpoint single = Checkpoint.open(Golden.model("tiny-sd15.safetensors"));
             Checkpoint diffusers = Checkpoint.open(Golden.model("tiny-sd15"))) {
            assertSameWeights("unet", single.unet(), diffusers.unet());
            assertSameWeights("vae", single.vae(), diffusers.vae());
            assertSameWeights("text encoder", single.textEncoder(), diffusers.textEncoder());
            assertEquals(683 - 12 - 1, single.unet().keys().size() + single.vae().keys().size() + single.textEncoder().keys().size(),
                    "all 683 tensors but the 12 DDPM buffers and position_ids are weights");
        }
    }

    @Test
    void halfPrecisionFileMapsTheSameNamesAndKeepsF16WithoutCopies() {
        try (Checkpoint half = Checkpoint.open(Golden.model("tiny-sd15.fp16.safetensors"));
             Checkpoint full = Checkpoint.open(Golden.model("tiny-sd15.safetensors"))) {
            for (Function<Checkpoint, WeightSource> part : java.util.List.<Function<Checkpoint, WeightSource>>of(Checkpoint::unet, Checkpoint::vae, Checkpoint::textEncoder)) {
                WeightSource h = part.apply(half), f = part.apply(full);
                assertEquals(f.keys(), h.keys());
                for (String k : h.keys()) {
                    Tensor t = h.find(k);
                    assertEquals(jdiffusion.tensor.DType.F16, t.dtype(), k);
                    // a view into the mapping, not a heap copy
                    assertEquals(null, t.heapArrayOrNull(), k);
                }
            }
        }
    }

    @Test
    void vaeAttentionConvWeightsBecomeLinearViewsAndDecoderLevelsAreReversed() {
        try (Checkpoint single = Checkpoint.open(Golden.model("tiny-sd15.safetensors"))) {
            MappedWeights vae = (MappedWeights) single.vae();
            assertArrayEquals(new int[] {64, 64}, vae.find("decoder.mid_block.attentions.0.to_q.weight").shape());
            assertEquals("first_stage_model.decoder.mid.attn_1.q.weight", vae.sourceKey("decoder.mid_block.attentions.0.to_q.weight"));
            assertEquals("first_stage_model.decoder.up.1.upsample.conv.weight", vae.sourceKey("decoder.up_blocks.0.upsamplers.0.conv.weight"));
            assertEquals("first_stage_model.decoder.up.0.block.0.nin_shortcut.weight", vae.sourceKey("decoder.up_blocks.1.resnets.0.conv_shortcut.weight"));
            MappedWeights unet = (MappedWeights) single.unet();
            assertEquals("model.diffusion_model.output_blocks.2.1.conv.weight", unet.sourceKey("up_blocks.0.upsamplers.0.conv.weight"));
            assertEquals("model.diffusion_model.output_blocks.5.2.conv.weight", unet.sourceKey("up_blocks.1.upsamplers.0.conv.weight"));
            assertEquals("model.diffusion_model.input_blocks.6.0.op.weight", unet.sourceKey("down_blocks.1.downsamplers.0.conv.weight"));
            assertEquals("model.diffusion_model.input_blocks.4.0.skip_connection.weight", unet.sourceKey("down_blocks.1.resnets.0.conv_shortcut.weight"));
        }
    }
}
