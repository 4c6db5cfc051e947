package jdiffusion.sd.prompt;

import jdiffusion.sd.clip.ClipTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Textual-inversion trigger words as the WebUI finds them ({@code EmbeddingDatabase.find_embedding_at_position}): each
 * embedding's name is BPE-tokenized; at a prompt position the candidates starting with that token are tried longest
 * first (equal lengths in registration order) and the first whose whole token sequence follows matches.
 */
public final class EmbeddingTriggers implements EmbeddingLookup {
    private record Trigger(int[] ids, Match match) {}

    private final ClipTokenizer tokenizer;
    private final Map<Integer, List<Trigger>> byFirstToken = new HashMap<>();

    public EmbeddingTriggers(ClipTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Registers an embedding called {@code name} with {@code vectors} vectors; a name that tokenizes to nothing is ignored. */
    public EmbeddingTriggers add(String name, int vectors) {
        int[] ids = tokenizer.encode(name);
        if (ids.length == 0) return this;
        List<Trigger> list = byFirstToken.computeIfAbsent(ids[0], k -> new ArrayList<>());
        list.add(new Trigger(ids, new Match(name, vectors, ids.length)));
        list.sort(Comparator.comparingInt((Trigger t) -> t.ids.length).reversed());
        return this;
    }

    @Override
    public Match find(int[] tokens, int position) {
        List<Trigger> candidates = byFirstToken.get(tokens[position]);
        if (candidates == null) return null;
        for (Trigger t : candidates) {
            int end = position + t.ids.length;
            if (end <= tokens.length && Arrays.equals(tokens, position, end, t.ids, 0, t.ids.length)) return t.match;
        }
        return null;
    }
}
