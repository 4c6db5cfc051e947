package jdiffusion.tools.modelfile;

import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.checkpoint.DiffusersExport;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.CheckpointFiles;
import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tools.Arguments;
import jdiffusion.tools.Command;
import jdiffusion.tools.CommandException;
import jdiffusion.tools.Options;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code jsd convert IN OUT}: between a single-file checkpoint ({@code .safetensors}, or a {@code .ckpt}/{@code .pt}
 * read safely) and a diffusers folder, either way, optionally changing dtype. OUT ending in {@code .safetensors} is a
 * single file, anything else a folder.
 */
public final class ConvertCommand implements Command {
    /** Extensions of model files we read but never write: as OUT they are a mistake, not a folder name. */
    private static final List<String> FILE_EXTENSIONS = List.of(".ckpt", ".pt", ".pth", ".bin", ".sft", ".gguf", ".yaml", ".json", ".onnx");

    private static Options options() {
        return new Options()
                .positionals("PATH", "IN OUT", 2, 2)
                .value("--dtype", "DTYPE", "f16, bf16 or f32 (default: keep)")
                .value("--tokenizer", "DIR", "CLIP tokenizer folder (vocab.json, merges.txt) copied into OUT/tokenizer/ (default: IN's own)")
                .value("--config", "YAML", "ldm config of a single-file IN (default: <IN stem>.yaml beside it, else detected)")
                .flag("--force", "replace OUT if it exists (only once the new one is complete)");
    }

    @Override public String name() { return "convert"; }

    @Override public String summary() { return "convert between .ckpt/.safetensors single files and diffusers folders (SD 1.x/2.x)"; }

    @Override public String help() {
        return "usage: jsd convert " + options().synopsis() + "\n\n"
                + "  file   -> OUT.safetensors  every tensor copied (a .ckpt/.pt is read with a restricted unpickler that\n"
                + "                              refuses anything but tensors and plain containers)\n"
                + "  file   -> OUT folder       a diffusers folder: unet/, vae/, text_encoder/ (weights + config.json),\n"
                + "                              scheduler/, model_index.json, tokenizer/ (with --tokenizer)\n"
                + "  folder -> OUT.safetensors  an A1111/ldm single file with the DDPM schedule buffers, and OUT.yaml\n"
                + "                              beside it (the ldm config: v-prediction, heads)\n"
                + "  folder -> OUT folder       the folder rewritten (e.g. with --dtype)\n\n"
                + "As diffusers does, an SD2 text encoder goes into a folder without OpenCLIP's last layer (never run at\n"
                + "clip skip 1); going back, that layer is written as an identity (all-zero) block.\n"
                + "Output appears complete or not at all; an existing OUT is only replaced with --force.\n\n" + options().help();
    }

    @Override public int run(List<String> args, PrintStream out, PrintStream err) {
        Arguments a = options().parse(args);
        Path in = a.positionalPath(0, "IN"), target = a.positionalPath(1, "OUT");
        DType dtype = ModelFileOptions.dtype(a);
        boolean force = a.flag("--force");
        boolean inFolder = Files.isDirectory(in);
        if (!inFolder && !Files.isRegularFile(in))
            throw new CommandException(in + ": no such file or folder (IN is a .safetensors/.ckpt checkpoint or a diffusers folder)");
        boolean singleOut = outputIsSingleFile(target);
        StagedOutput.refuseExisting(target, force);
        Path tokenizer = a.has("--tokenizer") ? tokenizerDir(a.path("--tokenizer")) : null;
        Path yaml = a.has("--config") ? a.path("--config") : null;
        if (yaml != null && inFolder) throw new CommandException("--config " + yaml + ": only a single-file IN takes an ldm config; a folder has its config.json files");
        if (yaml != null && !Files.isRegularFile(yaml)) throw new CommandException("--config " + yaml + ": no such file");

        if (!inFolder && singleOut) {
            if (tokenizer != null) err.println("convert: --tokenizer ignored: a single file holds no tokenizer");
            if (yaml != null) err.println("convert: --config ignored: a single file is copied tensor by tensor, names unchanged");
            copyTensors(in, target, dtype, force);
            err.println("convert: wrote " + target);
            return 0;
        }
        if (yaml == null && !inFolder) yaml = Checkpoint.siblingYaml(in);
        try (Checkpoint ckpt = inFolder ? Checkpoint.openDiffusers(in) : Checkpoint.openSingleFile(in, yaml)) {
            int latentSize = DiffusersExport.latentSize(ckpt, yaml);
            if (singleOut) {
                if (tokenizer != null) err.println("convert: --tokenizer ignored: a single file holds no tokenizer");
                LdmFileWriter.write(ckpt, target, dtype, latentSize, force);
            } else {
                Path tok = tokenizer != null ? tokenizer : ckpt.tokenizerDir().orElse(null);
                if (tok == null) err.println("convert: no --tokenizer given: " + target + " has no tokenizer/ folder (diffusers needs one)");
                DiffusersFolderWriter.write(ckpt, target, dtype, tok, latentSize, force);
            }
            err.println("convert: wrote " + target + " (" + ckpt.config().family() + ", " + ckpt.config().predictionType() + ")");
        }
        return 0;
    }

    /** OUT ending in .safetensors is a single file; a model-file extension we cannot write is refused; anything else is a folder. */
    static boolean outputIsSingleFile(Path target) {
        String name = target.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) return true;
        for (String ext : FILE_EXTENSIONS)
            if (name.endsWith(ext))
                throw new CommandException(target + ": OUT must end in .safetensors (a single file) or name a folder (a diffusers layout), not " + ext);
        return false;
    }

    private static Path tokenizerDir(Path dir) {
        if (!Files.isDirectory(dir)) throw new CommandException("--tokenizer " + dir + ": no such folder (a CLIP tokenizer folder with vocab.json and merges.txt)");
        for (String f : List.of("vocab.json", "merges.txt"))
            if (!Files.isRegularFile(dir.resolve(f))) throw new CommandException("--tokenizer " + dir + ": no " + f + " (not a CLIP tokenizer folder)");
        return dir;
    }

    private static void copyTensors(Path in, Path target, DType dtype, boolean force) {
        try (TensorFile f = CheckpointFiles.open(in)) {
            SafeTensorsWriter w = new SafeTensorsWriter().overwrite(force);
            for (Map.Entry<String, Tensor> e : f.tensors().entrySet()) {
                DType d = DTypeSink.outputDType(e.getValue(), dtype);
                w.add(e.getKey(), d, e.getValue().shape(), DTypeSink.convert(e.getValue(), d));
            }
            w.write(target);
        }
    }
}
