package jdiffusion.sd.clip;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE as in OpenAI's {@code simple_tokenizer} / HF {@code CLIPTokenizer.bpe}: a pre-token's UTF-8 bytes are
 * mapped to printable characters ({@code bytes_to_unicode}), the last symbol gets the {@code </w>} end-of-word
 * marker, and the lowest-ranked adjacent pair is merged until no ranked pair is left.
 */
final class ClipBpe {
    static final String END_OF_WORD = "</w>";
    private static final char[] BYTE_TO_CHAR = byteToChar();
    /** Inverse of {@link #BYTE_TO_CHAR}; the mapped characters all lie below U+0144. */
    private static final short[] CHAR_TO_BYTE = charToByteTable();
    private static final int CACHE_LIMIT = 100_000;

    /** Merge rank keyed by {@code first + " " + second}; symbols never contain spaces. */
    private final Map<String, Integer> ranks;
    private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

    ClipBpe(Map<String, Integer> ranks) {
        this.ranks = ranks;
    }

    /** GPT-2/CLIP {@code bytes_to_unicode}: printable Latin-1 bytes map to themselves, the rest to U+0100 upwards. */
    private static char[] byteToChar() {
        char[] map = new char[256];
        boolean[] direct = new boolean[256];
        for (int b = '!'; b <= '~'; b++) direct[b] = true;
        for (int b = 0xa1; b <= 0xac; b++) direct[b] = true;
        for (int b = 0xae; b <= 0xff; b++) direct[b] = true;
        int n = 0;
        for (int b = 0; b < 256; b++) map[b] = direct[b] ? (char) b : (char) (256 + n++);
        return map;
    }

    /** The printable character standing for byte {@code b} (0..255). */
    static char byteSymbol(int b) {
        return BYTE_TO_CHAR[b];
    }

    /** The byte a BPE character stands for, or -1 for a character outside the byte alphabet. */
    static int charToByte(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    private static short[] charToByteTable() {
        short[] t = new short[0x144];
        java.util.Arrays.fill(t, (short) -1);
        for (int b = 0; b < 256; b++) t[BYTE_TO_CHAR[b]] = (short) b;
        return t;
    }

    static String byteEncode(String preToken) {
        byte[] bytes = preToken.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xff];
        return new String(out);
    }

    /** The BPE symbols of one byte-encoded pre-token. */
    List<String> encode(String word) {
        List<String> cached = cache.get(word);
        if (cached != null) return cached;
        List<String> result = List.copyOf(merge(word));
        if (cache.size() >= CACHE_LIMIT) cache.clear();
        cache.put(word, result);
        return result;
    }

    private List<String> merge(String token) {
        List<String> word = new ArrayList<>(token.length());
        for (int i = 0; i < token.length() - 1; i++) word.add(String.valueOf(token.charAt(i)));
        word.add(token.charAt(token.length() - 1) + END_OF_WORD);
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String first = null, second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer r = ranks.get(word.get(i) + " " + word.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) break;
            List<String> next = new ArrayList<>(word.size());
            int i = 0;
            while (i < word.size()) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    next.add(first + second);
                    i += 2;
                } else {
                    next.add(word.get(i));
                    i++;
                }
            }
            word = next;
        }
        return word;
    }
}
