package jdiffusion.sd.clip;

import jdiffusion.sd.TestBackends;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tensor.testing.TensorAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClipTextEncoderGoldenTest {
    private static final double ATOL = 1e-4;
    private static Backend backend;

    @BeforeAll static void start() { backend = TestBackends.create(); }

    @AfterAll static void stop() { if (backend != null) backend.close(); }

    private static void checkAllCases(String model) {
        try (Checkpoint ckpt = Checkpoint.open(Golden.model(model))) {
            ClipTextEncoder clip = new ClipTextEncoder(backend, new Weights(ckpt.textEncoder()), ckpt.config().textEncoder());
            for (int i = 0; i < 5; i++) {
                try (Golden.Case c = Golden.open("clip/tiny-sd15_clip_" + i)) {
                    int[][] ids = ClipTextEncoder.ids(c.tensor("input_ids"));
                    ClipTextOutput out = clip.forward(backend, ids);
                    String what = model + " case " + i;
                    for (int h = 0; h < out.hiddenStates().size(); h++)
                        TensorAssert.assertClose(c.tensor("hidden_states." + h), out.hiddenStates().get(h), ATOL, 0, what + " hidden_states." + h);
                    TensorAssert.assertClose(c.tensor("last_hidden_state"), out.lastHiddenState(), ATOL, 0, what + " last_hidden_state");
                    TensorAssert.assertClose(c.tensor("penultimate_ln"), out.penultimateLn(), ATOL, 0, what + " penultimate_ln");
                    TensorAssert.assertClose(c.tensor("pooled_output"), out.pooled(), ATOL, 0, what + " pooled_output");
                    TensorAssert.assertClose(c.tensor("penultimate_ln"), clip.encode(backend, ids, 2), ATOL, 0, what + " encode(clip skip 2)");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-sd15.safetensors", "tiny-sd15/"})
    void textEncoderMatchesTransformersInBothLayouts(String model) { checkAllCases(model); }
}
