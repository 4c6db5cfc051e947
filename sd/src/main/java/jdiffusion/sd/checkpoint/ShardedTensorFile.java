package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.json.JsonException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Several tensor files seen as one: a diffusers {@code *.safetensors.index.json} shard set. */
final class ShardedTensorFile implements TensorFile {
    private final Path path;
    private final List<TensorFile> shards;
    private final Map<String, TensorFile> byName;

    private ShardedTensorFile(Path path, List<TensorFile> shards, Map<String, TensorFile> byName) {
        this.path = path;
        this.shards = shards;
        this.byName = byName;
    }

    /** Opens the shards an index lists in its {@code weight_map}. */
    static ShardedTensorFile open(Path index) {
        Map<String, Object> json;
        try {
            json = Json.parseObject(Files.readString(index));
        } catch (IOException | JsonException e) {
            throw new ModelLoadException(index + ": cannot read the shard index: " + e.getMessage(), e);
        }
        if (!(json.get("weight_map") instanceof Map<?, ?> map))
            throw new ModelLoadException(index + ": shard index has no \"weight_map\"");
        List<TensorFile> shards = new ArrayList<>();
        Map<String, TensorFile> open = new LinkedHashMap<>();
        Map<String, TensorFile> byName = new LinkedHashMap<>();
        try {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String file = String.valueOf(e.getValue());
                TensorFile f = open.get(file);
                if (f == null) {
                    f = ModelFile.open(index.resolveSibling(file));
                    open.put(file, f);
                    shards.add(f);
                }
                String name = String.valueOf(e.getKey());
                if (!f.contains(name)) throw new ModelLoadException(index + ": \"" + name + "\" is not in shard " + file);
                byName.put(name, f);
            }
        } catch (RuntimeException e) {
            shards.forEach(TensorFile::close);
            throw e;
        }
        return new ShardedTensorFile(index, shards, byName);
    }

    private TensorFile owner(String name) {
        TensorFile f = byName.get(name);
        if (f == null) throw new ModelLoadException(path + ": no tensor named \"" + name + "\"");
        return f;
    }

    @Override public Path path() { return path; }

    @Override public Set<String> names() { return Collections.unmodifiableSet(byName.keySet()); }

    @Override public boolean contains(String name) { return byName.containsKey(name); }

    @Override public int[] shape(String name) { return owner(name).shape(name); }

    @Override public DType dtype(String name) { return owner(name).dtype(name); }

    @Override public Tensor get(String name) { return owner(name).get(name); }

    @Override public void close() { shards.forEach(TensorFile::close); }
}
