package jdiffusion.tools.inspect;

import jdiffusion.tensor.ckpt.ModelHash;
import jdiffusion.tools.CommandException;
import jdiffusion.tools.modelfile.HashCache;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hashes {@code jsd hash} prints, per weight file: AutoV2 (the WebUI's "Model hash"), the legacy short hash and the
 * full SHA-256, which is cached by path, size and mtime ({@link HashCache}) since it reads the whole file.
 */
final class FileHashes {
    private final HashCache cache;

    FileHashes(HashCache cache) { this.cache = cache; }

    /** {@code autov2}, {@code legacy}, {@code sha256} of one file. */
    Map<String, Object> of(Path file) {
        String sha;
        try {
            sha = cache.sha256(file);
        } catch (IOException e) {
            throw new CommandException(file + ": cannot hash: " + e.getMessage(), e);
        }
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("autov2", sha.substring(0, 10));
        h.put("legacy", ModelHash.legacy(file));
        h.put("sha256", sha);
        return h;
    }

    /** Every weight file of the summary, keyed by its path. */
    Map<Path, Map<String, Object>> of(ModelSummary s) {
        Map<Path, Map<String, Object>> all = new LinkedHashMap<>();
        for (ModelSummary.Part p : s.parts()) all.put(p.file().path(), of(p.file().path()));
        return all;
    }
}
