package jdiffusion.sd.clip;

import jdiffusion.nn.LayerNorm;
import jdiffusion.nn.Linear;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The CLIP text transformer that turns token ids into Stable Diffusion's conditioning (Hugging Face
 * {@code CLIPTextModel}, or {@code CLIPTextModelWithProjection} when the config has a projection; SD2's and SDXL's
 * OpenCLIP weights are mapped onto the same names at load time).
 *
 * <pre>
 * ids [B, L] -> token_embedding + position_embedding      hidden_states[0]
 *            -> layer 1 .. layer N (pre-LN, causal)       hidden_states[1..N]
 *            -> final_layer_norm(hidden_states[N - skipped - (clipSkip - 1)])   conditioning (SD1, SD2)
 *            -> hidden_states[N - 1], no final norm                             conditioning (SDXL, {@link #penultimate})
 * pooled     =  final-normed last layer at the first EOS [ @ text_projection ]
 * </pre>
 * No padding mask is applied, only the causal one, as SD pipelines do. Weights are read under {@code text_model.},
 * the projection as {@code text_projection.weight} ({@code [projection, width]}).
 */
public final class ClipTextEncoder {
    private final ClipTextConfig config;
    private final Tensor tokenEmbedding, positionEmbedding;
    private final List<ClipEncoderLayer> layers = new ArrayList<>();
    private final LayerNorm finalNorm;
    /** {@code text_projection} (no bias), or null when the config has none */
    private final Linear projection;

    public ClipTextEncoder(Backend backend, Weights weights, ClipTextConfig config) {
        this.config = config;
        Weights w = weights.child("text_model");
        Weights emb = w.child("embeddings");
        this.tokenEmbedding = backend.upload(emb.child("token_embedding").get("weight"));
        this.positionEmbedding = backend.upload(emb.child("position_embedding").get("weight"));
        for (int i = 0; i < config.layers(); i++) layers.add(new ClipEncoderLayer(backend, w.child("encoder").child("layers").child(i), config));
        this.finalNorm = new LayerNorm(backend, w.child("final_layer_norm"), config.layerNormEps());
        this.projection = config.hasProjection() ? new Linear(backend, weights.child("text_projection")) : null;
        if (projection != null && (projection.outFeatures() != config.projectionDim() || projection.inFeatures() != config.hiddenSize()))
            throw new IllegalArgumentException("text_projection is " + projection.outFeatures() + "x" + projection.inFeatures() + ", expected "
                    + config.projectionDim() + "x" + config.hiddenSize());
    }

    public ClipTextConfig config() { return config; }

    /** Rows of the token embedding replaced by other vectors (a textual-inversion embedding, A1111 style). */
    public record TokenOverride(int sequence, int position, Tensor vectors) {
        public TokenOverride {
            if (vectors.rank() != 2) throw new IllegalArgumentException("override vectors must be [n, width]");
        }
    }

    /** Runs every layer and returns all outputs ({@link ClipTextOutput}). {@code ids} is {@code [B][L]}, L at most the position count. */
    public ClipTextOutput forward(Backend b, int[][] ids) { return forward(b, tokenEmbeddings(b, ids, List.of()), ids); }

    /**
     * As {@link #forward(Backend, int[][])} from given token embeddings {@code [B, L, D]} (position embeddings are
     * added here); {@code ids} still choose the pooled position.
     */
    public ClipTextOutput forward(Backend b, Tensor tokenEmbeddings, int[][] ids) {
        List<Tensor> hidden = new ArrayList<>();
        Tensor x = withPositions(b, tokenEmbeddings);
        hidden.add(x);
        for (ClipEncoderLayer layer : layers) {
            x = layer.forward(b, x);
            hidden.add(x);
        }
        int last = conditioningLayer(1);
        Tensor cond = finalNorm.forward(b, hidden.get(last));
        Tensor penultimate = finalNorm.forward(b, hidden.get(Math.max(0, last - 1)));
        // from the conditioning layer, so an SD2 single file (24 layers, penultimate used) pools like a diffusers SD2 folder (23 layers)
        Tensor pooled = pooled(b, cond, ids);
        return new ClipTextOutput(cond, penultimate, pooled, projection == null ? null : projection.forward(b, pooled), List.copyOf(hidden));
    }

    /**
     * What SDXL takes from a text tower ({@code hidden_states[-2]}, sgm's {@code layer: penultimate} / CLIP-L
     * {@code layer_idx n-1}).
     *
     * @param states {@code [B, L, D]}: the input of the last layer, without the final norm
     * @param pooled {@code [B, P]}: the final-normed output of the last layer at each sequence's EOS, projected when the
     *               config has a projection; null when not asked for
     */
    public record PenultimateStates(Tensor states, Tensor pooled) {}

    /**
     * SDXL's conditioning from token embeddings {@code [B, L, D]} (see {@link #tokenEmbeddings}); the last layer runs only
     * when {@code withPooled}, and only its output at the EOS rows is normed.
     */
    public PenultimateStates penultimate(Backend b, Tensor tokenEmbeddings, int[][] ids, boolean withPooled) {
        if (layers.size() < 2) throw new IllegalArgumentException("a text model of " + layers.size() + " layer has no penultimate layer");
        Tensor x = withPositions(b, tokenEmbeddings);
        for (int i = 0; i < layers.size() - 1; i++) x = layers.get(i).forward(b, x);
        if (!withPooled) return new PenultimateStates(x, null);
        Tensor last = layers.getLast().forward(b, x);
        // the norm works per row, so norming the EOS rows alone equals norming everything then picking them
        Tensor pooled = finalNorm.forward(b, pooled(b, last, ids));
        return new PenultimateStates(x, projection == null ? pooled : projection.forward(b, pooled));
    }

    /** As {@link #penultimate(Backend, Tensor, int[][], boolean)} from token ids. */
    public PenultimateStates penultimate(Backend b, int[][] ids, boolean withPooled) {
        return penultimate(b, tokenEmbeddings(b, ids, List.of()), ids, withPooled);
    }

    /**
     * The conditioning {@code [B, L, D]} at A1111's "Clip skip" {@code clipSkip} (1 = the family's default): only the
     * layers it needs are run.
     */
    public Tensor encode(Backend b, int[][] ids, int clipSkip) { return encode(b, tokenEmbeddings(b, ids, List.of()), clipSkip); }

    /** As {@link #encode(Backend, int[][], int)} from given token embeddings {@code [B, L, D]}. */
    public Tensor encode(Backend b, Tensor tokenEmbeddings, int clipSkip) {
        int upTo = conditioningLayer(clipSkip);
        Tensor x = withPositions(b, tokenEmbeddings);
        for (int i = 0; i < upTo; i++) x = layers.get(i).forward(b, x);
        return finalNorm.forward(b, x);
    }

    /** Index into hidden states (0 = embeddings) whose final-normed value is the conditioning at {@code clipSkip}. */
    public int conditioningLayer(int clipSkip) {
        if (clipSkip < 1) throw new IllegalArgumentException("clip skip must be at least 1, got " + clipSkip);
        int layer = layers.size() - config.skippedLayers() - (clipSkip - 1);
        if (layer < 1) throw new IllegalArgumentException("clip skip " + clipSkip + " goes past the first of " + layers.size() + " layers");
        return layer;
    }

    /**
     * The token embeddings {@code [B, L, D]} of {@code ids}, with the rows {@code overrides} name replaced by their
     * vectors (any float dtype; rows past the sequence end are an error).
     */
    public Tensor tokenEmbeddings(Backend b, int[][] ids, List<TokenOverride> overrides) {
        int batch = ids.length, len = ids.length == 0 ? 0 : ids[0].length;
        if (batch == 0 || len == 0) throw new IllegalArgumentException("no token ids");
        if (len > config.maxPositions())
            throw new IllegalArgumentException(len + " tokens exceed the text encoder's " + config.maxPositions() + " positions");
        for (int[] seq : ids) {
            if (seq.length != len) throw new IllegalArgumentException("token sequences differ in length");
            for (int id : seq)
                if (id < 0 || id >= config.vocabSize()) throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + config.vocabSize());
        }
        if (overrides.isEmpty()) {
            int[] flat = new int[batch * len];
            for (int i = 0; i < batch; i++) System.arraycopy(ids[i], 0, flat, i * len, len);
            return b.gatherRows(tokenEmbedding, flat).reshape(batch, len, config.hiddenSize());
        }
        Tensor[] sequences = new Tensor[batch];
        for (int i = 0; i < batch; i++) {
            List<TokenOverride> mine = new ArrayList<>();
            for (TokenOverride o : overrides) if (o.sequence() == i) mine.add(o);
            mine.sort(java.util.Comparator.comparingInt(TokenOverride::position));
            List<Tensor> pieces = new ArrayList<>();
            int cursor = 0;
            for (TokenOverride o : mine) {
                int n = o.vectors().size(0);
                if (o.position() < cursor || o.position() + n > len || o.vectors().size(1) != config.hiddenSize())
                    throw new IllegalArgumentException("embedding override at " + o.position() + " (" + n + " x " + o.vectors().size(1)
                            + ") overlaps another or does not fit " + len + " tokens of width " + config.hiddenSize());
                if (o.position() > cursor) pieces.add(b.gatherRows(tokenEmbedding, java.util.Arrays.copyOfRange(ids[i], cursor, o.position())));
                pieces.add(b.gatherRows(o.vectors(), range(n)));
                cursor = o.position() + n;
            }
            if (cursor < len) pieces.add(b.gatherRows(tokenEmbedding, java.util.Arrays.copyOfRange(ids[i], cursor, len)));
            Tensor seq = pieces.size() == 1 ? pieces.getFirst() : b.concat(0, pieces.toArray(Tensor[]::new));
            sequences[i] = seq.reshape(1, len, config.hiddenSize());
        }
        return batch == 1 ? sequences[0] : b.concat(0, sequences);
    }

    private Tensor withPositions(Backend b, Tensor tokens) {
        if (tokens.rank() != 3 || tokens.size(2) != config.hiddenSize() || tokens.size(1) > config.maxPositions())
            throw new IllegalArgumentException("token embeddings must be [B, L <= " + config.maxPositions() + ", " + config.hiddenSize() + "], got "
                    + java.util.Arrays.toString(tokens.shape()));
        return b.add(tokens, b.gatherRows(positionEmbedding, range(tokens.size(1))));
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    /** Rows of {@code hidden} at each sequence's first end-of-text id (the largest id when there is none, as older CLIP code does). */
    private Tensor pooled(Backend b, Tensor hidden, int[][] ids) {
        int len = ids[0].length;
        int[] rows = new int[ids.length];
        for (int i = 0; i < ids.length; i++) rows[i] = i * len + eosPosition(ids[i]);
        return b.gatherRows(hidden.reshape(ids.length * len, config.hiddenSize()), rows);
    }

    private int eosPosition(int[] seq) {
        int argmax = 0;
        for (int j = 0; j < seq.length; j++) {
            if (seq[j] == config.eosTokenId()) return j;
            if (seq[j] > seq[argmax]) argmax = j;
        }
        return argmax;
    }

    /** Token ids from an integer tensor {@code [B, L]} (I64 or I32, as tokenizers and golden files store them). */
    public static int[][] ids(Tensor t) {
        if (t.rank() != 2) throw new IllegalArgumentException("input_ids must be [batch, tokens], got rank " + t.rank());
        long[] flat = t.toLongArray();
        int b = t.size(0), l = t.size(1);
        int[][] out = new int[b][l];
        for (int i = 0; i < b; i++) for (int j = 0; j < l; j++) out[i][j] = Math.toIntExact(flat[i * l + j]);
        return out;
    }
}
