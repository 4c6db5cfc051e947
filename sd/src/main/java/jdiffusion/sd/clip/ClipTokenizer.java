package jdiffusion.sd.clip;

import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.json.JsonException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * CLIP's byte-level BPE tokenizer, read from a Hugging Face tokenizer folder ({@code vocab.json} + {@code merges.txt}),
 * with the semantics of HF's slow {@code CLIPTokenizer} with ftfy installed (what diffusers and the WebUI run):
 *
 * <pre>
 *   text ─ split on literal &lt;|startoftext|&gt; / &lt;|endoftext|&gt; ─ ftfy.fix_text ─ whitespace to one space, strip ─ lower
 *        ─ pre-split regex (contractions, letter runs, single digits, symbol runs) ─ UTF-8 bytes as printable chars
 *        ─ BPE with "&lt;/w&gt;" word ends ─ vocab ids
 * </pre>
 *
 * Usage: {@code ClipTokenizer t = ClipTokenizer.forModel(tokenizerArg, modelFolder, textConfig.padTokenId());
 * int[] ids = t.encodePadded("a photo of a cat");}
 *
 * <p>CLIP's vocabulary ships in this jar ({@link #bundled}, OpenAI's MIT-licensed merges with their notice beside them),
 * as stable-diffusion.cpp and ComfyUI ship it, so a lone single-file checkpoint needs no tokenizer folder.
 *
 * <p>The folder's added tokens (its bos/eos/unk/pad tokens, {@code added_tokens_decoder}, {@code added_tokens.json})
 * are cut out of the text before clean-up and map straight to their ids, as in HF. For SD2 folders that includes the
 * pad token {@code "!"}: HF (so diffusers and ComfyUI) gives every {@code "!"} id 0. The WebUI encodes SD2 prompts
 * with open_clip's tokenizer instead, which knows no added tokens and unescapes HTML twice: use
 * {@link Flavor#OPEN_CLIP} ({@link #withFlavor}) to match it.
 */
public final class ClipTokenizer {
    public static final String START_OF_TEXT = "<|startoftext|>";
    public static final String END_OF_TEXT = "<|endoftext|>";
    /** CLIP's context length: BOS + 75 tokens + EOS. */
    public static final int CONTEXT_LENGTH = 77;
    /** {@code 49152 - 256 - 2}: CLIP uses this many merges and ignores any further lines. */
    private static final int MAX_MERGES = 48894;
    /** CLIP's merges as Hugging Face's {@code merges.txt} holds them, gzipped; the vocabulary is derived from them. */
    private static final String BUNDLED_MERGES = "bpe-merges.txt.gz";

    private static final Pattern PRE_TOKEN = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|(?iu:'s|'t|'re|'ve|'m|'ll|'d)|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+");
    private static final Pattern OPEN_CLIP_PRE_TOKEN = Pattern.compile(
            "<start_of_text>|<end_of_text>|(?iu:'s|'t|'re|'ve|'m|'ll|'d)|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+");

    /** Whose text handling to reproduce. */
    public enum Flavor {
        /** HF {@code CLIPTokenizer} with ftfy (diffusers, ComfyUI, the WebUI for SD1/SDXL). */
        HUGGING_FACE,
        /**
         * open_clip's / OpenAI's {@code SimpleTokenizer} (the WebUI for SD2): no added-token split, clean-up is
         * ftfy then {@code html.unescape} twice, and the literal specials are {@code <start_of_text>} / {@code <end_of_text>}.
         */
        OPEN_CLIP
    }

    private final Path folder;
    private final ClipVocab vocab;
    private final ClipBpe bpe;
    private final int bosId;
    private final int eosId;
    private final int padId;
    /** Added tokens (HF flavor) with their ids; the text is split on these before clean-up. */
    private final Map<String, Integer> addedTokens;
    private final Flavor flavor;

    private ClipTokenizer(Path folder, ClipVocab vocab, ClipBpe bpe, int padId, Map<String, Integer> addedTokens, Flavor flavor) {
        this.folder = folder;
        this.vocab = vocab;
        this.bpe = bpe;
        this.addedTokens = Map.copyOf(addedTokens);
        this.flavor = flavor;
        this.bosId = vocab.id(START_OF_TEXT).orElseThrow(() -> malformed(folder.resolve("vocab.json"), "it has no " + START_OF_TEXT + " token"));
        this.eosId = vocab.id(END_OF_TEXT).orElseThrow(() -> malformed(folder.resolve("vocab.json"), "it has no " + END_OF_TEXT + " token"));
        this.padId = padId < 0 ? eosId : padId;
    }

    // ---- loading ----

    /**
     * Loads the tokenizer in {@code folder} (a folder holding {@code vocab.json} and {@code merges.txt}, or a diffusers
     * model folder whose {@code tokenizer/} holds them). The pad token comes from {@code special_tokens_map.json} or
     * {@code tokenizer_config.json} when present, else it is {@code <|endoftext|>}.
     */
    public static ClipTokenizer load(Path folder) {
        if (!isTokenizerFolder(folder) && isTokenizerFolder(folder.resolve("tokenizer"))) folder = folder.resolve("tokenizer");
        Path vocabFile = folder.resolve("vocab.json");
        Path mergesFile = folder.resolve("merges.txt");
        if (!Files.isDirectory(folder)) throw new ClipTokenizerException("CLIP tokenizer folder " + folder + " does not exist. " + WHERE_FROM);
        for (Path f : List.of(vocabFile, mergesFile)) {
            if (!Files.isRegularFile(f))
                throw new ClipTokenizerException("CLIP tokenizer folder " + folder + " lacks " + f.getFileName()
                        + " (a tokenizer folder holds vocab.json and merges.txt). " + WHERE_FROM);
        }
        ClipVocab vocab = readVocab(vocabFile);
        ClipBpe bpe = new ClipBpe(ranks(readMerges(readText(mergesFile), mergesFile.toString())));
        Map<String, Object> specialMap = readJsonIfPresent(folder.resolve("special_tokens_map.json"));
        Map<String, Object> config = readJsonIfPresent(folder.resolve("tokenizer_config.json"));
        Map<String, Object> addedJson = readJsonIfPresent(folder.resolve("added_tokens.json"));
        return new ClipTokenizer(folder, vocab, bpe, readPadId(folder, vocab, specialMap, config),
                readAddedTokens(folder, vocab, specialMap, config, addedJson), Flavor.HUGGING_FACE);
    }

    /**
     * CLIP's tokenizer from this jar: the BPE of OpenAI's ViT-L/14 (SD1), which OpenCLIP's ViT-H/14 (SD2) and
     * ViT-bigG/14 (SDXL) share unchanged; they differ only in padding, so {@code padId} is the text encoder's
     * ({@link ClipTextConfig#padTokenId()}: 49407 = EOS for SD1, 0 for OpenCLIP). Its added tokens are CLIP's two
     * specials, as in {@code openai/clip-vit-large-patch14}'s folder; {@code folder()} is null.
     */
    public static ClipTokenizer bundled(int padId) {
        String source = "jsd's bundled " + BUNDLED_MERGES;
        List<String> merges;
        try (InputStream in = ClipTokenizer.class.getResourceAsStream(BUNDLED_MERGES)) {
            if (in == null) throw new ClipTokenizerException(source + " is missing from the jar: rebuild jsd (./build -DskipTests package). " + WHERE_FROM);
            merges = readMerges(new String(new GZIPInputStream(in).readAllBytes(), StandardCharsets.UTF_8), source);
        } catch (IOException e) {
            throw new ClipTokenizerException("cannot read " + source + ": " + e.getMessage() + ". " + WHERE_FROM, e);
        }
        ClipVocab vocab = new ClipVocab(vocabOf(merges));
        if (padId < 0 || vocab.token(padId) == null) throw new IllegalArgumentException("pad id " + padId + " is not a CLIP token id");
        return new ClipTokenizer(null, vocab, new ClipBpe(ranks(merges)), padId,
                Map.of(START_OF_TEXT, vocab.id(START_OF_TEXT).getAsInt(), END_OF_TEXT, vocab.id(END_OF_TEXT).getAsInt()), Flavor.HUGGING_FACE);
    }

    /**
     * CLIP's vocabulary built from its merges as OpenAI's {@code SimpleTokenizer} builds it (the {@code vocab.json} of
     * every CLIP tokenizer folder holds the same table): the 256 byte symbols in code point order, the same with a word
     * end, each merge's joined pair in rank order, then {@code <|startoftext|>} and {@code <|endoftext|>}.
     */
    static Map<String, Integer> vocabOf(List<String> merges) {
        List<String> tokens = new ArrayList<>(512 + merges.size() + 2);
        char[] symbols = new char[256];
        for (int b = 0; b < 256; b++) symbols[b] = ClipBpe.byteSymbol(b);
        Arrays.sort(symbols);
        for (char c : symbols) tokens.add(String.valueOf(c));
        for (char c : symbols) tokens.add(c + ClipBpe.END_OF_WORD);
        for (String m : merges) tokens.add(m.replace(" ", ""));
        tokens.add(START_OF_TEXT);
        tokens.add(END_OF_TEXT);
        Map<String, Integer> ids = new HashMap<>(tokens.size() * 2);
        for (int i = 0; i < tokens.size(); i++) ids.putIfAbsent(tokens.get(i), i);
        return ids;
    }

    /** The same vocabulary and merges with another flavor's text handling. */
    public ClipTokenizer withFlavor(Flavor f) {
        return f == flavor ? this : new ClipTokenizer(folder, vocab, bpe, padId, addedTokens, f);
    }

    public Flavor flavor() { return flavor; }

    private static final String WHERE_FROM = "A CLIP tokenizer comes from --tokenizer PATH, from the tokenizer/ folder of a diffusers model, "
            + "or, for single-file checkpoints without one, from jsd itself (CLIP's vocabulary ships in the jar).";

    static boolean isTokenizerFolder(Path p) {
        return Files.isRegularFile(p.resolve("vocab.json")) && Files.isRegularFile(p.resolve("merges.txt"));
    }

    private static ClipTokenizerException malformed(Path file, String why) {
        return malformed(file.toString(), why);
    }

    private static ClipTokenizerException malformed(String file, String why) {
        return new ClipTokenizerException("malformed CLIP tokenizer file " + file + ": " + why + ". " + WHERE_FROM);
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw malformed(file, "it is not UTF-8 text");
        } catch (IOException e) {
            throw new ClipTokenizerException("cannot read CLIP tokenizer file " + file + ": " + e.getMessage(), e);
        }
    }

    private static ClipVocab readVocab(Path file) {
        Map<String, Object> json;
        try {
            json = Json.parseObject(readText(file));
        } catch (JsonException e) {
            throw malformed(file, "not a JSON object (" + e.getMessage() + ")");
        }
        Map<String, Integer> ids = new HashMap<>(json.size() * 2);
        for (Map.Entry<String, Object> e : json.entrySet()) {
            if (!(e.getValue() instanceof Long id) || id < 0 || id > Integer.MAX_VALUE)
                throw malformed(file, "token " + e.getKey() + " maps to " + e.getValue() + ", not a token id");
            ids.put(e.getKey(), (int) (long) id);
        }
        return new ClipVocab(ids);
    }

    /** The merge lines ({@code "first second"}) of a {@code merges.txt} text, the ones CLIP uses, in rank order. */
    private static List<String> readMerges(String text, String source) {
        String[] lines = text.strip().split("\n");
        // line 0 is the "#version" header
        int n = Math.min(lines.length - 1, MAX_MERGES);
        List<String> merges = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String[] pair = lines[i + 1].strip().split("\\s+");
            if (pair.length != 2) throw malformed(source, "line " + (i + 2) + " is not two symbols separated by a space: \"" + lines[i + 1] + "\"");
            merges.add(pair[0] + " " + pair[1]);
        }
        if (merges.isEmpty()) throw malformed(source, "it holds no merges");
        return merges;
    }

    /** Merge rank keyed by the merge line; the first of duplicate lines ranks. */
    private static Map<String, Integer> ranks(List<String> merges) {
        Map<String, Integer> ranks = new HashMap<>(merges.size() * 2);
        for (int i = 0; i < merges.size(); i++) ranks.putIfAbsent(merges.get(i), i);
        return ranks;
    }

    private static Map<String, Object> readJsonIfPresent(Path f) {
        if (!Files.isRegularFile(f)) return Map.of();
        try {
            return Json.parseObject(readText(f));
        } catch (JsonException e) {
            throw malformed(f, "not a JSON object (" + e.getMessage() + ")");
        }
    }

    /** A token setting's text: a plain string or an AddedToken object's "content"; null otherwise. */
    private static String tokenText(Object v) {
        if (v instanceof Map<?, ?> m) v = m.get("content");
        return v instanceof String str ? str : null;
    }

    /** The pad token id named by the folder's config files, or -1 when they name none. */
    private static int readPadId(Path folder, ClipVocab vocab, Map<String, Object> specialMap, Map<String, Object> config) {
        for (Map<String, Object> json : List.of(specialMap, config)) {
            String token = tokenText(json.get("pad_token"));
            if (token == null) continue;
            var id = vocab.id(token);
            if (id.isPresent()) return id.getAsInt();
            Path f = folder.resolve(json == specialMap ? "special_tokens_map.json" : "tokenizer_config.json");
            throw malformed(f, "its pad_token \"" + token + "\" is not in vocab.json");
        }
        return -1;
    }

    /**
     * HF's added tokens: the special tokens (CLIP's defaults unless the config names others), additional special
     * tokens, {@code added_tokens_decoder} and {@code added_tokens.json}; each with its vocab id, else its declared id.
     */
    private static Map<String, Integer> readAddedTokens(Path folder, ClipVocab vocab, Map<String, Object> specialMap,
                                                        Map<String, Object> config, Map<String, Object> addedJson) {
        Map<String, Integer> declared = new HashMap<>();
        if (config.get("added_tokens_decoder") instanceof Map<?, ?> decoder) {
            for (Map.Entry<?, ?> e : decoder.entrySet()) {
                String t = tokenText(e.getValue());
                try {
                    if (t != null) declared.put(t, Integer.parseInt(String.valueOf(e.getKey())));
                } catch (NumberFormatException bad) {
                    throw malformed(folder.resolve("tokenizer_config.json"), "added_tokens_decoder key " + e.getKey() + " is not a token id");
                }
            }
        }
        for (Map.Entry<String, Object> e : addedJson.entrySet())
            if (e.getValue() instanceof Long id) declared.put(e.getKey(), (int) (long) id);

        List<String> names = new ArrayList<>(List.of(START_OF_TEXT, END_OF_TEXT));
        for (Map<String, Object> json : List.of(specialMap, config)) {
            for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
                String t = tokenText(json.get(key));
                if (t != null) names.add(t);
            }
            if (json.get("additional_special_tokens") instanceof List<?> extra)
                for (Object o : extra) if (tokenText(o) != null) names.add(tokenText(o));
        }
        names.addAll(declared.keySet());
        Map<String, Integer> added = new HashMap<>();
        for (String t : names) {
            if (t.isEmpty()) continue;
            var id = vocab.id(t);
            if (id.isPresent()) added.put(t, id.getAsInt());
            else if (declared.containsKey(t)) added.put(t, declared.get(t));
        }
        return added;
    }

    /**
     * The tokenizer of a model: {@code explicit} (a {@code --tokenizer PATH}), else the {@code tokenizer/} folder of
     * {@code modelHome} (a diffusers model, or where a single file's tokenizer sits), else the {@link #bundled} one
     * padding with {@code padId}. Either path may be null.
     *
     * @throws ClipTokenizerException when {@code explicit} is not a tokenizer folder, or a folder found is malformed
     */
    public static ClipTokenizer forModel(Path explicit, Path modelHome, int padId) {
        Path folder = locate(explicit, modelHome);
        return folder != null ? load(folder) : bundled(padId);
    }

    /**
     * The tokenizer folder for a model: {@code explicit} (when given it must hold a tokenizer, or be a diffusers folder
     * with {@code tokenizer/}), else the {@code tokenizer/} folder of {@code diffusersModel}; null when neither names
     * one (then {@link #bundled} serves). Either argument may be null.
     *
     * @throws ClipTokenizerException when {@code explicit} is not a tokenizer folder
     */
    public static Path locate(Path explicit, Path diffusersModel) {
        if (explicit != null) {
            if (isTokenizerFolder(explicit)) return explicit;
            if (isTokenizerFolder(explicit.resolve("tokenizer"))) return explicit.resolve("tokenizer");
            throw new ClipTokenizerException("--tokenizer " + explicit + " is not a CLIP tokenizer folder: it must hold vocab.json and merges.txt "
                    + "(or be a diffusers model folder with tokenizer/). Leave --tokenizer out to use CLIP's vocabulary shipped with jsd.");
        }
        if (diffusersModel != null && isTokenizerFolder(diffusersModel.resolve("tokenizer"))) return diffusersModel.resolve("tokenizer");
        return null;
    }

    // ---- encoding ----

    /** Token ids of {@code text}, without BOS/EOS and without truncation. */
    public int[] encode(String text) {
        List<String> tokens = tokenize(text);
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = id(tokens.get(i));
        return ids;
    }

    /** An added token's id, else the vocab id, else the unknown token's (EOS), as HF converts tokens. */
    private int id(String token) {
        Integer added = addedTokens.get(token);
        if (added != null) return added;
        return vocab.id(token).orElse(eosId);
    }

    /** BPE token strings of {@code text} ({@code "</w>"} marks a word end), without BOS/EOS. */
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        if (flavor == Flavor.OPEN_CLIP) {
            tokenizePiece(text, out);
            return out;
        }
        // added tokens are cut out before clean-up, as HF's trie split does: the longest one starting at each position
        int pieceStart = 0;
        int i = 0;
        while (i < text.length()) {
            String match = null;
            for (String t : addedTokens.keySet())
                if (text.startsWith(t, i) && (match == null || t.length() > match.length())) match = t;
            if (match == null) {
                i++;
                continue;
            }
            tokenizePiece(text.substring(pieceStart, i), out);
            out.add(match);
            i += match.length();
            pieceStart = i;
        }
        tokenizePiece(text.substring(pieceStart), out);
        return out;
    }

    private void tokenizePiece(String piece, List<String> out) {
        if (piece.isEmpty()) return;
        String clean = flavor == Flavor.OPEN_CLIP ? TextFixer.cleanForOpenClip(piece) : TextFixer.cleanForClip(piece);
        Matcher m = (flavor == Flavor.OPEN_CLIP ? OPEN_CLIP_PRE_TOKEN : PRE_TOKEN).matcher(clean);
        while (m.find()) {
            String t = m.group();
            switch (t) {
                case START_OF_TEXT, END_OF_TEXT -> out.add(t);
                case "<start_of_text>" -> out.add(START_OF_TEXT);
                case "<end_of_text>" -> out.add(END_OF_TEXT);
                default -> out.addAll(bpe.encode(ClipBpe.byteEncode(t)));
            }
        }
    }

    /** {@code [BOS] + ids + [EOS]} cut to {@link #CONTEXT_LENGTH} (keeping the final EOS), padded with this folder's pad id. */
    public int[] encodePadded(String text) {
        return encodePadded(text, CONTEXT_LENGTH, padId);
    }

    /** {@code [BOS] + ids + [EOS]}, the ids cut so that the whole fits in {@code length} with its final EOS, then padded with {@code padId}. */
    public int[] encodePadded(String text, int length, int padId) {
        if (length < 2) throw new IllegalArgumentException("length " + length + " leaves no room for BOS and EOS");
        int[] ids = encode(text);
        int n = Math.min(ids.length, length - 2);
        int[] out = new int[length];
        Arrays.fill(out, padId);
        out[0] = bosId;
        System.arraycopy(ids, 0, out, 1, n);
        out[n + 1] = eosId;
        return out;
    }

    /**
     * Text of token ids, as HF's {@code decode} without special-token skipping: token strings joined, mapped back to
     * bytes, read as UTF-8 (bad sequences become U+FFFD), word ends as spaces, stripped. Unknown ids are skipped.
     */
    public String decode(int[] ids) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int id : ids) {
            String t = vocab.token(id);
            if (t == null) continue;
            if (t.equals(START_OF_TEXT) || t.equals(END_OF_TEXT)) {
                bytes.writeBytes(t.getBytes(StandardCharsets.UTF_8));
                continue;
            }
            for (int i = 0; i < t.length(); i++) {
                if (t.startsWith(ClipBpe.END_OF_WORD, i)) {
                    bytes.write(' ');
                    i += ClipBpe.END_OF_WORD.length() - 1;
                    continue;
                }
                int b = ClipBpe.charToByte(t.charAt(i));
                if (b >= 0) bytes.write(b);
            }
        }
        return StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())).toString().strip();
    }

    /** The token string of {@code id}, or null. */
    public String token(int id) { return vocab.token(id); }

    public ClipVocab vocab() { return vocab; }
    public int bosId() { return bosId; }
    public int eosId() { return eosId; }
    /** The id padding a sequence to 77: 49407 (EOS) for SD1 folders, 0 ({@code "!"}) for SD2's. */
    public int padId() { return padId; }
    /** The id of {@code ",</w>"}, which the WebUI's chunking backs off to; -1 if the vocabulary lacks it. */
    public int commaId() { return vocab.id(",</w>").orElse(-1); }
    /** The folder this tokenizer was read from; null for the {@link #bundled} one. */
    public Path folder() { return folder; }
}
