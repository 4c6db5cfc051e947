package jdiffusion.kernels;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;

/**
 * Every op of the {@link Backend} contract against {@code ../shared/golden/ops/} (torch float32 results).
 * Each backend runs the same cases by extending this class; tolerances are the golden README's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendOpsGoldenTest {
    protected static final double ATOL = 1e-5, RTOL = 1e-4;
    protected Backend backend;

    protected abstract Backend createBackend();

    @BeforeAll void start() { backend = createBackend(); }

    @AfterAll void stop() { if (backend != null) backend.close(); }

    /** Runs {@code op} on the case's inputs (uploaded to the backend) and compares with {@code y}. */
    private void check(String name, double atol, java.util.function.Function<Golden.Case, Tensor> op) {
        try (Golden.Case c = Golden.open("ops/" + name)) {
            Tensor y = op.apply(c);
            assertClose(c.tensor("y"), y, atol, RTOL, backend.name() + " " + name);
        }
    }

    protected Tensor in(Golden.Case c, String name) { return c.has(name) ? backend.upload(c.tensor(name)) : null; }

    @ParameterizedTest
    @ValueSource(strings = {"conv2d_1x1", "conv2d_3x3_nobias", "conv2d_3x3_s1_p1", "conv2d_3x3_s2_p1", "conv2d_3x3_s2_p1_odd", "conv2d_conv_in_4to32"})
    void conv2dMatchesTorch(String name) {
        check(name, ATOL, c -> {
            Tensor w = in(c, "w");
            int stride = name.contains("_s2") ? 2 : 1, pad = w.size(2) == 3 ? 1 : 0;
            return backend.conv2d(in(c, "x"), w, in(c, "b"), stride, pad);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"group_norm_32g_eps1e-5", "group_norm_32g_eps1e-6", "group_norm_silu_32g_eps1e-5", "group_norm_silu_32g_eps1e-6"})
    void groupNormMatchesTorch(String name) {
        check(name, ATOL, c -> backend.groupNorm(in(c, "x"), 32, in(c, "weight"), in(c, "bias"),
                ((Number) c.json().get("eps")).floatValue(), name.contains("silu")));
    }

    @Test
    void groupNormStaysAccurateOnOffsetInput() {
        check("group_norm_32g_offset_input", 2e-3, c -> backend.groupNorm(in(c, "x"), 32, in(c, "weight"), in(c, "bias"), 1e-6f, false));
    }

    @Test
    void layerNormMatchesTorch() {
        check("layer_norm", ATOL, c -> backend.layerNorm(in(c, "x"), in(c, "weight"), in(c, "bias"), 1e-5f));
    }

    @ParameterizedTest
    @ValueSource(strings = {"linear", "linear_nobias"})
    void linearMatchesTorch(String name) {
        check(name, ATOL, c -> backend.linear(in(c, "x"), in(c, "w"), in(c, "b")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"softmax_lastdim", "softmax_large_values"})
    void softmaxMatchesTorch(String name) {
        check(name, ATOL, c -> backend.softmax(in(c, "x")));
    }

    @Test void geluMatchesTorchErfForm() { check("gelu_erf", ATOL, c -> backend.gelu(in(c, "x"))); }

    @Test void geluTanhMatchesTorch() { check("gelu_tanh", ATOL, c -> backend.geluTanh(in(c, "x"))); }

    @Test void quickGeluMatchesTorch() { check("quick_gelu", ATOL, c -> backend.quickGelu(in(c, "x"))); }

    @Test void siluMatchesTorch() { check("silu", ATOL, c -> backend.silu(in(c, "x"))); }

    @Test
    void gegluFeedForwardMatchesDiffusers() {
        check("geglu_feedforward", ATOL, c -> {
            Tensor h = backend.linear(in(c, "x"), in(c, "net.0.proj.weight"), in(c, "net.0.proj.bias"));
            return backend.linear(backend.geglu(h), in(c, "net.2.weight"), in(c, "net.2.bias"));
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"sdpa_cross_hd64_Lq64_Lk77", "sdpa_cross_hd8_Lq256_Lk77", "sdpa_self_hd40_L64", "sdpa_self_hd4_L64",
            "sdpa_self_hd8_L1024", "sdpa_self_hd8_L256"})
    void attentionMatchesTorch(String name) {
        check(name, ATOL, c -> backend.attention(in(c, "q"), in(c, "k"), in(c, "v"), 1, false));
    }

    @Test
    void attentionWithHeadsInChannelsEqualsPerHeadBatches() {
        // [B*H, L, d] golden layout re-packed as [B, L, H*d]: the heads argument must give the same numbers
        try (Golden.Case c = Golden.open("ops/sdpa_cross_hd8_Lq256_Lk77")) {
            int heads = 4;
            Tensor q = c.tensor("q"), k = c.tensor("k"), v = c.tensor("v"), y = c.tensor("y");
            int bh = q.size(0), d = q.size(2);
            Tensor out = backend.attention(backend.upload(packHeads(q, heads)), backend.upload(packHeads(k, heads)),
                    backend.upload(packHeads(v, heads)), heads, false);
            assertClose(packHeads(y, heads).toFloatArray(), out.toFloatArray(), ATOL, RTOL, "heads packed " + bh + "x" + d);
        }
    }

    /** [B*H, L, d] -> [B, L, H*d]. */
    static Tensor packHeads(Tensor t, int heads) {
        int bh = t.size(0), l = t.size(1), d = t.size(2);
        return t.reshape(bh / heads, heads, l, d).permute(0, 2, 1, 3).contiguous().reshape(bh / heads, l, heads * d);
    }

    @Test
    void upsampleNearest2xIsExact() {
        check("upsample_nearest_2x", 0, c -> {
            Tensor x = in(c, "x");
            return backend.upsampleNearest(x, x.size(2) * 2, x.size(3) * 2);
        });
    }

    @Test
    void upsampleNearestToSizeIsExact() {
        check("upsample_nearest_to_size", 0, c -> backend.upsampleNearest(in(c, "x"), 7, 9));
    }
}
