package jdiffusion.tools.inspect;

import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.CheckpointException;
import jdiffusion.tensor.ckpt.CheckpointFiles;
import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tensor.ckpt.TorchCheckpoint;
import jdiffusion.tools.CommandException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A model file or folder opened as name to tensor, for tools that read values ({@code jsd diff}, {@code inspect --stats}).
 * One reader per format: {@link CheckpointFiles} (safetensors, or a torch pickle through the restricted unpickler).
 * A diffusers folder contributes the weight file the loader picks per component, named {@code component/tensor}; any
 * other folder (a {@code jsd eval --dump-intermediates} output folder, a golden folder) every weight file below it,
 * named {@code relative/path/without/extension/tensor}. Tensors are memory-mapped views, valid until {@link #close}.
 */
public final class TensorSet implements AutoCloseable {
    private final Path path;
    private final List<TensorFile> files;
    private final Map<String, Tensor> tensors;

    private TensorSet(Path path, List<TensorFile> files, Map<String, Tensor> tensors) {
        this.path = path;
        this.files = files;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    public Path path() { return path; }

    /** Name to tensor, in file order. */
    public Map<String, Tensor> tensors() { return tensors; }

    /** Opens a weights file or folder; a {@link CommandException} naming it when it cannot be read. */
    public static TensorSet open(Path path) {
        if (!Files.exists(path)) throw new CommandException(path + ": no such file or folder");
        List<TensorFile> opened = new ArrayList<>();
        Map<String, Tensor> all = new LinkedHashMap<>();
        try {
            if (Files.isDirectory(path)) {
                for (Map.Entry<String, Path> f : folderFiles(path).entrySet()) {
                    TensorFile tf = openFile(f.getValue());
                    opened.add(tf);
                    tensorsOf(tf).forEach((k, v) -> all.put(f.getKey() + "/" + k, v));
                }
            } else {
                TensorFile tf = openFile(path);
                opened.add(tf);
                all.putAll(tensorsOf(tf));
            }
        } catch (RuntimeException e) {
            opened.forEach(TensorFile::close);
            throw e;
        }
        return new TensorSet(path, opened, all);
    }

    private static TensorFile openFile(Path file) {
        if (!Files.isRegularFile(file)) throw new CommandException(file + ": not a regular file");
        WeightFile.isTorch(file); // refuses GGUF by name
        try {
            return CheckpointFiles.open(file);
        } catch (CheckpointException e) {
            throw new CommandException(e.getMessage() + " (expected a .safetensors, .ckpt/.pt/.bin file or a folder of them)", e);
        }
    }

    /** The file's tensors; an embedding's or hypernetwork's nested dicts flattened to dotted names. */
    static Map<String, Tensor> tensorsOf(TensorFile f) {
        Map<String, Tensor> t = f.tensors();
        if (t.isEmpty() && f instanceof TorchCheckpoint c) t = WeightFile.nested(c.root());
        return t;
    }

    /** The weight files of a folder by the name prefix their tensors get. */
    private static Map<String, Path> folderFiles(Path folder) {
        Map<String, Path> out = new LinkedHashMap<>();
        boolean diffusers = Files.isRegularFile(folder.resolve("model_index.json")) || Files.isRegularFile(folder.resolve("unet").resolve("config.json"));
        if (diffusers) {
            DiffusersFolder.componentWeights(folder).forEach((component, files) -> {
                for (Path f : files) out.put(files.size() == 1 ? component : component + "/" + stem(f), f); // shards apart
            });
            return out;
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(folder)) {
            files = s.filter(Files::isRegularFile).filter(TensorSet::isWeightName).sorted().toList();
        } catch (IOException e) {
            throw new CommandException(folder + ": cannot list: " + e.getMessage(), e);
        }
        if (files.isEmpty())
            throw new CommandException(folder + ": holds no .safetensors, .ckpt, .pt or .bin file; give a weights file, a diffusers folder or a folder of dumps");
        for (Path f : files) {
            String rel = folder.relativize(f).toString().replace('\\', '/');
            out.put(rel.substring(0, rel.lastIndexOf('.')), f);
        }
        return out;
    }

    private static boolean isWeightName(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".safetensors") || n.endsWith(".ckpt") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".bin");
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.indexOf('.');
        return dot < 0 ? n : n.substring(0, dot);
    }

    @Override public void close() { files.forEach(TensorFile::close); }
}
