package jdiffusion.tools.inspect;

import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.SafeTensorsException;
import jdiffusion.tensor.ckpt.ModelHash;
import jdiffusion.tensor.json.Json;
import jdiffusion.tools.modelfile.HashCache;
import jdiffusion.tools.Arguments;
import jdiffusion.tools.Command;
import jdiffusion.tools.CommandException;
import jdiffusion.tools.Options;
import jdiffusion.tools.Quantities;
import jdiffusion.tools.TextTable;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jsd inspect FILE}: what a model file holds, from its header alone (so multi-GiB files answer at once):
 * tensor count, dtype mix, parameters, size, metadata and the key prefixes that show which parts
 * (UNet, VAE, text encoder) it carries; {@code --tensors} lists every tensor, {@code --json} prints JSON.
 */
public final class InspectCommand implements Command {
    /** Metadata values longer than this are cut in text output (kohya LoRAs carry whole JSON documents there). */
    private static final int METADATA_TEXT_LIMIT = 120;

    private static Options options() {
        return new Options()
                .positional("FILE", "a .safetensors file")
                .flag("--tensors", "also list every tensor: name, dtype, shape")
                .flag("--json", "print JSON instead of text")
                .flag("--hash", "also the WebUI's model hashes (AutoV2, legacy) and the SHA-256 (cached)");
    }

    @Override public String name() { return "inspect"; }

    @Override public String summary() { return "show what a .safetensors file holds: tensors, dtypes, parameters, metadata"; }

    @Override public String help() {
        return "usage: jsd inspect " + options().synopsis() + "\n\n"
                + "Reads only the file's header, so it is instant even for multi-GiB checkpoints. By default prints a\n"
                + "summary: tensor count, bytes and parameters per dtype, metadata, and the top-level key prefixes\n"
                + "with their counts (model.diffusion_model = UNet, first_stage_model = VAE, cond_stage_model = text encoder).\n\n"
                + options().help();
    }

    @Override public int run(List<String> args, PrintStream out, PrintStream err) {
        Arguments a = options().parse(args);
        Path file = a.positionalPath(0, "FILE");
        try (SafeTensors st = open(file)) {
            SafeTensorsSummary summary = SafeTensorsSummary.of(st);
            Map<String, Object> model = ModelFacts.of(file, st.names());
            if (a.flag("--hash")) model.putAll(hashes(file));
            if (a.flag("--json")) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("file", file.toString());
                json.putAll(summary.toJson());
                json.put("model", model);
                if (a.flag("--tensors")) json.put("tensor_list", SafeTensorsSummary.tensorsJson(st));
                out.println(Json.writePretty(json));
            } else {
                if (a.flag("--tensors")) out.print(tensorTable(st));
                out.print(text(file, summary));
                TextTable m = new TextTable(false, false);
                model.forEach((k, v) -> m.row(k, String.valueOf(v)));
                out.print("\nmodel:\n" + m.render("  "));
            }
        }
        return 0;
    }

    private static Map<String, Object> hashes(Path file) {
        Map<String, Object> h = new LinkedHashMap<>();
        try {
            String sha = HashCache.standard().sha256(file);
            h.put("hash_autov2", sha.substring(0, 10));
            h.put("hash_legacy", ModelHash.legacy(file));
            h.put("sha256", sha);
        } catch (IOException e) {
            throw new CommandException(file + ": cannot hash: " + e.getMessage(), e);
        }
        return h;
    }

    /** Opens the file, turning "not a safetensors file" into a message that says what the file is instead. */
    private static SafeTensors open(Path file) {
        if (Files.isDirectory(file)) {
            if (Files.isRegularFile(file.resolve("model_index.json")))
                throw new CommandException(file + ": is a diffusers folder; inspect reads one .safetensors file for now, e.g. "
                        + file.resolve("unet").resolve("diffusion_pytorch_model.safetensors"));
            throw new CommandException(file + ": is a directory, not a .safetensors file");
        }
        try {
            return SafeTensors.open(file);
        } catch (SafeTensorsException e) {
            String other = otherFormat(file);
            if (other != null) throw new CommandException(file + ": is " + other + ", not .safetensors; inspect reads only .safetensors for now", e);
            throw e;
        }
    }

    /** Recognises other model formats by their first bytes, or returns null. */
    static String otherFormat(Path file) {
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 4);
        } catch (IOException e) {
            return null;
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return "a zip archive (a PyTorch .ckpt/.pt checkpoint?)";
        if (n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) return "a Python pickle (a legacy PyTorch .ckpt/.pt?)";
        if (n >= 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F') return "a GGUF file";
        return null;
    }

    private static String tensorTable(SafeTensors st) {
        TextTable t = new TextTable(false, false, false);
        for (SafeTensors.Entry e : st.entries().values()) t.row(printable(e.name(), Integer.MAX_VALUE), e.dtypeName(), Arrays.toString(e.shape()));
        return t.render("") + "\n";
    }

    private static String text(Path file, SafeTensorsSummary s) {
        StringBuilder b = new StringBuilder();
        TextTable facts = new TextTable(false, false);
        facts.row("file", file.toString());
        facts.row("size", Quantities.bytes(s.fileBytes()) + " (" + Quantities.grouped(s.fileBytes()) + " bytes; header "
                + Quantities.bytes(s.headerBytes()) + ")");
        facts.row("tensors", Quantities.grouped(s.tensors()));
        facts.row("parameters", Quantities.count(s.parameters()) + " (" + Quantities.grouped(s.parameters()) + ")");
        b.append(facts.render(""));
        b.append('\n').append(totals("dtype", s.byDtype()));
        b.append('\n').append(totals("prefix", s.byPrefix()));
        b.append('\n');
        if (s.metadata().isEmpty()) b.append("metadata: none\n");
        else {
            b.append("metadata (").append(s.metadata().size()).append("):\n");
            TextTable m = new TextTable(false, false);
            s.metadata().forEach((k, v) -> m.row(printable(k, 60) + ":", printable(v, METADATA_TEXT_LIMIT)));
            b.append(m.render("  "));
        }
        return b.toString();
    }

    private static String totals(String what, Map<String, SafeTensorsSummary.Totals> groups) {
        TextTable t = new TextTable(false, true, true, true);
        t.row(what, "tensors", "parameters", "bytes");
        groups.forEach((k, v) -> t.row(k, Quantities.grouped(v.tensors()), Quantities.count(v.parameters()), Quantities.bytes(v.bytes())));
        return t.render("");
    }

    /** One terminal-safe line: control characters escaped, long values cut with their full length noted. */
    static String printable(String s, int limit) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        for (; i < s.length() && b.length() <= limit; i++) {
            char c = s.charAt(i);
            if (c == '\n') b.append("\\n");
            else if (c == '\t') b.append("\\t");
            else if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        if (i < s.length() || b.length() > limit)
            return b.substring(0, Math.min(limit, b.length())) + "... (" + Quantities.grouped(s.length()) + " chars)";
        return b.toString();
    }
}
