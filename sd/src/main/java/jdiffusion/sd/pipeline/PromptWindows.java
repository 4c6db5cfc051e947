package jdiffusion.sd.pipeline;

import jdiffusion.sd.clip.ClipTextEncoder;
import jdiffusion.sd.extra.Embedding;
import jdiffusion.sd.extra.EmbeddingDatabase;
import jdiffusion.sd.prompt.ChunkedPrompt;
import jdiffusion.sd.prompt.PromptChunk;
import jdiffusion.sd.prompt.PromptChunker;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The WebUI's per-text-encoder prompt loop ({@code FrozenCLIPEmbedderWithCustomWordsBase.forward}): each text is cut
 * into 75-token windows ({@link PromptChunker}); window i of every text in the batch is encoded together (texts with
 * fewer windows get empty ones), with the ids after the first EOS set to the encoder's pad id and embedding vectors in
 * their slots; "Original" emphasis is applied to each window of the batch; the windows are concatenated along the
 * token axis. SD1/SD2 run it once ({@link PromptEncoder}), SDXL once per text encoder ({@link SdxlConditioner}).
 */
final class PromptWindows {
    /** One text encoder as the loop calls it. */
    @FunctionalInterface
    interface Tower {
        /**
         * Encodes one window of every text: {@code ids} {@code [B][77]}, embedding rows replaced by {@code overrides};
         * {@code first} is the first window (the only one whose pooled output is used, when the tower has one).
         */
        ClipTextEncoder.PenultimateStates encode(int[][] ids, List<ClipTextEncoder.TokenOverride> overrides, boolean first);
    }

    /**
     * @param states per text, {@code [tokens, dim]} row-major
     * @param pooled the first window's pooled output {@code [B, P]} (before emphasis), or null
     */
    record Encoded(float[][] states, int tokens, int dim, Tensor pooled) {}

    private final Backend backend;
    private final PromptChunker chunker;
    private final EmbeddingDatabase embeddings;
    private final Function<Embedding, float[]> vectorsOf;
    private final int padId, eosId, dim;

    /**
     * @param embeddings textual-inversion embeddings the chunker places (null for none)
     * @param vectorsOf  an embedding's {@code [count, dim]} rows for this encoder (SDXL files hold one set per encoder)
     */
    PromptWindows(Backend backend, PromptChunker chunker, EmbeddingDatabase embeddings, Function<Embedding, float[]> vectorsOf,
                  int padId, int eosId, int dim) {
        this.backend = backend;
        this.chunker = chunker;
        this.embeddings = embeddings;
        this.vectorsOf = vectorsOf;
        this.padId = padId;
        this.eosId = eosId;
        this.dim = dim;
    }

    /** The texts' windows, each text padded with empty windows to the longest one's count. */
    Encoded encode(List<String> texts, Tower tower, Set<String> usedEmbeddings) {
        List<ChunkedPrompt> chunked = new ArrayList<>();
        int chunkCount = 0;
        for (String t : texts) {
            ChunkedPrompt c = chunker.chunk(t);
            chunked.add(c);
            chunkCount = Math.max(chunkCount, c.chunks().size());
        }
        int batch = texts.size(), window = PromptChunker.CHUNK_LENGTH + 2;
        float[][] out = new float[batch][chunkCount * window * dim];
        Tensor pooled = null;
        for (int ci = 0; ci < chunkCount; ci++) {
            int[][] ids = new int[batch][];
            float[] multipliers = new float[batch * window];
            List<ClipTextEncoder.TokenOverride> replaced = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                List<PromptChunk> chunks = chunked.get(b).chunks();
                PromptChunk chunk = ci < chunks.size() ? chunks.get(ci) : chunker.emptyChunk();
                for (PromptChunk.Placement fix : chunk.embeddings()) {
                    Embedding e = embeddings.get(fix.embedding().name());
                    usedEmbeddings.add(e.name());
                    // the WebUI cuts an embedding's vectors at the window's end
                    int rows = Math.min(e.count(), window - fix.index());
                    replaced.add(new ClipTextEncoder.TokenOverride(b, fix.index(), Tensor.of(Arrays.copyOf(vectorsOf.apply(e), rows * dim), rows, dim)));
                }
                ids[b] = chunk.tokensPaddedWith(padId, eosId);
                // the WebUI builds its multiplier tensor with torch.asarray: float32
                for (int j = 0; j < window; j++) multipliers[b * window + j] = (float) chunk.multipliers()[j];
            }
            ClipTextEncoder.PenultimateStates z = tower.encode(ids, replaced, ci == 0);
            if (ci == 0) pooled = z.pooled();
            float[] values = backend.toFloatArray(z.states());
            applyOriginalEmphasis(values, multipliers, dim);
            for (int b = 0; b < batch; b++)
                System.arraycopy(values, b * window * dim, out[b], ci * window * dim, window * dim);
        }
        return new Encoded(out, chunkCount * window, dim, pooled);
    }

    /**
     * The WebUI's {@code EmphasisOriginal}: {@code z *= w} per token, then {@code z *= mean_before / mean_after}, means over
     * the whole {@code [batch, 77, dim]} tensor (float32 values, accumulated in double).
     */
    static void applyOriginalEmphasis(float[] z, float[] tokenWeights, int dim) {
        float before = mean(z);
        for (int t = 0; t < tokenWeights.length; t++) {
            float w = tokenWeights[t];
            for (int d = 0; d < dim; d++) z[t * dim + d] *= w;
        }
        float after = mean(z);
        float ratio = before / after;
        for (int i = 0; i < z.length; i++) z[i] *= ratio;
    }

    private static float mean(float[] a) {
        double s = 0;
        for (float v : a) s += v;
        return (float) (s / a.length);
    }
}
