package jdiffusion.sd.pipeline;

import jdiffusion.sd.TestBackends;
import jdiffusion.sd.checkpoint.SdxlTextEncoders;
import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.sd.extra.Embedding;
import jdiffusion.sd.extra.EmbeddingDatabase;
import jdiffusion.sd.extra.ExtraNetworkException;
import jdiffusion.sd.prompt.PromptChunk;
import jdiffusion.sd.prompt.PromptChunker;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SDXL textual inversion (sdxl/tiny-sdxl_ti_tinyxl): one embedding file of {@code clip_l} and {@code clip_g} rows, each
 * replacing the placeholder slots in its own encoder; emphasis applies to the slots; the pooled vector changes too.
 */
class SdxlTextualInversionGoldenTest {
    private static final double ATOL = 1e-4;
    private static final double HALF_WEIGHTS_ATOL = 1e-2;
    private static Backend backend;
    private static ClipTokenizer tokenizer;

    @BeforeAll static void start() {
        backend = TestBackends.create();
        tokenizer = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
    }

    @AfterAll static void stop() { if (backend != null) backend.close(); }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-sdxl.safetensors", "tiny-sdxl/", "tiny-sdxl.fp16.safetensors"})
    @SuppressWarnings("unchecked")
    void embeddingVectorsReplaceTheNameInBothEncoders(String model) {
        double atol = model.contains("fp16") ? HALF_WEIGHTS_ATOL : ATOL;
        try (SdxlTextEncoders text = SdxlTextEncoders.open(Golden.model(model));
             Golden.Case c = Golden.open("sdxl/tiny-sdxl_ti_tinyxl")) {
            EmbeddingDatabase db = EmbeddingDatabase.loadSdxl(tokenizer, 32, 48, List.of(Golden.file("sdxl/tinyxl.safetensors")));
            Embedding e = db.get("tinyxl");
            assertEquals(2, e.count());
            assertArrayEquals(c.floats("clip_l"), e.sdxlVectors().clipL());
            assertArrayEquals(c.floats("clip_g"), e.sdxlVectors().clipG());
            SdxlConditioner conditioner = new SdxlConditioner(backend, text, tokenizer, db);
            List<String> prompts = (List<String>) c.json().get("prompts");
            int width = ((Number) c.json().get("width")).intValue(), height = ((Number) c.json().get("height")).intValue();
            PromptChunker chunker = new PromptChunker(tokenizer, db, PromptChunker.DEFAULT_COMMA_BACKTRACK, true);
            for (int i = 0; i < prompts.size(); i++) {
                String p = "prompt" + i;
                PromptChunk chunk = chunker.chunk(prompts.get(i)).chunks().getFirst();
                long[] expectedTokens = c.tensor(p + ".tokens_clip_l").toLongArray();
                for (int j = 0; j < expectedTokens.length; j++) assertEquals(expectedTokens[j], chunk.tokens()[j], p + " token " + j);
                SdxlConditioning cond = conditioner.encode(List.of(prompts.get(i)), SdxlSizeConditioning.webUi(width, height, 0, 0, false), false).getFirst();
                assertClose(c.floats(p + ".crossattn"), cond.crossattn().values(), atol, 0, model + " " + p + " crossattn");
                assertClose(c.floats(p + ".vector"), cond.vector(), atol, 0, model + " " + p + " vector");
            }
            assertEquals(List.of("tinyxl"), List.copyOf(conditioner.usedEmbeddings()));
            assertEquals(List.of("tinyxl"), List.copyOf(conditioner.embeddingsUsedBy(prompts.getFirst())));
        }
    }

    @Test
    void anEmbeddingOfTheOtherFamilyIsRefusedNamingBoth() {
        EmbeddingDatabase sdxl = EmbeddingDatabase.loadSdxl(tokenizer, 32, 48, List.of(Golden.file("embeddings/tinyemb.safetensors")));
        ExtraNetworkException onSdxl = assertThrows(ExtraNetworkException.class, () -> sdxl.get("tinyemb"));
        assertTrue(onSdxl.getMessage().contains("SDXL") && onSdxl.getMessage().contains("tinyemb.safetensors"), onSdxl.getMessage());

        EmbeddingDatabase sd1 = EmbeddingDatabase.load(tokenizer, 768, List.of(Golden.file("sdxl/tinyxl.safetensors")));
        ExtraNetworkException onSd1 = assertThrows(ExtraNetworkException.class, () -> sd1.find(tokenizer.encode("tinyxl"), 0));
        assertTrue(onSd1.getMessage().contains("SDXL embedding") && onSd1.getMessage().contains("SD 1.x"), onSd1.getMessage());

        EmbeddingDatabase refiner = EmbeddingDatabase.loadSdxl(tokenizer, 0, 48, List.of(Golden.file("sdxl/tinyxl.safetensors")));
        assertEquals(2, refiner.get("tinyxl").count(), "a refiner uses clip_g alone");
        EmbeddingDatabase wide = EmbeddingDatabase.loadSdxl(tokenizer, 768, 1280, List.of(Golden.file("sdxl/tinyxl.safetensors")));
        ExtraNetworkException widths = assertThrows(ExtraNetworkException.class, () -> wide.get("tinyxl"));
        assertTrue(widths.getMessage().contains("32/48") && widths.getMessage().contains("768/1280"), widths.getMessage());
    }
}
