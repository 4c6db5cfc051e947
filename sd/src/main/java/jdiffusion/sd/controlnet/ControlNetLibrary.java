package jdiffusion.sd.controlnet;

import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.ControlNetFile;
import jdiffusion.sd.checkpoint.ModelLoadException;
import jdiffusion.sd.extra.ModelsFolder;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.ckpt.ModelHash;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ControlNet models a user has: files in {@code models/ControlNet} and {@code extensions/sd-webui-controlnet/models},
 * named as the extension names them ({@code stem [short hash]}, the WebUI's legacy hash), plus any path given directly.
 * Models are loaded once for the base model's UNet and kept.
 */
public final class ControlNetLibrary implements AutoCloseable {
    private final Backend backend;
    private final UNetConfig base;
    private final ModelsFolder folder;
    private final Map<Path, Loaded> loaded = new HashMap<>();
    private final Map<Path, String> hashes = new HashMap<>();

    /** A loaded ControlNet and its file. */
    public record Loaded(ControlNet net, ControlNetFile file, String name) {}

    /** {@code folder} may be null (paths only). */
    public ControlNetLibrary(Backend backend, UNetConfig base, ModelsFolder folder) {
        this.backend = backend;
        this.base = base;
        this.folder = folder;
    }

    /** The extension's name of a model file: {@code stem [legacy hash]}. */
    public synchronized String displayName(Path file) {
        if (Files.isDirectory(file)) return file.getFileName().toString();
        String hash = hashes.computeIfAbsent(file, ModelHash::legacy);
        return ModelsFolder.stem(file) + " [" + hash + "]";
    }

    /** Every model in the folders, by display name ({@code /controlnet/model_list}). */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        if (folder != null) for (Path p : new LinkedHashMap<>(folder.files(ModelsFolder.Kind.CONTROLNET)).values()) out.add(displayName(p));
        return out;
    }

    /** The file {@code name} refers to: a display name ({@code stem [hash]}), a stem, or a path. */
    public Path resolve(String name) {
        String stem = name.replaceFirst("\\s*\\[[0-9a-fA-F]{8,10}]\\s*$", "").trim();
        Path direct = Path.of(name);
        if (Files.exists(direct)) return direct;
        if (folder != null) {
            var found = folder.find(ModelsFolder.Kind.CONTROLNET, stem);
            if (found.isPresent()) return found.get();
        }
        String where = folder == null ? "(no models folder given: pass a path, or --models-dir)" : "in " + folder.root().resolve("models/ControlNet")
                + " or extensions/sd-webui-controlnet/models";
        throw new ModelLoadException("ControlNet model \"" + name + "\" not found " + where + (folder == null ? "" : "; known: " + names()));
    }

    /** The model {@code name}, loaded for the base model (once). */
    public synchronized Loaded load(String name) {
        Path path = resolve(name);
        Loaded l = loaded.get(path);
        if (l == null) {
            ControlNetFile file = ControlNetFile.open(path, base);
            l = new Loaded(new ControlNet(backend, new Weights(file.weights()), file.config()), file, displayName(path));
            loaded.put(path, l);
        }
        return l;
    }

    @Override public synchronized void close() {
        loaded.values().forEach(l -> l.file().close());
        loaded.clear();
    }
}
