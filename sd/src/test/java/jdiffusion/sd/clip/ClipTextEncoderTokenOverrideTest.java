package jdiffusion.sd.clip;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tensor.testing.TensorAssert;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

/**
 * A1111's textual inversion: token-embedding output rows at the placeholder positions are overwritten by the
 * embedding's vectors, positions still added. The golden placeholders are id 0, one per vector, in a row.
 */
class ClipTextEncoderTokenOverrideTest {
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void overriddenTokenRowsReproduceTheWebUiTextualInversionConditioning(int n) {
        try (Backend b = new CpuBackend(2); Checkpoint ckpt = Checkpoint.open(Golden.model("tiny-sd15.safetensors"));
             Golden.Case c = Golden.open("embeddings/tiny-sd15_ti_" + n)) {
            ClipTextEncoder clip = new ClipTextEncoder(b, new Weights(ckpt.textEncoder()), ckpt.config().textEncoder());
            int[][] ids = ClipTextEncoder.ids(c.tensor("input_ids_a1111"));
            Tensor vectors = c.tensor("embedding_vectors");
            List<ClipTextEncoder.TokenOverride> overrides = new java.util.ArrayList<>();
            for (int j = 0; j < ids[0].length; j++) {
                if (ids[0][j] == 0) {
                    overrides.add(new ClipTextEncoder.TokenOverride(0, j, vectors));
                    j += vectors.size(0) - 1;
                }
            }
            Tensor tokens = clip.tokenEmbeddings(b, ids, overrides);
            ClipTextOutput out = clip.forward(b, tokens, ids);
            TensorAssert.assertClose(c.tensor("last_hidden_state"), out.lastHiddenState(), 1e-4, 0, "TI last_hidden_state");
            TensorAssert.assertClose(c.tensor("penultimate_ln"), out.penultimateLn(), 1e-4, 0, "TI penultimate_ln");
            TensorAssert.assertClose(c.tensor("penultimate_ln"), clip.encode(b, tokens, 2), 1e-4, 0, "TI encode clip skip 2");
        }
    }
}
