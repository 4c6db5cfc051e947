package jdiffusion.sd.prompt;

import jdiffusion.sd.clip.ClipTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The WebUI's prompt chunking for CLIP ({@code sd_hijack_clip.py tokenize_line}, v1.10.1): parse emphasis, tokenize each
 * run, and pack the tokens into windows of 75 with per-token weights.
 *
 * <ul>
 *   <li>{@code BREAK} closes the current window (padding it) and starts a new one.</li>
 *   <li>When a window is full and a comma lies within the last {@code commaBacktrack} tokens, the tokens after that
 *       comma move to the next window, so a phrase is not cut in half (WebUI option
 *       {@code comma_padding_backtrack}, default 20; 0 turns it off).</li>
 *   <li>An embedding's placeholder slots never straddle two windows.</li>
 *   <li>Each window is padded to 75 with EOS (weight 1), then wrapped as {@code [BOS] + 75 + [EOS]}.</li>
 * </ul>
 * The WebUI tokenizes SD1/SDXL prompts with HF's tokenizer and SD2 prompts with open_clip's: pass a tokenizer of
 * {@link ClipTokenizer.Flavor#OPEN_CLIP} flavor for SD2, and give the encoder
 * {@link PromptChunk#tokensPaddedWith(int, int)} with pad id 0.
 */
public final class PromptChunker {
    public static final int CHUNK_LENGTH = 75;
    public static final int DEFAULT_COMMA_BACKTRACK = 20;

    private final ClipTokenizer tokenizer;
    private final EmbeddingLookup embeddings;
    private final int commaBacktrack;
    private final boolean emphasis;
    private final int bos;
    private final int eos;
    private final int comma;

    /** WebUI defaults: emphasis on, comma back-off 20, no embeddings. */
    public PromptChunker(ClipTokenizer tokenizer) {
        this(tokenizer, EmbeddingLookup.NONE, DEFAULT_COMMA_BACKTRACK, true);
    }

    /**
     * @param emphasis false for the WebUI's emphasis mode "None": the line is one run of weight 1 and
     *                 brackets and BREAK are plain text
     */
    public PromptChunker(ClipTokenizer tokenizer, EmbeddingLookup embeddings, int commaBacktrack, boolean emphasis) {
        this.tokenizer = tokenizer;
        this.embeddings = embeddings;
        this.commaBacktrack = commaBacktrack;
        this.emphasis = emphasis;
        this.bos = tokenizer.bosId();
        this.eos = tokenizer.eosId();
        this.comma = tokenizer.commaId();
    }

    /** A window holding no prompt tokens: BOS then 76 EOS, weights 1 (pads shorter prompts in a batch). */
    public PromptChunk emptyChunk() {
        int[] t = new int[CHUNK_LENGTH + 2];
        Arrays.fill(t, eos);
        t[0] = bos;
        double[] m = new double[CHUNK_LENGTH + 2];
        Arrays.fill(m, 1.0);
        return new PromptChunk(t, m, List.of());
    }

    public ChunkedPrompt chunk(String line) {
        return new Packer().pack(emphasis ? PromptAttention.parse(line) : List.of(new WeightedText(line, 1.0)));
    }

    private final class Packer {
        final List<PromptChunk> chunks = new ArrayList<>();
        List<Integer> tokens = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        List<PromptChunk.Placement> fixes = new ArrayList<>();
        int tokenCount = 0;
        int lastComma = -1;

        ChunkedPrompt pack(List<WeightedText> parsed) {
            for (WeightedText run : parsed) {
                if (run.isBreak()) {
                    nextChunk(false);
                    continue;
                }
                int[] ids = tokenizer.encode(run.text());
                int position = 0;
                while (position < ids.length) {
                    int token = ids[position];
                    if (token == comma) {
                        lastComma = tokens.size();
                    } else if (commaBacktrack != 0 && tokens.size() == CHUNK_LENGTH && lastComma != -1
                            && tokens.size() - lastComma <= commaBacktrack) {
                        int cut = lastComma + 1;
                        List<Integer> movedTokens = new ArrayList<>(tokens.subList(cut, tokens.size()));
                        List<Double> movedWeights = new ArrayList<>(weights.subList(cut, weights.size()));
                        tokens.subList(cut, tokens.size()).clear();
                        weights.subList(cut, weights.size()).clear();
                        // as in the WebUI, embeddings placed in the moved part stay recorded on the closed chunk
                        nextChunk(false);
                        tokens = movedTokens;
                        weights = movedWeights;
                    }
                    if (tokens.size() == CHUNK_LENGTH) nextChunk(false);

                    EmbeddingLookup.Match emb = embeddings.find(ids, position);
                    if (emb == null) {
                        tokens.add(token);
                        weights.add(run.weight());
                        position++;
                        continue;
                    }
                    if (tokens.size() + emb.vectors() > CHUNK_LENGTH) nextChunk(false);
                    fixes.add(new PromptChunk.Placement(tokens.size() + 1, emb));
                    for (int i = 0; i < emb.vectors(); i++) {
                        tokens.add(0);
                        weights.add(run.weight());
                    }
                    position += emb.lengthInTokens();
                }
            }
            if (!tokens.isEmpty() || chunks.isEmpty()) nextChunk(true);
            return new ChunkedPrompt(List.copyOf(chunks), tokenCount);
        }

        void nextChunk(boolean last) {
            tokenCount += last ? tokens.size() : CHUNK_LENGTH;
            while (tokens.size() < CHUNK_LENGTH) {
                tokens.add(eos);
                weights.add(1.0);
            }
            int n = tokens.size() + 2;
            int[] t = new int[n];
            double[] m = new double[n];
            t[0] = bos;
            m[0] = 1.0;
            for (int i = 0; i < tokens.size(); i++) {
                t[i + 1] = tokens.get(i);
                m[i + 1] = weights.get(i);
            }
            t[n - 1] = eos;
            m[n - 1] = 1.0;
            chunks.add(new PromptChunk(t, m, List.copyOf(fixes)));
            lastComma = -1;
            tokens = new ArrayList<>();
            weights = new ArrayList<>();
            fixes = new ArrayList<>();
        }
    }
}
