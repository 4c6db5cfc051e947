package jdiffusion.sd.extra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A WebUI folder tree taken as it is: {@code models/Stable-diffusion}, {@code models/VAE}, {@code models/Lora} (and
 * {@code models/LyCORIS}), {@code models/hypernetworks}, {@code models/ControlNet} (or the ControlNet extension's own
 * {@code models/} folder), {@code embeddings/} and {@code wildcards/} (or the wildcards extension's own folder). The root may be the WebUI folder or its {@code models/} folder. As in the WebUI, a file is
 * known by its name without extension, wherever it sits below its kind's folder; when two share a name the first in
 * path order wins.
 */
public final class ModelsFolder {
    /** What a file is, where the WebUI keeps it and which extensions it reads. */
    public enum Kind {
        CHECKPOINT("checkpoint", List.of("models/Stable-diffusion"), List.of(".safetensors", ".ckpt")),
        VAE("VAE", List.of("models/VAE"), List.of(".safetensors", ".pt", ".ckpt")),
        LORA("LoRA", List.of("models/Lora", "models/LyCORIS"), List.of(".safetensors", ".pt", ".ckpt")),
        HYPERNETWORK("hypernetwork", List.of("models/hypernetworks"), List.of(".pt", ".safetensors")),
        EMBEDDING("embedding", List.of("embeddings"), List.of(".pt", ".safetensors", ".bin")),
        CONTROLNET("ControlNet", List.of("models/ControlNet", "extensions/sd-webui-controlnet/models"),
                List.of(".safetensors", ".pth", ".ckpt", ".pt", ".bin")),
        WILDCARD("wildcard", List.of("wildcards", "extensions/stable-diffusion-webui-wildcards/wildcards"), List.of(".txt")),
        ESRGAN("ESRGAN upscaler", List.of("models/ESRGAN"), List.of(".pt", ".pth", ".safetensors")),
        REALESRGAN("RealESRGAN upscaler", List.of("models/RealESRGAN"), List.of(".pth", ".safetensors")),
        SWINIR("SwinIR upscaler", List.of("models/SwinIR"), List.of(".pt", ".pth", ".ckpt", ".safetensors"));

        private final String label;
        private final List<String> folders;
        private final List<String> extensions;

        Kind(String label, List<String> folders, List<String> extensions) {
            this.label = label;
            this.folders = folders;
            this.extensions = extensions;
        }

        public String label() { return label; }

        public List<String> folders() { return folders; }
    }

    private final Path root;
    private final Map<Kind, Map<String, Path>> index = new LinkedHashMap<>();

    private ModelsFolder(Path root) { this.root = root; }

    /** The WebUI root {@code dir}, or the root above it when {@code dir} is its {@code models/} folder. */
    public static ModelsFolder of(Path dir) {
        if (!Files.isDirectory(dir)) throw new ExtraNetworkException(dir + ": no such folder (--models-dir wants a WebUI folder holding models/, embeddings/ ...)");
        Path root = dir;
        if (!Files.isDirectory(dir.resolve("models")) && dir.getFileName() != null
                && dir.getFileName().toString().equals("models") && dir.getParent() != null)
            root = dir.getParent();
        return new ModelsFolder(root);
    }

    public Path root() { return root; }

    /**
     * The file called {@code name} (no extension; a {@code sub/name} path also works), if any. A name not in the
     * index makes the kind's folders be listed again first, as the WebUI's LoRA loader does, so a file added while
     * running is found without an explicit refresh.
     */
    public synchronized Optional<Path> find(Kind kind, String name) {
        Optional<Path> known = lookup(kind, name);
        if (known.isPresent() || !index.containsKey(kind)) return known;
        index.remove(kind);
        return lookup(kind, name);
    }

    private static final java.util.regex.Pattern TITLE = java.util.regex.Pattern.compile("(.*?)\\s*\\[([0-9a-fA-F]{8,64})]\\s*");
    private static final java.util.regex.Pattern HASH = java.util.regex.Pattern.compile("[0-9a-fA-F]{8}|[0-9a-fA-F]{10}|[0-9a-fA-F]{64}");
    private final Map<Path, String> sha256 = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The file {@code name} refers to by any name the WebUI shows or an infotext carries: the name without
     * extension, the file name ({@code name.safetensors}), the path below the kind's folder with or without
     * extension ({@code sub/name}), the dropdown title {@code name.safetensors [c5aaa4db90]}, or a hash alone (the
     * 10-digit short hash, the 8-digit legacy hash or the full SHA-256; files are hashed only for such a look-up).
     */
    public Optional<Path> resolve(Kind kind, String name) {
        String key = name.strip().replace('\\', '/');
        if (key.isEmpty()) return Optional.empty();
        java.util.regex.Matcher title = TITLE.matcher(key);
        String bare = title.matches() ? title.group(1) : key;
        String hash = title.matches() ? title.group(2) : null;
        if (!bare.isEmpty()) {
            Optional<Path> byName = find(kind, bare);
            if (byName.isEmpty() && hasExtension(Path.of(bare), kind.extensions)) byName = find(kind, bare.substring(0, bare.lastIndexOf('.')));
            if (byName.isPresent()) return byName;
        }
        if (hash == null && HASH.matcher(key).matches()) hash = key;
        return hash == null ? Optional.empty() : byHash(kind, hash.toLowerCase(Locale.ROOT));
    }

    private Optional<Path> byHash(Kind kind, String hash) {
        for (Path p : files(kind).values()) {
            String full = sha256.computeIfAbsent(p, jdiffusion.tensor.ckpt.ModelHash::sha256);
            if (hash.length() == 8 ? jdiffusion.tensor.ckpt.ModelHash.legacy(p).equals(hash) : full.startsWith(hash)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /** Up to {@code max} names of {@code kind} nearest to {@code name} (edit distance), for "did you mean" messages. */
    public List<String> nearest(Kind kind, String name, int max) {
        String key = name.strip().toLowerCase(Locale.ROOT);
        return files(kind).keySet().stream()
                .sorted(java.util.Comparator.comparingInt((String n) -> editDistance(key, n.toLowerCase(Locale.ROOT))).thenComparing(n -> n))
                .limit(max).toList();
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    public static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++)
                cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private Optional<Path> lookup(Kind kind, String name) {
        Map<String, Path> all = all(kind);
        Path p = all.get(name);
        if (p == null) p = all.get(name.toLowerCase(Locale.ROOT));
        if (p == null && (name.contains("/") || name.contains("\\"))) {
            for (String folder : kind.folders) {
                for (String ext : kind.extensions) {
                    Path candidate = root.resolve(folder).resolve(name + ext);
                    if (Files.isRegularFile(candidate)) return Optional.of(candidate);
                }
            }
        }
        return Optional.ofNullable(p);
    }

    /** Every file of {@code kind} by name, also under its lower-cased name as a fallback for look-ups. */
    public synchronized Map<String, Path> all(Kind kind) {
        Map<String, Path> known = index.get(kind);
        if (known != null) return known;
        Map<String, Path> files = files(kind);
        Map<String, Path> withLower = new LinkedHashMap<>(files);
        for (Map.Entry<String, Path> e : files.entrySet()) withLower.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
        known = Collections.unmodifiableMap(withLower);
        index.put(kind, known);
        return known;
    }

    /** Every file of {@code kind} once, by name, listed from disk now; the first in path order wins a shared name. */
    public Map<String, Path> files(Kind kind) {
        Map<String, Path> found = new LinkedHashMap<>();
        for (String folder : kind.folders) {
            Path dir = root.resolve(folder);
            if (!Files.isDirectory(dir)) continue;
            List<Path> files = new ArrayList<>();
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(Files::isRegularFile).filter(p -> hasExtension(p, kind.extensions)).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": cannot list: " + e.getMessage(), e);
            }
            for (Path f : files) found.putIfAbsent(stem(f), f);
        }
        return Collections.unmodifiableMap(found);
    }

    /** Forgets what was listed, so files added since are seen (the WebUI's "refresh"). */
    public synchronized void refresh() { index.clear(); }

    private static boolean hasExtension(Path p, List<String> extensions) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        for (String e : extensions) if (n.endsWith(e)) return true;
        return false;
    }

    /** The WebUI's name of a file: its name without the last extension. */
    public static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
