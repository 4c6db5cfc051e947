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
                + "  dtype, shape, bytes, data_offsets (safetensors), file (folders)}] (--tensors).\n\n"
                + options().help();
    }

    @Override public int run(List<String> args, PrintStream out, PrintStream err) {
        Arguments a = options().parse(args);
        boolean json = a.flag("--json"), tensors = a.flag("--tensors");
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
            if (json) documents.add(JsonReport.of(s, tensors, h));
            else {
                if (i > 0) out.println();
                out.print(TextReport.of(s, tensors, h));
            }
        }
        if (json) out.println(Json.writePretty(n == 1 ? documents.getFirst() : documents));
        return status;
    }
}
