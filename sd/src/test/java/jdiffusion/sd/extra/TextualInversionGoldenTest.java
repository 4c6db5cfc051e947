package jdiffusion.sd.extra;

import jdiffusion.sd.TestBackends;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.clip.ClipTextEncoder;
import jdiffusion.sd.clip.ClipTextOutput;
import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.tensor.Tensor;
import jdiffusion.sd.pipeline.PromptEncoder;
import jdiffusion.sd.pipeline.TextConditioning;
import jdiffusion.sd.prompt.ChunkedPrompt;
import jdiffusion.sd.prompt.PromptChunk;
import jdiffusion.sd.prompt.PromptChunker;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A1111 textual inversion (embeddings/ golden): the word's tokens become placeholder slots whose token embeddings are the vectors. */
class TextualInversionGoldenTest {
    static final double ATOL = 1e-4;

    static Backend backend;
    static Checkpoint ckpt;
    static ClipTokenizer tokenizer;
    static ClipTextEncoder encoder;

    @BeforeAll
    static void open() {
        backend = TestBackends.create();
        ckpt = Checkpoint.open(Golden.model("tiny-sd15.safetensors"));
        tokenizer = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
        encoder = new ClipTextEncoder(backend, new Weights(ckpt.textEncoder()), ckpt.config().textEncoder());
    }

    @AfterAll
    static void close() {
        if (ckpt != null) ckpt.close();
        if (backend != null) backend.close();
    }

    static EmbeddingDatabase database(String file) {
        return EmbeddingDatabase.load(tokenizer, 32, List.of(Golden.file("embeddings/" + file)));
    }

    @ParameterizedTest
    @CsvSource({"0,tinyemb.pt", "1,tinyemb.pt", "2,tinyemb.pt", "0,tinyemb.safetensors", "1,tinyemb.safetensors", "2,tinyemb.safetensors"})
    void embeddingVectorsReplaceTheNamesTokensAsTheWebUiDoes(int index, String file) {
        try (Golden.Case c = Golden.open("embeddings/tiny-sd15_ti_" + index)) {
            EmbeddingDatabase db = database(file);
            Embedding e = db.get("tinyemb");
            assertArrayEquals(c.floats("embedding_vectors"), e.vectors());
            String prompt = (String) c.json().get("prompt");
            ChunkedPrompt chunked = new PromptChunker(tokenizer, db, PromptChunker.DEFAULT_COMMA_BACKTRACK, true).chunk(prompt);
            assertEquals(1, chunked.chunks().size());
            PromptChunk chunk = chunked.chunks().getFirst();
            int[][] expectedIds = ClipTextEncoder.ids(c.tensor("input_ids_a1111"));
            assertArrayEquals(expectedIds[0], chunk.tokens(), "A1111 ids with placeholder slots");
            List<ClipTextEncoder.TokenOverride> replaced = new ArrayList<>();
            for (PromptChunk.Placement p : chunk.embeddings())
                replaced.add(new ClipTextEncoder.TokenOverride(0, p.index(), Tensor.of(db.get(p.embedding().name()).vectors(), 2, 32)));
            ClipTextOutput o = encoder.forward(backend, encoder.tokenEmbeddings(backend, expectedIds, replaced), expectedIds);
            assertClose(c.tensor("last_hidden_state"), o.lastHiddenState(), ATOL, 0, "last_hidden_state");
            assertClose(c.tensor("penultimate_ln"), o.penultimateLn(), ATOL, 0, "penultimate_ln");

            PromptEncoder pe = new PromptEncoder(backend, tokenizer, encoder, db);
            TextConditioning cond = pe.encode(List.of(prompt), 1).getFirst();
            assertClose(c.floats("last_hidden_state"), cond.values(), ATOL, 0, "prompt encoder conditioning");
            assertEquals(List.of("tinyemb"), List.copyOf(pe.usedEmbeddings()));
        }
    }

    @Test
    void ptAndSafetensorsFormsHoldTheSameVectorsAndTheFileStemIsTheName() {
        Embedding pt = Embedding.load(Golden.file("embeddings/tinyemb.pt"));
        Embedding st = Embedding.load(Golden.file("embeddings/tinyemb.safetensors"));
        assertEquals("tinyemb", pt.name());
        assertEquals(2, pt.count());
        assertEquals(32, pt.dim());
        assertArrayEquals(pt.vectors(), st.vectors());
    }
}
