package jdiffusion.tools.modelfile;

import jdiffusion.tensor.ckpt.CheckpointFiles;
import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tools.Arguments;
import jdiffusion.tools.Command;
import jdiffusion.tools.Options;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code jsd prune IN OUT}: keep only what inference reads; optionally the EMA weights and half precision. */
public final class PruneCommand implements Command {
    private static Options options() {
        return new Options()
                .positionals("FILE", "IN OUT", 2, 2)
                .flag("--ema", "use the EMA weights as the UNet weights (\"pruned-emaonly\")")
                .value("--dtype", "DTYPE", "f16, bf16 or f32 (default: keep)")
                .flag("--force", "replace OUT if it exists");
    }

    @Override public String name() { return "prune"; }

    @Override public String summary() { return "drop EMA copies and training leftovers (optionally keep EMA, convert to f16)"; }

    @Override public String help() {
        return "usage: jsd prune " + options().synopsis() + "\n\n"
                + "Writes a .safetensors with the UNet, VAE, text encoder and schedule buffers only: what the WebUI\n"
                + "loads. With --ema the model_ema.* copies replace the UNet weights.\n\n" + options().help();
    }

    @Override public int run(List<String> args, PrintStream out, PrintStream err) {
        Arguments a = options().parse(args);
        Path in = a.positionalPath(0, "IN"), target = a.positionalPath(1, "OUT");
        try (TensorFile f = CheckpointFiles.open(in)) {
            Pruner.prune(f, a.flag("--ema"), ModelFileOptions.dtype(a), target, a.flag("--force"));
        }
        err.println("prune: wrote " + target);
        return 0;
    }
}
