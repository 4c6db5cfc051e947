package jdiffusion.sd.clip;

import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.json.JsonException;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * Usage: {@code ClipTokenizer t = ClipTokenizer.load(ClipTokenizer.locate(tokenizerArg, modelFolder));
 * int[] ids = t.encodePadded("a photo of a cat");}
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
    public static final String HF_REPO_DIR = "models--openai--clip-vit-large-patch14";

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
        ClipBpe bpe = new ClipBpe(readMerges(mergesFile));
        Map<String, Object> specialMap = readJsonIfPresent(folder.resolve("special_tokens_map.json"));
        Map<String, Object> config = readJsonIfPresent(folder.resolve("tokenizer_config.json"));
        Map<String, Object> addedJson = readJsonIfPresent(folder.resolve("added_tokens.json"));
        return new ClipTokenizer(folder, vocab, bpe, readPadId(folder, vocab, specialMap, config),
                readAddedTokens(folder, vocab, specialMap, config, addedJson), Flavor.HUGGING_FACE);
    }

    /** The same vocabulary and merges with another flavor's text handling. */
    public ClipTokenizer withFlavor(Flavor f) {
        return f == flavor ? this : new ClipTokenizer(folder, vocab, bpe, padId, addedTokens, f);
    }

    public Flavor flavor() { return flavor; }

    private static final String WHERE_FROM = "A CLIP tokenizer comes from the tokenizer/ folder of a diffusers model, from --tokenizer PATH, "
            + "or from the Hugging Face cache (~/.cache/huggingface/hub/" + HF_REPO_DIR + ", e.g. `huggingface-cli download openai/clip-vit-large-patch14`).";

    static boolean isTokenizerFolder(Path p) {
        return Files.isRegularFile(p.resolve("vocab.json")) && Files.isRegularFile(p.resolve("merges.txt"));
    }

    private static ClipTokenizerException malformed(Path file, String why) {
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

    private static Map<String, Integer> readMerges(Path file) {
        String[] lines = readText(file).strip().split("\n");
        Map<String, Integer> ranks = new HashMap<>(MAX_MERGES * 2);
        // line 0 is the "#version" header
        int n = Math.min(lines.length - 1, MAX_MERGES);
        for (int i = 0; i < n; i++) {
            String[] pair = lines[i + 1].strip().split("\\s+");
            if (pair.length != 2) throw malformed(file, "line " + (i + 2) + " is not two symbols separated by a space: \"" + lines[i + 1] + "\"");
            ranks.putIfAbsent(pair[0] + " " + pair[1], i);
        }
        if (ranks.isEmpty()) throw malformed(file, "it holds no merges");
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
     * Finds a tokenizer folder, in this order: {@code explicit} (a {@code --tokenizer PATH}; when given it must hold a
     * tokenizer, or the {@code tokenizer/} of a diffusers folder), the {@code tokenizer/} folder of
     * {@code diffusersModel}, and the Hugging Face cache's {@code openai/clip-vit-large-patch14} snapshot. Either
     * argument may be null.
     *
     * @throws ClipTokenizerException naming every place searched and where a tokenizer can come from
     */
    public static Path locate(Path explicit, Path diffusersModel) {
        return locate(explicit, diffusersModel, defaultHubCache());
    }

    /** {@link #locate(Path, Path)} with the Hugging Face hub cache folder given (null: none). */
    public static Path locate(Path explicit, Path diffusersModel, Path hubCache) {
        if (explicit != null) {
            if (isTokenizerFolder(explicit)) return explicit;
            if (isTokenizerFolder(explicit.resolve("tokenizer"))) return explicit.resolve("tokenizer");
            throw new ClipTokenizerException("--tokenizer " + explicit + " is not a CLIP tokenizer folder: it must hold vocab.json and merges.txt "
                    + "(or be a diffusers model folder with tokenizer/). " + WHERE_FROM);
        }
        List<String> searched = new ArrayList<>();
        if (diffusersModel != null) {
            Path t = diffusersModel.resolve("tokenizer");
            if (isTokenizerFolder(t)) return t;
            searched.add(t.toString());
        }
        if (hubCache != null) {
            Path repo = hubCache.resolve(HF_REPO_DIR);
            Path found = hubSnapshot(repo);
            if (found != null) return found;
            searched.add(repo + "/snapshots/*");
        }
        throw new ClipTokenizerException("no CLIP tokenizer found" + (searched.isEmpty() ? "" : " (searched " + String.join(", ", searched) + ")")
                + ". " + WHERE_FROM);
    }

    /** {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}. */
    public static Path defaultHubCache() {
        String hub = System.getenv("HF_HUB_CACHE");
        if (hub != null && !hub.isBlank()) return Path.of(hub);
        String home = System.getenv("HF_HOME");
        if (home != null && !home.isBlank()) return Path.of(home, "hub");
        return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
    }

    /** The snapshot {@code refs/main} points at, else any snapshot holding a tokenizer; null if none. */
    private static Path hubSnapshot(Path repo) {
        Path snapshots = repo.resolve("snapshots");
        if (!Files.isDirectory(snapshots)) return null;
        try {
            Path ref = repo.resolve("refs").resolve("main");
            if (Files.isRegularFile(ref)) {
                Path s = snapshots.resolve(Files.readString(ref).strip());
                if (isTokenizerFolder(s)) return s;
            }
            List<Path> candidates = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshots)) {
                for (Path s : ds) if (isTokenizerFolder(s)) candidates.add(s);
            }
            candidates.sort(null);
            return candidates.isEmpty() ? null : candidates.getFirst();
        } catch (IOException | RuntimeException e) {
            return null;
        }
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
    public Path folder() { return folder; }
}
