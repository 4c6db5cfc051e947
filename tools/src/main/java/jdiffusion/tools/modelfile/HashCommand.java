package jdiffusion.tools.modelfile;

import jdiffusion.tensor.ckpt.ModelHash;
import jdiffusion.tools.Arguments;
import jdiffusion.tools.Command;
import jdiffusion.tools.CommandException;
import jdiffusion.tools.Options;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code jsd hash FILE...}: the WebUI's model hashes (AutoV2 and legacy) and the full SHA-256. */
public final class HashCommand implements Command {
    private static Options options() {
        return new Options().positionals("FILE", "model files to hash", 1, Integer.MAX_VALUE);
    }

    @Override public String name() { return "hash"; }

    @Override public String summary() { return "the WebUI's model hashes (AutoV2, legacy) and SHA-256 of model files"; }

    @Override public String help() {
        return "usage: jsd hash " + options().synopsis() + "\n\n"
                + "AutoV2 is the first 10 hex digits of the file's SHA-256 (the WebUI's 'Model hash'); legacy is the first\n"
                + "8 hex digits of the SHA-256 of the 64 KiB at offset 1 MiB. SHA-256s are cached by path, size and mtime\n"
                + "in ~/.cache/jdiffusion/hashes.json ($JSD_CACHE_DIR overrides the folder).\n\n" + options().help();
    }

    @Override public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        Arguments a = options().parse(args);
        HashCache cache = HashCache.standard();
        for (int i = 0; i < a.positionals().size(); i++) {
            Path f = a.positionalPath(i, "FILE");
            if (!Files.isRegularFile(f)) throw new CommandException(f + ": no such file");
            String sha = cache.sha256(f);
            out.printf("%s%n  AutoV2  %s%n  legacy  %s%n  sha256  %s%n", f, sha.substring(0, 10), ModelHash.legacy(f), sha);
        }
        return 0;
    }
}
