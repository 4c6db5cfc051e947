package jdiffusion.tools.inspect;

import jdiffusion.tensor.json.Json;
import jdiffusion.tools.Arguments;
import jdiffusion.tools.Command;
import jdiffusion.tools.Options;
import jdiffusion.tools.modelfile.HashCache;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code jsd inspect FILE|DIR...}: what a model holds, whatever its layout — a {@code .safetensors} file (from its
 * header alone, so multi-GiB files answer at once), a {@code .ckpt/.pt} (through the restricted unpickler), a
 * diffusers folder, or a file that is not a checkpoint (VAE, LoRA, embedding, hypernetwork), which is described
 * rather than refused. See {@link ModelSummary} for what is gathered, {@link TextReport} and {@link JsonReport} for the output.
 */
public final class InspectCommand implements Command {

    private static Options options() {
        return new Options()
                .positionals("FILE|DIR", "model files (.safetensors, .ckpt, .pt, .bin) or diffusers folders", 1, Integer.MAX_VALUE)
                .flag("--tensors", "also list every tensor: name (prefixed by its component in a folder), dtype, shape")
                .flag("--json", "print JSON instead of text: one object, or an array of them for several inputs")
                .flag("--stats", "also read every value: per tensor min/max/mean/std/zeros/NaN/Inf, per block L2 norms; for a LoRA the\n"
                        + "norm of its merged delta per module and block (which blocks it changes)")
                .value("--plot", "DIR", "with --stats: write histograms, block-norm and LoRA-strength charts as PNGs into DIR")
                .flag("--hash", "also each weight file's AutoV2, legacy hash and SHA-256 (reads the whole file once; cached)");
    }

    @Override public String name() { return "inspect"; }

    @Override public String summary() { return "show what a model file or diffusers folder holds: kind, family, components, dtypes, metadata"; }

    @Override public String help() {
        return "usage: jsd inspect " + options().synopsis() + "\n\n"
                + "Says what each input is (checkpoint, diffusers pipeline, VAE, LoRA, embedding, hypernetwork), the model family\n"
                + "and variant as the loader sees it, parameters per component (unet, vae, text_encoder, other, ema), the dtype\n"
                + "mix, whether an EMA copy (model_ema.*) is present, metadata, and for a diffusers folder its pipeline class,\n"
                + "weight files and scheduler. safetensors files are read from their header only; .ckpt/.pt pickles through a\n"
                + "restricted unpickler that refuses any that ask to run code. Parameters count the elements of floating-point\n"
                + "tensors; integer tensors (position_ids) are buffers and count 0 ('-' in text). SHA-256s (--hash) are cached\n"
                + "by path, size and mtime in ~/.cache/jdiffusion/hashes.json ($JSD_CACHE_DIR overrides the folder).\n\n"
                + "--json keys: path, kind (checkpoint|diffusers|vae|lora|embedding|hypernetwork|component|unknown), description,\n"
                + "  layout (single file|diffusers folder), format (safetensors|torch zip|torch legacy|diffusers), file_bytes,\n"
                + "  header_bytes (safetensors), data_bytes, tensors, parameters, components/dtypes/prefixes ({name: {tensors,\n"
                + "  parameters, bytes}}), ema {present, tensors, parameters}, metadata (a folder: per file), details (the loader's\n"
                + "  view: family, variant, prediction, layout, config, unet, vae, text_encoder, or not_runnable; a LoRA's\n"
                + "  algorithms, modules, ranks; an embedding's vectors, width), pipeline {class, diffusers_version, components}\n"
                + "  and scheduler (folders), notes, hashes {autov2, legacy, sha256} (--hash, single file), files [{path,\n"
                + "  component, format, file_bytes, header_bytes, tensors, parameters, hashes}], tensor_list [{name, component,\n"
                + "  dtype, shape, bytes, data_offsets (safetensors), file (folders)}] (--tensors), stats {blocks [{component, block,\n"
                + "  tensors, parameters, norm}], tensors [{name, component, block, dtype, shape, min, max, mean, std, norm, zeros,\n"
                + "  nan, inf}], lora_blocks [{component, block, modules, norm}], lora_modules [{module, component, block, norm}]}\n"
                + "  (--stats). Statistics stream through the values a chunk at a time, so multi-GiB files need little memory.\n\n"
                + options().help();
    }

    @Override public int run(List<String> args, PrintStream out, PrintStream err) {
        Arguments a = options().parse(args);
        boolean json = a.flag("--json"), tensors = a.flag("--tensors");
        Path plot = a.has("--plot") ? a.path("--plot") : null;
        boolean stats = a.flag("--stats") || plot != null;
        FileHashes hashes = a.flag("--hash") ? new FileHashes(HashCache.standard()) : null;
        int n = a.positionals().size();
        List<Object> documents = new ArrayList<>();
        int status = 0;
        for (int i = 0; i < n; i++) {
            Path path = a.positionalPath(i, "FILE|DIR");
            ModelSummary s;
            try {
                s = ModelSummary.of(path);
            } catch (RuntimeException e) {
                // with several inputs, one bad file is reported and the others still inspected
                if (n == 1 || !e.getClass().getName().startsWith("jdiffusion.") || e.getMessage() == null) throw e;
                err.println("jsd: " + e.getMessage().replace('\n', ' '));
                status = 1;
                continue;
            }
            Map<Path, Map<String, Object>> h = hashes == null ? null : hashes.of(s);
            WeightStatsReport w = stats ? WeightStatsReport.gather(s, plot == null ? null : n == 1 ? plot : plot.resolve(stem(path))) : null;
            if (json) {
                Map<String, Object> doc = JsonReport.of(s, tensors, h);
                if (w != null) doc.put("stats", w.json());
                documents.add(doc);
            } else {
                if (i > 0) out.println();
                out.print(TextReport.of(s, tensors, h));
                if (w != null) out.print(w.text());
            }
        }
        if (json) out.println(Json.writePretty(n == 1 ? documents.getFirst() : documents));
        if (plot != null) err.println("wrote charts to " + plot);
        return status;
    }

    private static String stem(Path p) {
        String n = p.toAbsolutePath().normalize().getFileName().toString();
        return n.contains(".") ? n.substring(0, n.lastIndexOf('.')) : n;
    }
}
