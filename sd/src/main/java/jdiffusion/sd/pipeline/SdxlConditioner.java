package jdiffusion.sd.pipeline;

import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.SdxlTextEncoders;
import jdiffusion.sd.clip.ClipTextEncoder;
import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.sd.extra.EmbeddingDatabase;
import jdiffusion.sd.prompt.EmbeddingLookup;
import jdiffusion.sd.prompt.PromptChunker;
import jdiffusion.sd.prompt.PromptSchedules;
import jdiffusion.sd.prompt.ScheduledText;
import jdiffusion.sd.unet.TimeIds;
import jdiffusion.tensor.Backend;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * SDXL's conditioner as the WebUI 1.10 runs sgm's {@code GeneralConditioner} ({@code sd_models_xl.get_learned_conditioning}):
 * <ul>
 *   <li>each text encoder chunks the prompts independently ({@link PromptWindows}: 75-token windows, BREAK, comma
 *       back-off, "Original" emphasis per encoder); CLIP-L with the Hugging Face tokenizer padding with EOS, bigG with
 *       open_clip's padding with 0;</li>
 *   <li>both take {@code hidden_states[-2]} without the final norm; {@code crossattn} = CLIP-L's channels then bigG's,
 *       windows concatenated along the tokens;</li>
 *   <li>{@code vector} = bigG's pooled output of the first window (before emphasis), then a sinusoidal embedding
 *       (cos first, as the UNet's timestep) of each of original height, width, crop top, left, then target height,
 *       width (base) or the aesthetic score (refiner);</li>
 *   <li>a negative batch of nothing but empty prompts is zeroed ({@code force_zero_embeddings=['txt']}): crossattn and
 *       pooled are zeros, the size embeddings stay.</li>
 * </ul>
 * A1111's "Clip skip" does not apply to SDXL (its {@code sdxl_clip_l_skip} option is off by default).
 */
public final class SdxlConditioner {
    private final Backend backend;
    private final ClipTextEncoder clipL, bigG;
    private final PromptWindows clipLWindows, bigGWindows;
    private final PromptChunker firstChunker;
    private final EmbeddingDatabase embeddings;
    private final TimeIds sizeEmbedding;
    private final boolean aestheticScore;
    private final int vectorDim;
    private final Set<String> usedEmbeddings = new LinkedHashSet<>();

    /**
     * @param tokenizer  the CLIP vocabulary (SDXL's {@code tokenizer/}; Hugging Face flavor); bigG uses the same
     *                   vocabulary with open_clip's text handling
     * @param embeddings SDXL textual-inversion embeddings ({@link EmbeddingDatabase#loadSdxl}), or null for none
     */
    public SdxlConditioner(Backend backend, SdxlTextEncoders text, ClipTokenizer tokenizer, EmbeddingDatabase embeddings) {
        if (embeddings != null && !embeddings.isSdxl())
            throw new IllegalArgumentException("the SDXL conditioner needs an SDXL embedding database (EmbeddingDatabase.loadSdxl)");
        this.backend = backend;
        this.embeddings = embeddings;
        EmbeddingLookup lookup = embeddings == null ? EmbeddingLookup.NONE : embeddings;
        ClipTokenizer hf = tokenizer.withFlavor(ClipTokenizer.Flavor.HUGGING_FACE), openClip = tokenizer.withFlavor(ClipTokenizer.Flavor.OPEN_CLIP);
        this.bigG = new ClipTextEncoder(backend, new Weights(text.bigG()), text.bigGConfig());
        PromptChunker bigGChunker = new PromptChunker(openClip, lookup, PromptChunker.DEFAULT_COMMA_BACKTRACK, true);
        this.bigGWindows = new PromptWindows(backend, bigGChunker, embeddings, e -> e.sdxlVectors().clipG(),
                text.bigGConfig().padTokenId(), openClip.eosId(), text.bigGConfig().hiddenSize());
        if (text.hasClipL()) {
            this.clipL = new ClipTextEncoder(backend, new Weights(text.clipL()), text.clipLConfig());
            PromptChunker clipLChunker = new PromptChunker(hf, lookup, PromptChunker.DEFAULT_COMMA_BACKTRACK, true);
            this.clipLWindows = new PromptWindows(backend, clipLChunker, embeddings, e -> e.sdxlVectors().clipL(),
                    text.clipLConfig().padTokenId(), hf.eosId(), text.clipLConfig().hiddenSize());
            this.firstChunker = clipLChunker;
        } else {
            this.clipL = null;
            this.clipLWindows = null;
            this.firstChunker = bigGChunker;
        }
        this.sizeEmbedding = new TimeIds(text.sizeEmbeddingDim());
        this.aestheticScore = text.aestheticScore();
        this.vectorDim = text.vectorDim();
    }

    /** Width of the vector ({@code adm_in_channels}). */
    public int vectorDim() { return vectorDim; }

    /** True for the refiner: the vector ends with the aesthetic score instead of the target size. */
    public boolean usesAestheticScore() { return aestheticScore; }

    /** Names of the embeddings the prompts encoded so far used, in first-use order. */
    public Set<String> usedEmbeddings() { return Collections.unmodifiableSet(usedEmbeddings); }

    /** Names of the embeddings {@code prompt} names (for the infotext's "TI hashes"), in order. */
    public Set<String> embeddingsUsedBy(String prompt) {
        Set<String> names = new LinkedHashSet<>();
        if (embeddings == null || prompt.isEmpty()) return names;
        for (var c : firstChunker.chunk(prompt).chunks())
            for (var fix : c.embeddings()) names.add(fix.embedding().name());
        return names;
    }

    /**
     * One conditioning per text, encoded as one batch (the emphasis mean is over the batch, as in the WebUI).
     * {@code negative}: the texts are negative prompts (an all-empty batch is zeroed).
     */
    public List<SdxlConditioning> encode(List<String> texts, SdxlSizeConditioning size, boolean negative) {
        if (texts.isEmpty()) return List.of();
        int batch = texts.size();
        int lDim = clipL == null ? 0 : clipL.config().hiddenSize(), gDim = bigG.config().hiddenSize();
        int pooledDim = bigG.config().projectionDim(), dim = lDim + gDim;
        float[] sizes = size.values(aestheticScore);
        List<SdxlConditioning> out = new ArrayList<>(batch);
        if (negative && texts.stream().allMatch(String::isEmpty)) {
            // sgm zeroes the text embedders' outputs, whose shape is one window; the size embeddings stay
            int tokens = PromptChunker.CHUNK_LENGTH + 2;
            for (int b = 0; b < batch; b++) out.add(new SdxlConditioning(new TextConditioning(new float[tokens * dim], tokens, dim), sizeEmbedding.vector(new float[pooledDim], sizes, 1)));
            return out;
        }
        PromptWindows.Encoded g = bigGWindows.encode(texts, (ids, replaced, first) ->
                bigG.penultimate(backend, bigG.tokenEmbeddings(backend, ids, replaced), ids, first), usedEmbeddings);
        PromptWindows.Encoded l = clipL == null ? null : clipLWindows.encode(texts, (ids, replaced, first) ->
                clipL.penultimate(backend, clipL.tokenEmbeddings(backend, ids, replaced), ids, false), usedEmbeddings);
        if (l != null && l.tokens() != g.tokens())
            throw new PipelineException("the prompt splits into " + l.tokens() / 77 + " windows for CLIP-L but " + g.tokens() / 77
                    + " for OpenCLIP-bigG (their tokenizers read it differently): shorten or simplify it");
        float[] pooled = backend.toFloatArray(g.pooled());
        for (int b = 0; b < batch; b++) {
            float[] cross = new float[g.tokens() * dim];
            for (int t = 0; t < g.tokens(); t++) {
                if (l != null) System.arraycopy(l.states()[b], t * lDim, cross, t * dim, lDim);
                System.arraycopy(g.states()[b], t * gDim, cross, t * dim + lDim, gDim);
            }
            out.add(new SdxlConditioning(new TextConditioning(cross, g.tokens(), dim),
                    sizeEmbedding.vector(java.util.Arrays.copyOfRange(pooled, b * pooledDim, (b + 1) * pooledDim), sizes, 1)));
        }
        return out;
    }

    /** A conditioning in use up to denoiser step {@code endStep} (prompt editing). */
    public record Scheduled(int endStep, SdxlConditioning conditioning) {}

    /** The schedule of {@code prompt} over {@code steps} steps: every distinct text of its prompt editing, encoded together. */
    public List<Scheduled> schedule(String prompt, int steps, SdxlSizeConditioning size, boolean negative) {
        List<ScheduledText> schedule = PromptSchedules.of(prompt, steps);
        List<String> texts = new ArrayList<>();
        for (ScheduledText s : schedule) texts.add(s.text());
        List<SdxlConditioning> conds = encode(texts, size, negative);
        List<Scheduled> out = new ArrayList<>();
        for (int i = 0; i < schedule.size(); i++) out.add(new Scheduled(schedule.get(i).endStep(), conds.get(i)));
        return out;
    }
}
