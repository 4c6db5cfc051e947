package jdiffusion.sd.upscale;

import jdiffusion.sd.extra.ModelsFolder;
import jdiffusion.tensor.Backend;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The upscalers a WebUI folder offers, under the names the WebUI shows: "None", "Lanczos", "Nearest", every file
 * in {@code models/ESRGAN} by its name without extension, the Real-ESRGAN releases in {@code models/RealESRGAN} by
 * the WebUI's labels ("R-ESRGAN 4x+", ...), and the {@code models/SwinIR} files (listed, refused when used: jsd
 * does not run SwinIR yet). Models are loaded on first use and kept until {@link #close}.
 */
public final class UpscalerLibrary implements AutoCloseable {
    /** One upscaler as {@code /sdapi/v1/upscalers} lists it. */
    public record Entry(String name, String modelName, Path modelPath, Integer scale) {}

    /** The WebUI's Real-ESRGAN labels and the release files they load. */
    private static final Map<String, String> REAL_ESRGAN = new LinkedHashMap<>();
    static {
        REAL_ESRGAN.put("R-ESRGAN General 4xV3", "realesr-general-x4v3");
        REAL_ESRGAN.put("R-ESRGAN General WDN 4xV3", "realesr-general-wdn-x4v3");
        REAL_ESRGAN.put("R-ESRGAN AnimeVideo", "realesr-animevideov3");
        REAL_ESRGAN.put("R-ESRGAN 4x+", "RealESRGAN_x4plus");
        REAL_ESRGAN.put("R-ESRGAN 4x+ Anime6B", "RealESRGAN_x4plus_anime_6B");
        REAL_ESRGAN.put("R-ESRGAN 2x+", "RealESRGAN_x2plus");
    }

    private final Backend backend;
    private final Map<String, Path> esrgan, realEsrgan, swinir;
    private final Map<Path, UpscaleModel> loaded = new LinkedHashMap<>();

    public UpscalerLibrary(Backend backend, Map<String, Path> esrgan, Map<String, Path> realEsrgan, Map<String, Path> swinir) {
        this.backend = backend;
        this.esrgan = Map.copyOf(esrgan);
        this.realEsrgan = Map.copyOf(realEsrgan);
        this.swinir = Map.copyOf(swinir);
    }

    /** The upscalers of a WebUI folder ({@code null}: only the built-in ones). */
    public static UpscalerLibrary of(Backend backend, ModelsFolder folder) {
        if (folder == null) return new UpscalerLibrary(backend, Map.of(), Map.of(), Map.of());
        Map<String, Path> real = new LinkedHashMap<>();
        Map<String, Path> files = folder.files(ModelsFolder.Kind.REALESRGAN);
        REAL_ESRGAN.forEach((label, file) -> { if (files.containsKey(file)) real.put(label, files.get(file)); });
        return new UpscalerLibrary(backend, folder.files(ModelsFolder.Kind.ESRGAN), real, folder.files(ModelsFolder.Kind.SWINIR));
    }

    /** Every upscaler by name, in the WebUI's order (built-ins, ESRGAN files, Real-ESRGAN, SwinIR). */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        out.add(new Entry("None", null, null, null));
        out.add(new Entry("Lanczos", null, null, null));
        out.add(new Entry("Nearest", null, null, null));
        esrgan.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> out.add(new Entry(e.getKey(), e.getKey(), e.getValue(), 4)));
        realEsrgan.forEach((k, v) -> out.add(new Entry(k, k, v, k.contains("2x") ? 2 : 4)));
        swinir.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> out.add(new Entry(e.getKey(), e.getKey(), e.getValue(), 4)));
        return out;
    }

    /**
     * The upscaler called {@code name} (case-insensitive), a model file given by path, or an {@link UpscalerException}
     * listing the names there are. Model upscalers tile by {@code tile}/{@code overlap} (ESRGAN_tile, ESRGAN_tile_overlap).
     */
    public synchronized Upscaler get(String name, int tile, int overlap) {
        String n = name == null ? "None" : name.strip();
        for (PillowUpscaler p : List.of(PillowUpscaler.NONE, PillowUpscaler.LANCZOS, PillowUpscaler.NEAREST))
            if (p.name().equalsIgnoreCase(n)) return p;
        Path file = find(esrgan, n);
        if (file == null) file = find(realEsrgan, n);
        if (file == null && find(swinir, n) != null)
            throw new UpscalerException("upscaler \"" + n + "\" (" + find(swinir, n) + ") is a SwinIR model, an architecture jsd does not run yet; use an ESRGAN or Real-ESRGAN model");
        if (file == null) {
            String label = REAL_ESRGAN.keySet().stream().filter(l -> l.equalsIgnoreCase(n)).findFirst().orElse(null);
            if (label != null)
                throw new UpscalerException("upscaler \"" + label + "\" needs " + REAL_ESRGAN.get(label) + ".pth in models/RealESRGAN (jsd does not download models)");
            Path p = Path.of(n);
            if (Files.isRegularFile(p)) file = p;
        }
        if (file == null)
            throw new UpscalerException("no upscaler named \"" + n + "\"; there are: " + String.join(", ", entries().stream().map(Entry::name).toList())
                    + " (and every latent mode for hires fix)");
        UpscaleModel model = loaded.get(file);
        if (model == null) {
            model = UpscaleModel.load(file, backend);
            loaded.put(file, model);
        }
        String shown = file.getFileName().toString().equalsIgnoreCase(n) || Files.isRegularFile(Path.of(n)) ? ModelsFolder.stem(file) : n;
        return new ModelUpscaler(shown, backend, model, tile, overlap);
    }

    private static Path find(Map<String, Path> m, String name) {
        Path p = m.get(name);
        if (p != null) return p;
        for (Map.Entry<String, Path> e : m.entrySet()) if (e.getKey().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) return e.getValue();
        return null;
    }

    @Override
    public synchronized void close() {
        for (UpscaleModel m : loaded.values()) m.close();
        loaded.clear();
    }
}
