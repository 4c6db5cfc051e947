package jdiffusion.sd.pipeline;

import jdiffusion.sd.clip.ClipTextEncoder;
import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.sd.extra.Embedding;
import jdiffusion.sd.extra.EmbeddingDatabase;
import jdiffusion.sd.prompt.CompositePrompt;
import jdiffusion.sd.prompt.PromptChunk;
import jdiffusion.sd.prompt.PromptChunker;
import jdiffusion.sd.prompt.PromptSchedules;
import jdiffusion.sd.prompt.ScheduledText;
import jdiffusion.tensor.Backend;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;

/**
 * Prompts to SD1/SD2 CLIP conditioning the way the WebUI's {@code FrozenCLIPEmbedderWithCustomWords} does it
 * ({@link PromptWindows}: 75-token windows encoded at the requested clip skip, "Original" emphasis, concatenated).
 * The emphasis mean is taken over the batch, so the texts a prompt's schedule switches between are encoded together,
 * as the WebUI's {@code get_learned_conditioning} does.
 */
public final class PromptEncoder {
    private final Backend backend;
    private final ClipTokenizer tokenizer;
    private final ClipTextEncoder encoder;
    private final PromptChunker chunker;
    private final PromptWindows windows;
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
        this.windows = new PromptWindows(backend, chunker, embeddings, Embedding::vectors, tokenizer.padId(), tokenizer.eosId(),
                encoder.config().hiddenSize());
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
        PromptWindows.Encoded e = windows.encode(texts, (ids, replaced, first) -> new ClipTextEncoder.PenultimateStates(replaced.isEmpty()
                ? encoder.encode(backend, ids, clipSkip)
                : encoder.encode(backend, encoder.tokenEmbeddings(backend, ids, replaced), clipSkip), null), usedEmbeddings);
        List<TextConditioning> result = new ArrayList<>(texts.size());
        for (float[] o : e.states()) result.add(new TextConditioning(o, e.tokens(), e.dim()));
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
}
