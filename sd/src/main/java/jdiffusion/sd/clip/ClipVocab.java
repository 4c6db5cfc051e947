package jdiffusion.sd.clip;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * CLIP's token table ({@code vocab.json}): BPE token strings such as {@code "cat</w>"} (a word end) or
 * {@code "cat"} (a word start) to ids, and back.
 */
public final class ClipVocab {
    private final Map<String, Integer> ids;
    private final String[] tokens;

    ClipVocab(Map<String, Integer> ids) {
        this.ids = Map.copyOf(ids);
        int max = -1;
        for (int id : ids.values()) max = Math.max(max, id);
        this.tokens = new String[max + 1];
        for (Map.Entry<String, Integer> e : ids.entrySet()) tokens[e.getValue()] = e.getKey();
    }

    /** The id of a token string, empty when the vocabulary lacks it. */
    public OptionalInt id(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    public boolean contains(String token) { return ids.containsKey(token); }

    /** The token string of an id, or null when no token has that id. */
    public String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    /** Number of tokens (49408 for CLIP). */
    public int size() { return ids.size(); }

    /** A copy of the whole table, token string to id. */
    public Map<String, Integer> asMap() { return new HashMap<>(ids); }
}
