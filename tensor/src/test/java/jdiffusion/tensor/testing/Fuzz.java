package jdiffusion.tensor.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * A small fuzzing harness for the parsers a user's bytes reach. Every generated input must end in success or in one
 * of the library's own exceptions (a {@code RuntimeException} declared in a {@code jdiffusion} package); anything
 * else (StackOverflowError, OutOfMemoryError, NullPointerException, IllegalArgumentException, ...) fails with the
 * parser, the seed, the input's index and the input itself, so it reproduces.
 *
 * <p>How many inputs: {@code -Djsd.fuzz.iterations=N} is the total over the whole suite (default {@link #DEFAULT_TOTAL},
 * sized for {@code ./build verify}); each parser takes its share. {@code -Djsd.fuzz.seed=S} changes the seed.
 */
public final class Fuzz {
    /** The suite's inputs in a default build, over all parsers. */
    public static final long DEFAULT_TOTAL = 110_000;
    public static final long SEED = Long.getLong("jsd.fuzz.seed", 20261206L);
    private static final long TOTAL = Long.getLong("jsd.fuzz.iterations", DEFAULT_TOTAL);

    private Fuzz() {}

    /** This parser's number of inputs: {@code share} of the suite's total (shares over the suite add up to 1). */
    public static int inputs(double share) {
        return (int) Math.max(1, Math.round(TOTAL * share));
    }

    public interface Target<T> {
        void accept(T input) throws Exception;
    }

    /** What a run did: inputs that parsed and inputs refused with the library's own exception. */
    public record Outcome(String parser, int accepted, int refused) {
        public int total() { return accepted + refused; }

        @Override public String toString() { return parser + ": " + total() + " inputs (" + accepted + " parsed, " + refused + " refused)"; }
    }

    /**
     * Runs {@code count} inputs from {@code generate} (input {@code i} draws from {@code new Random(SEED * 31 + i)}, so
     * one input can be regenerated alone) through {@code target}.
     */
    public static <T> Outcome run(String parser, int count, Function<Random, T> generate, Target<T> target, Function<T, String> show) {
        int accepted = 0, refused = 0;
        for (int i = 0; i < count; i++) {
            Random r = new Random(SEED * 31 + i * 0x9E3779B97F4A7C15L);
            T input = generate.apply(r);
            try {
                target.accept(input);
                accepted++;
            } catch (Throwable t) {
                if (!isOwn(t)) {
                    String shown = show.apply(input);
                    if (shown.length() > 2000) shown = shown.substring(0, 2000) + "... (" + shown.length() + " chars)";
                    throw new AssertionError(parser + ": input #" + i + " (-Djsd.fuzz.seed=" + SEED + ") ended in " + t
                            + " instead of success or the library's own exception; input: " + shown, t);
                }
                refused++;
            }
        }
        Outcome o = new Outcome(parser, accepted, refused);
        System.out.println("fuzz " + o);
        return o;
    }

    /** The library's own error: an unchecked exception declared in a jdiffusion package. */
    public static boolean isOwn(Throwable t) {
        return t instanceof RuntimeException && t.getClass().getName().startsWith("jdiffusion.");
    }

    public static String showText(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c >= 0x20 && c < 0x7f) b.append(c);
            else b.append(String.format("\\u%04x", (int) c));
        }
        return b.append('"').toString();
    }

    public static String showBytes(byte[] bytes) {
        StringBuilder b = new StringBuilder(bytes.length + " bytes: ");
        for (byte x : bytes) b.append(String.format("%02x", x & 0xff));
        return b.toString();
    }

    // ---- mutators ----

    private static final long[] INTERESTING = {0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffffL, 0xffffffffL,
            Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32, 1L << 40, 1L << 62};

    /** One of {@code bases} with one to four random edits: bit flips, bytes set, inserted, deleted, repeated, truncated, spliced. */
    public static byte[] mutate(List<byte[]> bases, Random r) {
        byte[] b = bases.get(r.nextInt(bases.size())).clone();
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) b = edit(b, bases, r);
        return b;
    }

    private static byte[] edit(byte[] b, List<byte[]> bases, Random r) {
        int n = b.length;
        switch (r.nextInt(9)) {
            case 0 -> { if (n > 0) { int at = r.nextInt(n); b[at] ^= (byte) (1 << r.nextInt(8)); } }
            case 1 -> { if (n > 0) b[r.nextInt(n)] = (byte) r.nextInt(256); }
            case 2 -> { // an interesting little- or big-endian integer over 1, 2, 4 or 8 bytes
                int width = 1 << r.nextInt(4);
                if (n >= width) {
                    int at = r.nextInt(n - width + 1);
                    long v = INTERESTING[r.nextInt(INTERESTING.length)];
                    boolean le = r.nextBoolean();
                    for (int k = 0; k < width; k++) b[at + (le ? k : width - 1 - k)] = (byte) (v >>> (8 * k));
                }
            }
            case 3 -> { // insert random bytes
                int at = r.nextInt(n + 1), len = 1 + r.nextInt(16);
                byte[] ins = new byte[len];
                r.nextBytes(ins);
                return splice(b, at, at, ins);
            }
            case 4 -> { if (n > 0) { int at = r.nextInt(n); return splice(b, at, Math.min(n, at + 1 + r.nextInt(Math.max(1, n / 8))), new byte[0]); } }
            case 5 -> { // repeat a piece many times
                if (n > 0) {
                    int at = r.nextInt(n), len = 1 + r.nextInt(Math.min(8, n - at));
                    byte[] piece = java.util.Arrays.copyOfRange(b, at, at + len);
                    int times = 1 + r.nextInt(r.nextInt(8) == 0 ? 4000 : 16);
                    byte[] rep = new byte[piece.length * times];
                    for (int t = 0; t < times; t++) System.arraycopy(piece, 0, rep, t * piece.length, piece.length);
                    return splice(b, at, at, rep);
                }
            }
            case 6 -> { return java.util.Arrays.copyOf(b, n == 0 ? 0 : r.nextInt(n)); }
            case 7 -> { // splice a piece of another base in
                byte[] other = bases.get(r.nextInt(bases.size()));
                if (other.length > 0) {
                    int from = r.nextInt(other.length), len = 1 + r.nextInt(Math.min(64, other.length - from));
                    int at = r.nextInt(n + 1);
                    return splice(b, at, Math.min(n, at + r.nextInt(len + 1)), java.util.Arrays.copyOfRange(other, from, from + len));
                }
            }
            default -> { if (n > 1) { int i = r.nextInt(n), j = r.nextInt(n); byte t = b[i]; b[i] = b[j]; b[j] = t; } }
        }
        return b;
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] ins) {
        byte[] out = new byte[b.length - (to - from) + ins.length];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(ins, 0, out, from, ins.length);
        System.arraycopy(b, to, out, from + ins.length, b.length - to);
        return out;
    }

    /**
     * One of {@code bases} with one to four edits made of characters that matter to the parser ({@code alphabet}),
     * random code points (unpaired surrogates and non-BMP included), deletions, repetitions (to build deep nesting
     * and long runs) and splices.
     */
    public static String mutate(List<String> bases, String alphabet, Random r) {
        StringBuilder b = new StringBuilder(bases.get(r.nextInt(bases.size())));
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int n = b.length(), at = r.nextInt(n + 1);
            switch (r.nextInt(7)) {
                case 0, 1 -> b.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
                case 2 -> b.insert(at, randomChar(r));
                case 3 -> { if (n > 0) b.delete(at == n ? n - 1 : at, Math.min(n, at + 1 + r.nextInt(8))); }
                case 4 -> { // a piece repeated, sometimes thousands of times
                    int len = 1 + r.nextInt(4);
                    StringBuilder piece = new StringBuilder();
                    for (int k = 0; k < len; k++) piece.append(alphabet.charAt(r.nextInt(alphabet.length())));
                    b.insert(at, piece.toString().repeat(1 + r.nextInt(r.nextInt(20) == 0 ? 3000 : 8)));
                }
                case 5 -> { String o = bases.get(r.nextInt(bases.size())); if (!o.isEmpty()) { int f = r.nextInt(o.length()); b.insert(at, o, f, Math.min(o.length(), f + 1 + r.nextInt(40))); } }
                default -> { if (n > 0) b.setCharAt(at == n ? n - 1 : at, alphabet.charAt(r.nextInt(alphabet.length()))); }
            }
        }
        return b.toString();
    }

    /** Random text of up to {@code max} characters, mostly from {@code alphabet}. */
    public static String random(String alphabet, int max, Random r) {
        int n = r.nextInt(max + 1);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            if (r.nextInt(10) == 0) b.append(randomChar(r));
            else b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private static final char[] ODD = {'\0', '\n', '\r', '\t', '\u0085', '\u00a0', '\u2028', '\u3000', '\ufeff', '\ufffd', '\ud800', '\udc00', '"', '\\'};

    static String randomChar(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> String.valueOf(ODD[r.nextInt(ODD.length)]);
            case 1 -> Character.toString(0x10000 + r.nextInt(0x10FFFF - 0x10000));
            case 2 -> String.valueOf((char) r.nextInt(0x10000));
            default -> String.valueOf((char) (0x20 + r.nextInt(0x5f)));
        };
    }

    public static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }
}
