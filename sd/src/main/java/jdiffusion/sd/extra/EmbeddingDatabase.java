package jdiffusion.sd.extra;

import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.sd.prompt.EmbeddingLookup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The textual-inversion embeddings a prompt may use, found the WebUI's way ({@code EmbeddingDatabase}): each
 * embedding's name is tokenized, and wherever a prompt's tokens spell a name (longest first) the embedding's vectors
 * take those tokens' place. Embeddings of another width than the text encoder's (an SDXL file on SD 1.x, an SD 2.x one
 * on SD 1.x) are known too, so that using one is refused with a message rather than read as plain words.
 */
public final class EmbeddingDatabase implements EmbeddingLookup {
    /** A name's tokens and its embedding, or why its file could not be read. */
    private record Entry(int[] ids, Embedding embedding, String problem) {}

    /** the text encoder's width; for SDXL CLIP-L's plus bigG's */
    private final int dim;
    /** for an SDXL model, the widths {@code clip_l} and {@code clip_g} must have (0 for the refiner's absent CLIP-L); else null */
    private final int[] sdxlWidths;
    private final Map<String, Embedding> byName = new LinkedHashMap<>();
    private final Map<Integer, List<Entry>> byFirstToken = new HashMap<>();
    private final Map<String, String> hashes = new HashMap<>();
    private final Map<String, String> unreadable = new LinkedHashMap<>();

    /** {@code embeddings} for a text encoder of width {@code dim}. */
    public EmbeddingDatabase(ClipTokenizer tokenizer, int dim, Collection<Embedding> embeddings) { this(tokenizer, dim, null, embeddings, Map.of()); }

    /**
     * With {@code unreadable} names (to why their files could not be read): refused by name when a prompt uses one.
     * {@code sdxlWidths} = {CLIP-L, bigG} widths for an SDXL model, else null.
     */
    private EmbeddingDatabase(ClipTokenizer tokenizer, int dim, int[] sdxlWidths, Collection<Embedding> embeddings, Map<String, String> unreadable) {
        this.dim = dim;
        this.sdxlWidths = sdxlWidths;
        for (Embedding e : embeddings) {
            if (byName.putIfAbsent(e.name(), e) != null) continue;
            register(tokenizer, e.name(), e, null);
        }
        unreadable.forEach((name, problem) -> {
            if (byName.containsKey(name) || this.unreadable.putIfAbsent(name, problem) != null) return;
            register(tokenizer, name, null, problem);
        });
        for (List<Entry> l : byFirstToken.values()) l.sort(Comparator.comparingInt((Entry x) -> x.ids.length).reversed());
    }

    private void register(ClipTokenizer tokenizer, String name, Embedding e, String problem) {
        int[] ids = tokenizer.encode(name);
        if (ids.length > 0) byFirstToken.computeIfAbsent(ids[0], k -> new ArrayList<>()).add(new Entry(ids, e, problem));
    }

    /**
     * Every embedding file in {@code files}, loaded now (the WebUI loads its embeddings folder up front). A file that
     * cannot be read does not stop the others: using its name in a prompt is the error (see {@link #unreadable()}).
     */
    public static EmbeddingDatabase load(ClipTokenizer tokenizer, int dim, Collection<Path> files) { return load(tokenizer, dim, null, files); }

    /**
     * SDXL embeddings ({@code clip_l} + {@code clip_g}) for a model whose text encoders are {@code clipLDim} (0 for the
     * refiner, which has no CLIP-L) and {@code clipGDim} wide; names are matched with {@code tokenizer}'s ids (the WebUI
     * uses the first text encoder's tokenizer for both). SD 1.x/2.x embeddings are refused by name when used.
     */
    public static EmbeddingDatabase loadSdxl(ClipTokenizer tokenizer, int clipLDim, int clipGDim, Collection<Path> files) {
        return load(tokenizer, clipLDim + clipGDim, new int[] {clipLDim, clipGDim}, files);
    }

    /** As {@link #loadSdxl} from embeddings already read. */
    public static EmbeddingDatabase sdxl(ClipTokenizer tokenizer, int clipLDim, int clipGDim, Collection<Embedding> embeddings) {
        return new EmbeddingDatabase(tokenizer, clipLDim + clipGDim, new int[] {clipLDim, clipGDim}, embeddings, Map.of());
    }

