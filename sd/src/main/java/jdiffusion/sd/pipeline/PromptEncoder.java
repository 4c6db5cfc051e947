package jdiffusion.sd.pipeline;

import jdiffusion.sd.clip.ClipTextEncoder;
import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.sd.extra.Embedding;
import jdiffusion.sd.extra.EmbeddingDatabase;
import jdiffusion.sd.prompt.ChunkedPrompt;
import jdiffusion.sd.prompt.CompositePrompt;
import jdiffusion.sd.prompt.PromptChunk;
import jdiffusion.sd.prompt.PromptChunker;
import jdiffusion.sd.prompt.PromptSchedules;
import jdiffusion.sd.prompt.ScheduledText;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;

/**
 * Prompts to CLIP conditioning the way the WebUI's {@code FrozenCLIPEmbedderWithCustomWords} does it:
 * <ol>
 *   <li>each text is cut into 75-token windows with per-token emphasis weights ({@link PromptChunker});</li>
 *   <li>window i of every text in the batch is encoded together (texts with fewer windows get empty ones), at the
 *       requested clip skip;</li>
 *   <li>"Original" emphasis: the hidden states are multiplied by their token's weight, then rescaled so the mean over
 *       the whole batch tensor equals the mean before weighting;</li>
 *   <li>the windows are concatenated along the token axis.</li>
 * </ol>
 * The emphasis mean is taken over the batch, so the texts a prompt's schedule switches between are encoded together,
 * as the WebUI's {@code get_learned_conditioning} does.
 */
public final class PromptEncoder {
    private final Backend backend;
    private final ClipTokenizer tokenizer;
    private final ClipTextEncoder encoder;
    private final PromptChunker chunker;
    /** extra networks hook: textual-inversion embeddings usable by name, or null */
    private final EmbeddingDatabase embeddings;
    private final Set<String> usedEmbeddings = new LinkedHashSet<>();

    public PromptEncoder(Backend backend, ClipTokenizer tokenizer, ClipTextEncoder encoder) {
        this(backend, tokenizer, encoder, null);
    }

    /** With textual-inversion {@code embeddings} (null for none) replacing the words that name them. */
    public PromptEncoder(Backend backend, ClipTokenizer tokenizer, ClipTextEncoder encoder, EmbeddingDatabase embeddings) {
        this.backend = backend;
        this.tokenizer = tokenizer;
        this.encoder = encoder;
        this.embeddings = embeddings;
        this.chunker = embeddings == null ? new PromptChunker(tokenizer)
                : new PromptChunker(tokenizer, embeddings, PromptChunker.DEFAULT_COMMA_BACKTRACK, true);
    }

    /** Names of the embeddings the prompts encoded so far used, in first-use order. */
    public Set<String> usedEmbeddings() { return Collections.unmodifiableSet(usedEmbeddings); }

    /** Names of the embeddings {@code prompt} names (for the infotext's "TI hashes"), in order. */
    public Set<String> embeddingsUsedBy(String prompt) {
        Set<String> names = new LinkedHashSet<>();
        if (embeddings == null || prompt.isEmpty()) return names;
        for (PromptChunk c : chunker.chunk(prompt).chunks())
            for (PromptChunk.Placement fix : c.embeddings()) names.add(fix.embedding().name());
        return names;
    }

    public PromptEncoder(StableDiffusionModel model) {
        this(model.backend(), model.tokenizer(), model.textEncoder());
    }

    /** One conditioning per text, encoded as one batch. */
    public List<TextConditioning> encode(List<String> texts, int clipSkip) {
        if (texts.isEmpty()) return List.of();
        List<ChunkedPrompt> chunked = new ArrayList<>();
        int chunkCount = 0;
        for (String t : texts) {
            ChunkedPrompt c = chunker.chunk(t);
            chunked.add(c);
            chunkCount = Math.max(chunkCount, c.chunks().size());
        }
        int batch = texts.size(), window = PromptChunker.CHUNK_LENGTH + 2;
        int dim = encoder.config().hiddenSize();
        float[][] out = new float[batch][chunkCount * window * dim];
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
                    replaced.add(new ClipTextEncoder.TokenOverride(b, fix.index(),
                            Tensor.of(java.util.Arrays.copyOf(e.vectors(), rows * e.dim()), rows, e.dim())));
                }
                ids[b] = chunk.tokensPaddedWith(tokenizer.padId(), tokenizer.eosId());
                // the WebUI builds its multiplier tensor with torch.asarray: float32
                for (int j = 0; j < window; j++) multipliers[b * window + j] = (float) chunk.multipliers()[j];
            }
            Tensor z = replaced.isEmpty() ? encoder.encode(backend, ids, clipSkip)
                    : encoder.encode(backend, encoder.tokenEmbeddings(backend, ids, replaced), clipSkip);
            float[] values = backend.toFloatArray(z);
            applyOriginalEmphasis(values, multipliers, dim);
            for (int b = 0; b < batch; b++)
                System.arraycopy(values, b * window * dim, out[b], ci * window * dim, window * dim);
        }
        List<TextConditioning> result = new ArrayList<>(batch);
        for (float[] o : out) result.add(new TextConditioning(o, chunkCount * window, dim));
        return result;
    }

    /** The schedule of {@code prompt} over {@code steps} denoiser calls: every distinct text of its prompt editing, encoded together. */
    public ConditioningSchedule schedule(String prompt, int steps, int clipSkip) { return schedule(prompt, steps, null, clipSkip); }

    /**
     * The schedule for a hires pass of {@code hiresSteps} denoiser calls after a first pass of {@code steps}
     * (null: a first pass): prompt-editing steps given as integers count from the first pass's start.
     */
    public ConditioningSchedule schedule(String prompt, int steps, Integer hiresSteps, int clipSkip) {
        List<ScheduledText> schedule = PromptSchedules.of(prompt, steps, hiresSteps, false);
        List<String> texts = new ArrayList<>();
        for (ScheduledText s : schedule) texts.add(s.text());
        List<TextConditioning> conds = encode(texts, clipSkip);
        List<ConditioningSchedule.Entry> entries = new ArrayList<>();
        for (int i = 0; i < schedule.size(); i++) entries.add(new ConditioningSchedule.Entry(schedule.get(i).endStep(), conds.get(i)));
        return new ConditioningSchedule(entries);
    }

    /**
     * The WebUI's {@code get_multicond_learned_conditioning} for one prompt: split at {@code AND} into weighted parts,
     * each with its own schedule. Negative prompts are not split (use {@link #schedule}).
     */
    public List<WeightedSchedule> multiSchedule(String prompt, int steps, int clipSkip) { return multiSchedule(prompt, steps, null, clipSkip); }

    /** {@link #multiSchedule(String, int, int)} for a hires pass of {@code hiresSteps} (null: a first pass). */
    public List<WeightedSchedule> multiSchedule(String prompt, int steps, Integer hiresSteps, int clipSkip) {
        List<WeightedSchedule> out = new ArrayList<>();
        for (CompositePrompt.WeightedPrompt part : CompositePrompt.split(prompt))
            out.add(new WeightedSchedule(schedule(part.text(), steps, hiresSteps, clipSkip), part.weight()));
        return out;
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
