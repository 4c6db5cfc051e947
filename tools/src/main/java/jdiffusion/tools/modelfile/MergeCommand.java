package jdiffusion.tools.modelfile;

import jdiffusion.tensor.ckpt.CheckpointFiles;
import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tools.Arguments;
import jdiffusion.tools.Command;
import jdiffusion.tools.Options;
import jdiffusion.tools.UsageException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code jsd merge A B [C] OUT}: the WebUI's checkpoint merger, streaming tensor by tensor. */
public final class MergeCommand implements Command {
    private static Options options() {
        return new Options()
                .positionals("FILE", "A B OUT (weighted sum) or A B C OUT (add difference)", 3, 4)
                .value("--mode", "MODE", "weighted-sum (default): (1-alpha)*A + alpha*B; add-difference: A + alpha*(B-C)")
                .value("--alpha", "X", "the multiplier (default 0.3)")
                .value("--dtype", "DTYPE", "f16, bf16 or f32 (default: as the WebUI, the inputs' common dtype per tensor)")
                .flag("--force", "replace OUT if it exists");
    }

    @Override public String name() { return "merge"; }

    @Override public String summary() { return "merge checkpoints like the WebUI: weighted sum or add difference"; }

    @Override public String help() {
        return "usage: jsd merge " + options().synopsis() + "\n\n"
                + "Merges model weights (names containing 'model') present in A and B; other tensors are A's. Works one\n"
                + "tensor at a time, so memory stays near the size of the largest tensor. Inputs may be .safetensors or .ckpt;\n"
                + "the output is .safetensors. Models of different families (SD1 vs SD2 vs SDXL) are refused.\n\n" + options().help();
    }

    @Override public int run(List<String> args, PrintStream out, PrintStream err) {
        Arguments a = options().parse(args);
        CheckpointMerger.Mode mode = switch (a.choice("--mode", "weighted-sum", List.of("weighted-sum", "add-difference"))) {
            case "add-difference" -> CheckpointMerger.Mode.ADD_DIFFERENCE;
            default -> CheckpointMerger.Mode.WEIGHTED_SUM;
        };
        int n = a.positionals().size();
        if (mode == CheckpointMerger.Mode.ADD_DIFFERENCE && n != 4) throw new UsageException("add-difference takes A B C OUT");
        if (mode == CheckpointMerger.Mode.WEIGHTED_SUM && n != 3) throw new UsageException("weighted-sum takes A B OUT");
        double alpha = a.doubleValue("--alpha", 0.3);
        Path target = a.positionalPath(n - 1, "OUT");
        try (TensorFile fa = CheckpointFiles.open(a.positionalPath(0, "A")); TensorFile fb = CheckpointFiles.open(a.positionalPath(1, "B"));
             TensorFile fc = n == 4 ? CheckpointFiles.open(a.positionalPath(2, "C")) : null) {
            long start = System.nanoTime();
            CheckpointMerger.merge(fa, fb, fc, mode, alpha, ModelFileOptions.dtype(a), target, a.flag("--force"));
            err.printf("merge: wrote %s in %.1f s%n", target, (System.nanoTime() - start) / 1e9);
        }
        return 0;
    }
}