    private static EmbeddingDatabase load(ClipTokenizer tokenizer, int dim, int[] sdxlWidths, Collection<Path> files) {
        List<Embedding> list = new ArrayList<>();
        Map<String, String> broken = new LinkedHashMap<>();
        for (Path f : files) {
            try {
                list.add(Embedding.load(f));
            } catch (ExtraNetworkException e) {
                broken.put(ModelsFolder.stem(f), e.getMessage());
            }
        }
        return new EmbeddingDatabase(tokenizer, dim, sdxlWidths, list, broken);
    }

    /** Names of embedding files that could not be read, with the reason. */
    public Map<String, String> unreadable() { return java.util.Collections.unmodifiableMap(unreadable); }

    public static EmbeddingDatabase empty(ClipTokenizer tokenizer, int dim) { return new EmbeddingDatabase(tokenizer, dim, List.of()); }

    @Override public Match find(int[] tokens, int position) {
        List<Entry> candidates = byFirstToken.get(tokens[position]);
        if (candidates == null) return null;
        for (Entry c : candidates) {
            if (position + c.ids.length > tokens.length) continue;
            if (!Arrays.equals(tokens, position, position + c.ids.length, c.ids, 0, c.ids.length)) continue;
            if (c.problem != null) throw new ExtraNetworkException("the prompt uses embedding " + c.problem);
            Embedding e = usable(c.embedding);
            return new Match(e.name(), e.count(), c.ids.length);
        }
        return null;
    }

    /** The embedding called {@code name}; refused when it does not fit the text encoder. */
    public Embedding get(String name) {
        Embedding e = byName.get(name);
        if (e == null) throw new ExtraNetworkException("no embedding named \"" + name + "\"");
        return usable(e);
    }

    public Collection<Embedding> all() { return byName.values(); }

    /** True when built for an SDXL model ({@link #loadSdxl}): its embeddings carry one set of vectors per text encoder. */
    public boolean isSdxl() { return sdxlWidths != null; }

    /** "TI hashes" short hash of a used embedding, computed once. */
    public synchronized String shorthash(String name) { return hashes.computeIfAbsent(name, n -> get(n).shorthash()); }

    private Embedding usable(Embedding e) {
        String remove = " or remove \"" + e.name() + "\" from the prompt";
        if (sdxlWidths != null) {
            if (!e.sdxl())
                throw new ExtraNetworkException("embedding " + e.name() + " (" + e.path() + ") is for " + family(e.dim()) + " (" + e.dim()
                        + "-wide vectors); this model is SDXL, which needs an SDXL embedding (clip_l + clip_g): use one" + remove);
            Embedding.SdxlVectors v = e.sdxlVectors();
            if (v.clipGDim() != sdxlWidths[1] || (sdxlWidths[0] > 0 && v.clipLDim() != sdxlWidths[0]))
                throw new ExtraNetworkException("embedding " + e.name() + " (" + e.path() + ") has clip_l/clip_g vectors " + v.clipLDim() + "/" + v.clipGDim()
                        + " wide; this SDXL model's text encoders are " + (sdxlWidths[0] > 0 ? sdxlWidths[0] + "/" : "(refiner: bigG only) ")
                        + sdxlWidths[1] + " wide: use a matching embedding" + remove);
            return e;
        }
        if (e.sdxl())
            throw new ExtraNetworkException("embedding " + e.name() + " (" + e.path() + ") is an SDXL embedding (clip_l/clip_g); this model is "
                    + family(dim) + " (text encoder " + dim + " wide): use an embedding made for it" + remove);
        if (e.dim() != dim)
            throw new ExtraNetworkException("embedding " + e.name() + " (" + e.path() + ") has vectors of width " + e.dim() + " ("
                    + family(e.dim()) + "); this model's text encoder is " + dim + " wide (" + family(dim) + "): use a matching embedding" + remove);
        return e;
    }

    /** The model family a text-encoder width stands for, in messages. */
    private static String family(int width) {
        return switch (width) {
            case 768 -> "SD 1.x";
            case 1024 -> "SD 2.x";
            default -> "a model with a " + width + "-wide text encoder";
        };
    }
}
