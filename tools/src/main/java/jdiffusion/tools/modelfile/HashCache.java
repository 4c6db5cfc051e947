package jdiffusion.tools.modelfile;

import jdiffusion.tensor.ckpt.ModelHash;
import jdiffusion.tensor.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SHA-256 of model files, cached by absolute path, size and modification time in a small JSON file (the role
 * of the WebUI's {@code cache.json}), so a multi-GiB checkpoint is hashed once.
 */
public final class HashCache {
    private final Path file;

    public HashCache(Path file) { this.file = file; }

    /** {@code $JSD_CACHE_DIR/hashes.json}, else {@code ~/.cache/jdiffusion/hashes.json}. */
    public static HashCache standard() {
        String dir = System.getenv("JSD_CACHE_DIR");
        Path base = dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "jdiffusion");
        return new HashCache(base.resolve("hashes.json"));
    }

    public String sha256(Path model) throws IOException {
        Path abs = model.toAbsolutePath().normalize();
        long size = Files.size(abs), mtime = Files.getLastModifiedTime(abs).toMillis();
        Map<String, Object> all = read();
        if (all.get(abs.toString()) instanceof Map<?, ?> e && e.get("size") instanceof Long s && s == size
                && e.get("mtime") instanceof Long m && m == mtime && e.get("sha256") instanceof String h) return h;
        String hash = ModelHash.sha256(abs);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("size", size);
        entry.put("mtime", mtime);
        entry.put("sha256", hash);
        all.put(abs.toString(), entry);
        write(all);
        return hash;
    }

    private Map<String, Object> read() {
        try {
            return Files.isRegularFile(file) ? new LinkedHashMap<>(Json.parseObject(Files.readString(file))) : new LinkedHashMap<>();
        } catch (IOException | RuntimeException unreadable) {
            return new LinkedHashMap<>(); // a damaged cache only costs a re-hash
        }
    }

    private void write(Map<String, Object> all) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".hashes", ".tmp");
            Files.writeString(tmp, Json.writePretty(all));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException cannotCache) {
            // hashing still worked; the cache is an optimisation
        }
    }
}
