package jdiffusion.sd.unet;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.WeightSource;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The configuration switches SD2 and other models use (Linear projections, deeper transformers, per-level heads),
 * checked on the tiny model through transformations whose result diffusers' semantics fix exactly.
 */
class UNetVariantsTest {
    static Backend backend;
    static DiffusersUNetFolder folder;

    @BeforeAll
    static void load() {
        backend = new CpuBackend();
        folder = new DiffusersUNetFolder(Golden.model("tiny-sd15/unet"));
    }

    @AfterAll
    static void close() {
        if (folder != null) folder.close();
        if (backend != null) backend.close();
    }

    static UNetConfig with(UNetConfig c, boolean linearProjection, List<Integer> heads, List<Integer> depth) {
        return new UNetConfig(c.inChannels(), c.outChannels(), c.blockOutChannels(), c.layersPerBlock(), c.crossAttention(),
                heads, depth, c.contextDim(), linearProjection, c.normGroups(), c.normEps(), c.flipSinToCos(), c.freqShift(), c.upcastAttention());
    }

    /** A view of the tiny weights with keys added or changed by {@code map} (null keeps the file's tensor). */
    static WeightSource rewritten(Set<String> keys, java.util.function.Function<String, Tensor> map) {
        return new WeightSource() {
            @Override public Tensor find(String key) {
                Tensor t = map.apply(key);
                return t != null ? t : folder.find(key);
            }
            @Override public Set<String> keys() { return keys; }
        };
    }

    @Test
    void linearProjectionWeightsGiveTheSameResultAsOneByOneConvs() {
        // SD2 stores proj_in/proj_out as Linear [C, C] and applies them after the NCHW -> tokens reshape; SD1 as 1x1 convs before it
        WeightSource linear = rewritten(folder.keys(), key -> {
            if (!key.matches(".*\\.proj_(in|out)\\.weight")) return null;
            Tensor t = folder.find(key);
            return t.reshape(t.size(0), t.size(1));
        });
        UNet unet = new UNet(backend, new Weights(linear), with(folder.config(), true, folder.config().attentionHeads(), folder.config().transformerDepth()));
        try (Golden.Case c = Golden.open("unet/tiny-sd15_unet_t500")) {
            Tensor out = unet.forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null);
            assertClose(c.tensor("noise_pred"), out, UNetGoldenTest.ATOL, 0, "linear projections");
        }
    }

    @Test
    void deeperTransformersChainTheirBlocks() {
        // a second BasicTransformerBlock whose output layers are zero adds nothing to the residual stream, so a
        // depth-2 model built that way must reproduce the depth-1 golden output; its other weights are block 0's
        Set<String> keys = new HashSet<>(folder.keys());
        for (String k : folder.keys()) if (k.contains(".transformer_blocks.0.")) keys.add(k.replace(".transformer_blocks.0.", ".transformer_blocks.1."));
        List<String> asked = new ArrayList<>();
        WeightSource deeper = rewritten(keys, key -> {
            if (!key.contains(".transformer_blocks.1.")) return null;
            asked.add(key);
            Tensor t = folder.find(key.replace(".transformer_blocks.1.", ".transformer_blocks.0."));
            if (t == null) return null;
            boolean zero = key.matches(".*\\.(attn1|attn2)\\.to_out\\.0\\.(weight|bias)") || key.matches(".*\\.ff\\.net\\.2\\.(weight|bias)");
            return zero ? Tensor.zeros(t.shape()) : t;
        });
        UNet unet = new UNet(backend, new Weights(deeper), with(folder.config(), false, folder.config().attentionHeads(), List.of(2, 2, 2)));
        assertTrue(asked.stream().anyMatch(k -> k.startsWith("up_blocks.2.attentions.2.transformer_blocks.1.ff")), "second blocks were loaded");
        assertTrue(asked.stream().anyMatch(k -> k.startsWith("mid_block.attentions.0.transformer_blocks.1.")), "mid block is deeper too");
        try (Golden.Case c = Golden.open("unet/tiny-sd15_unet_t_per_sample_fractional")) {
            Tensor out = unet.forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null);
            assertClose(c.tensor("noise_pred"), out, UNetGoldenTest.ATOL, 0, "depth 2 with silent second blocks");
        }
    }

    @Test
    void headsFollowTheLevelGoingDownAndComingUp() {
        List<Integer> heads = new ArrayList<>();
        Backend recording = new DelegatingBackend(backend) {
            @Override public Tensor attention(Tensor q, Tensor k, Tensor v, int h, boolean causal) {
                heads.add(h);
                return super.attention(q, k, v, h, causal);
            }
        };
        // levels have 32, 64, 64 channels; only levels 0 and 1 have transformers, the mid block uses the last level's heads
        UNet unet = new UNet(recording, new Weights(folder), with(folder.config(), false, List.of(2, 4, 16), folder.config().transformerDepth()));
        try (Golden.Case c = Golden.open("unet/tiny-sd15_unet_t1")) {
            unet.forward(c.tensor("sample").narrow(0, 0, 1), new float[] {1f}, c.tensor("encoder_hidden_states").narrow(0, 0, 1), null);
        }
        // two attentions (self, cross) per transformer: down 0 x2, down 1 x2, mid x1, up 1 x3, up 2 x3
        List<Integer> expected = new ArrayList<>();
        for (int[] run : new int[][] {{2, 2}, {4, 2}, {16, 1}, {4, 3}, {2, 3}})
            for (int i = 0; i < 2 * run[1]; i++) expected.add(run[0]);
        assertEquals(expected, heads);
    }

    @Test
    void conditioningOfAnotherWidthIsRefusedWithAHint() {
        UNet unet = new UNet(backend, new Weights(folder), folder.config());
        UNetException e = assertThrows(UNetException.class,
                () -> unet.forward(Tensor.zeros(1, 4, 8, 8), new float[] {10}, Tensor.zeros(1, 77, 768), null));
        assertTrue(e.getMessage().contains("768"), e.getMessage());
    }

    @Test
    void timestepCountMustBeOneOrTheBatch() {
        UNet unet = new UNet(backend, new Weights(folder), folder.config());
        assertThrows(UNetException.class, () -> unet.forward(Tensor.zeros(2, 4, 8, 8), new float[] {1, 2, 3}, Tensor.zeros(2, 77, 32), null));
    }

}
