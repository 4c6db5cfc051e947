package jdiffusion.tools.inspect;

import jdiffusion.sd.checkpoint.VaeFile;
import jdiffusion.sd.extra.Embedding;
import jdiffusion.sd.extra.Hypernetwork;
import jdiffusion.sd.extra.ModelsFolder;
import jdiffusion.sd.vae.VaeConfig;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a file is, in one line ({@code summary}) and as facts ({@code details}): the loader's view of a checkpoint
 * ({@link ModelFacts}), a VAE's shape, a LoRA's modules ({@link LoraFacts}), an embedding's vectors. Files that are
 * not checkpoints are described, never refused.
 */
record Identity(FileKind kind, String summary, Map<String, Object> details) {

    static Identity of(WeightFile f) {
        FileKind kind = FileKind.of(f);
        Path path = f.path();
        return switch (kind) {
            case CHECKPOINT, DIFFUSERS -> checkpoint(kind, path, f.tensors().stream().map(TensorEntry::name).toList());
            case VAE -> vae(path);
            case LORA -> {
                Map<String, Object> d = LoraFacts.of(f);
                yield new Identity(kind, "LoRA/LyCORIS network (" + d.get("algorithms") + "), not a checkpoint: put it in models/Lora and write <lora:"
                        + ModelsFolder.stem(path) + ":1> in a prompt", d);
            }
            case EMBEDDING -> embedding(path);
            case HYPERNETWORK -> hypernetwork(path);
            case COMPONENT -> new Identity(kind, "one component of a diffusers folder (diffusers names): open the folder that holds model_index.json", Map.of());
            case UNKNOWN -> new Identity(kind, "not a model file jsd knows: no UNet, VAE, LoRA or embedding tensors", Map.of());
        };
    }

    /** A checkpoint file or diffusers folder, as the loader opens it. */
    static Identity checkpoint(FileKind kind, Path path, Collection<String> names) {
        Map<String, Object> facts = ModelFacts.of(path, names);
        String what = kind == FileKind.DIFFUSERS ? "diffusers pipeline" : "single-file checkpoint";
        if (facts.get("not_runnable") instanceof String why)
            return new Identity(kind, (facts.containsKey("family") ? facts.get("family") + " " : "") + what + " jsd cannot run: " + why, facts);
        return new Identity(kind, "Stable Diffusion " + what + ": " + facts.get("family") + " " + facts.get("variant") + ", " + facts.get("prediction"), facts);
    }

    private static Identity vae(Path path) {
        Map<String, Object> d = new LinkedHashMap<>();
        try (VaeFile v = VaeFile.open(path, null)) {
            VaeConfig c = v.config();
            d.put("block_out_channels", c.blockOutChannels().stream().map(Integer::longValue).toList());
            d.put("latent_channels", (long) c.latentChannels());
            d.put("downsampling", (long) c.downsamplingFactor());
        } catch (RuntimeException e) {
            d.put("not_runnable", e.getMessage());
        }
        return new Identity(FileKind.VAE, "stand-alone VAE, not a full checkpoint: pass it with --vae", d);
    }

    private static Identity embedding(Path path) {
        Map<String, Object> d = new LinkedHashMap<>();
        try {
            Embedding e = Embedding.load(path);
            d.put("name", e.name());
            d.put("vectors", (long) e.count());
            d.put("width", (long) e.dim());
            d.put("sdxl", e.sdxl());
            return new Identity(FileKind.EMBEDDING, "textual-inversion embedding: " + e.count() + " vector(s) x " + e.dim() + " wide"
                    + (e.sdxl() ? " (SDXL: clip_l + clip_g)" : "") + "; write " + e.name() + " in a prompt (file in embeddings/)", d);
        } catch (RuntimeException e) {
            d.put("not_runnable", e.getMessage());
            return new Identity(FileKind.EMBEDDING, "textual-inversion embedding jsd cannot read: " + e.getMessage(), d);
        }
    }

    private static Identity hypernetwork(Path path) {
        Map<String, Object> d = new LinkedHashMap<>();
        try {
            Hypernetwork h = Hypernetwork.load(path);
            d.put("widths", h.widths().stream().map(Integer::longValue).toList());
            return new Identity(FileKind.HYPERNETWORK, "hypernetwork for attention widths " + h.widths() + ": put it in models/hypernetworks and write <hypernet:"
                    + ModelsFolder.stem(path) + ":1> in a prompt", d);
        } catch (RuntimeException e) {
            d.put("not_runnable", e.getMessage());
            return new Identity(FileKind.HYPERNETWORK, "hypernetwork jsd cannot read: " + e.getMessage(), d);
        }
    }
}
