package jdiffusion.sd.unet;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.nn.GroupNorm;
import jdiffusion.nn.LayerNorm;
import jdiffusion.nn.Weights;
import jdiffusion.sd.pipeline.CrossAttentionMaps;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The attention maps' raw material: {@link Backend#attentionProbabilities} on the CPU against the scalar reference, and
 * the per-layer maps {@link CrossAttentionMaps} collects from a UNet run against probabilities recomputed here from the
 * golden intermediates (softmax of scaled Q·Kᵀ).
 */
class CrossAttentionMapsTest {
    static Backend cpu;
    static DiffusersUNetFolder folder;

    @BeforeAll
    static void load() {
        cpu = new CpuBackend(2);
        folder = new DiffusersUNetFolder(Golden.model("tiny-sd15/unet"));
    }

    @AfterAll
    static void close() {
        if (folder != null) folder.close();
        if (cpu != null) cpu.close();
    }

    private static Tensor random(Random r, int... shape) {
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * 2);
        return Tensor.of(v, shape);
    }

    @Test
    void cpuProbabilitiesMatchTheReferenceAndEachRowSumsToOne() {
        Random r = new Random(3);
        Tensor q = random(r, 2, 37, 3 * 5), k = random(r, 2, 11, 3 * 5);
        float[] ours = cpu.toFloatArray(cpu.attentionProbabilities(q, k, 3));
        float[] ref;
        try (ReferenceBackend reference = new ReferenceBackend()) {
            ref = reference.attentionProbabilities(q, k, 3).toFloatArray();
        }
        assertEquals(2 * 3 * 37 * 11, ours.length);
        for (int i = 0; i < ours.length; i++) assertEquals(ref[i], ours[i], 1e-6, "element " + i);
        for (int row = 0; row < 2 * 3 * 37; row++) {
            double sum = 0;
            for (int j = 0; j < 11; j++) sum += ours[row * 11 + j];
            assertEquals(1.0, sum, 1e-5, "row " + row);
        }
    }

    @Test
    void aLayersRawMapIsTheSoftmaxOfScaledQueryKeyProductsFromTheGoldenIntermediates() {
        String layer = "down_blocks.0.attentions.0.transformer_blocks.0.attn2";
        Weights w = new Weights(folder);
        try (Golden.Case c = Golden.open("unet/tiny-sd15_unet_t500")) {
            Tensor ehs = c.tensor("encoder_hidden_states");
            int heads = folder.config().attentionHeads().getFirst();
            CrossAttentionMaps maps = new CrossAttentionMaps(8, 8, 77, layer::equals, s -> true);
            UNet plain = new UNet(cpu, w, folder.config());
            UNet observed = plain.observed(maps);
            float[] out = cpu.toFloatArray(observed.forward(c.tensor("sample"), c.tensor("timestep"), ehs, null));
            assertArrayEquals(cpu.toFloatArray(plain.forward(c.tensor("sample"), c.tensor("timestep"), ehs, null)), out, "looking changes nothing");
            assertEquals(1, maps.calls());

            // the attention's input from the golden conv_in and time embedding through resnet 0, checked against the golden
            // skip tensor that the block's first (resnet, attention) pair emits
            Weights block = w.child("down_blocks").child(0);
            ResBlock resnet = new ResBlock(cpu, block.child("resnets").child(0), 32, 32, 32, 1e-5f);
            Tensor h = resnet.forward(cpu, c.tensor("intermediate.conv_in"), cpu.silu(c.tensor("intermediate.time_embedding")));
            SpatialTransformer st = new SpatialTransformer(cpu, block.child("attentions").child(0), 32, heads, 1, 32);
            assertClose(c.tensor("intermediate.down_blocks.0.res_samples.0"), st.forward(cpu, h, ehs), 1e-4, 0, "res_samples.0");

            Weights attn = block.child("attentions").child(0);
            Tensor n = new GroupNorm(cpu, attn.child("norm"), 32, SpatialTransformer.NORM_EPS).forward(cpu, h);
            Tensor tokens = cpu.contiguous(n.permute(0, 2, 3, 1)).reshape(2, 64, 32);
            Tensor t = new TokenProjection(cpu, attn.child("proj_in")).forward(cpu, tokens);
            Weights tb = attn.child("transformer_blocks").child(0);
            Tensor n1 = new LayerNorm(cpu, tb.child("norm1"), BasicTransformerBlock.NORM_EPS).forward(cpu, t);
            Tensor hidden = cpu.add(new CrossAttention(cpu, tb.child("attn1"), heads).forward(cpu, n1, n1), t);
            float[] x = new LayerNorm(cpu, tb.child("norm2"), BasicTransformerBlock.NORM_EPS).forward(cpu, hidden).toFloatArray();
            float[] wq = tb.child("attn2").child("to_q").get("weight").toFloatArray(), wk = tb.child("attn2").child("to_k").get("weight").toFloatArray();
            float[] e = ehs.toFloatArray();
            int inner = 32, d = inner / heads, ctx = 32;
            double[][] q = new double[64][inner], k = new double[77][inner];
            for (int i = 0; i < 64; i++)
                for (int o = 0; o < inner; o++)
                    for (int j = 0; j < 32; j++) q[i][o] += (double) x[i * 32 + j] * wq[o * 32 + j]; // batch row 0
            for (int i = 0; i < 77; i++)
                for (int o = 0; o < inner; o++)
                    for (int j = 0; j < ctx; j++) k[i][o] += (double) e[i * ctx + j] * wk[o * ctx + j];
            double[] expected = new double[77 * 64]; // [token, pixel], summed over heads
            for (int hd = 0; hd < heads; hd++)
                for (int i = 0; i < 64; i++) {
                    double[] s = new double[77];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < 77; j++) {
                        for (int p = 0; p < d; p++) s[j] += q[i][hd * d + p] * k[j][hd * d + p];
                        s[j] /= Math.sqrt(d);
                        max = Math.max(max, s[j]);
                    }
                    for (int j = 0; j < 77; j++) sum += s[j] = Math.exp(s[j] - max);
                    for (int j = 0; j < 77; j++) expected[j * 64 + i] += s[j] / sum;
                }
            float[] raw = maps.layerMaps().get(layer);
            assertArrayEquals(new int[]{8, 8}, maps.layerSize(layer));
            for (int i = 0; i < raw.length; i++) assertEquals(expected[i], raw[i], 1e-5, "token " + i / 64 + " pixel " + i % 64);
            for (int i = 0; i < 64; i++) {
                double sum = 0;
                for (int j = 0; j < 77; j++) sum += raw[j * 64 + i];
                assertEquals(heads, sum, 1e-4, "probabilities over the tokens sum to 1 per head at pixel " + i);
            }
            // at the latent's own size the aggregate of one layer and one call is that layer's map
            float[] agg = maps.aggregate();
            for (int i = 0; i < raw.length; i++) assertEquals(raw[i], agg[i], 1e-6);
        }
    }

    @Test
    void everyCrossAttentionLayerIsSeenAndSmallerOnesAreUpsampled() {
        try (Golden.Case c = Golden.open("unet/tiny-sd15_unet_odd_10x14")) {
            CrossAttentionMaps maps = new CrossAttentionMaps(10, 14, 77, l -> true, s -> true);
            new UNet(cpu, new Weights(folder), folder.config()).observed(maps)
                    .forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null);
            // CrossAttnDown x2 blocks (2 each) + CrossAttnUp x2 blocks (3 each); the tiny mid block has one too
            assertTrue(maps.calls() >= 10, "calls " + maps.calls());
            assertTrue(maps.skippedLayers().isEmpty());
            assertArrayEquals(new int[]{5, 7}, maps.layerSize("down_blocks.1.attentions.0.transformer_blocks.0.attn2"));
            float[] agg = maps.aggregate();
            double perPixel = 0;
            for (int t = 0; t < 77; t++) perPixel += agg[t * 140 + 17];
            int heads = folder.config().attentionHeads().getFirst();
            assertEquals((double) maps.calls() * heads, perPixel, 1e-3, "bilinear upsampling keeps each layer's per-pixel total");
        }
    }
}
