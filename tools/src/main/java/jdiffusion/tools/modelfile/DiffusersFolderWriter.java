package jdiffusion.tools.modelfile;

import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.checkpoint.DiffusersExport;
import jdiffusion.sd.clip.ClipTextConfig;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.json.Json;
import jdiffusion.tools.CommandException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes an opened checkpoint as a diffusers folder: {@code unet/}, {@code vae/}, {@code text_encoder/} (weights and
 * {@code config.json}), {@code scheduler/scheduler_config.json}, {@code model_index.json} and, when given, the
 * tokenizer files. The folder appears whole or not at all ({@link StagedOutput}).
 */
final class DiffusersFolderWriter {
    private DiffusersFolderWriter() {}

    /**
     * @param dtype      floating dtype of every tensor, or null to keep the checkpoint's
     * @param tokenizer  a folder whose files become {@code tokenizer/}, or null for none
     * @param latentSize the UNet's {@code sample_size}
     */
    static void write(Checkpoint ckpt, Path target, DType dtype, Path tokenizer, int latentSize, boolean force) {
        if (!ckpt.hasVae())
            throw new CommandException(ckpt.path() + ": holds no VAE (first_stage_model.*), which a diffusers folder needs: convert a full checkpoint");
        try (StagedOutput out = StagedOutput.folder(target, force)) {
            Path dir = out.dir();
            var config = ckpt.config();
            tensors(DiffusersExport.unet(ckpt), dtype, dir.resolve("unet/diffusion_pytorch_model.safetensors"));
            json(DiffusersExport.unetConfig(config.unet(), latentSize), dir.resolve("unet/config.json"));
            tensors(DiffusersExport.vae(ckpt), dtype, dir.resolve("vae/diffusion_pytorch_model.safetensors"));
            json(DiffusersExport.vaeConfig(config.vae(), latentSize * config.vae().downsamplingFactor()), dir.resolve("vae/config.json"));
            if (ckpt.hasTextEncoder()) {
                Map<String, Tensor> text = DiffusersExport.textEncoder(ckpt);
                tensors(text, dtype, dir.resolve("text_encoder/model.safetensors"));
                ClipTextConfig folderText = DiffusersExport.textEncoderConfig(config.textEncoder());
                DType stored = dtype != null ? dtype : text.values().iterator().next().dtype();
                json(DiffusersExport.textEncoderJson(folderText, torchName(stored)), dir.resolve("text_encoder/config.json"));
            }
            json(DiffusersExport.schedulerConfig(config), dir.resolve("scheduler/scheduler_config.json"));
            if (tokenizer != null) copyFiles(tokenizer, dir.resolve("tokenizer"));
            json(DiffusersExport.modelIndex(config.variant(), ckpt.hasTextEncoder(), tokenizer != null), dir.resolve("model_index.json"));
            out.commit();
        }
    }

    private static void tensors(Map<String, Tensor> tensors, DType dtype, Path file) {
        createParent(file);
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
        tensors.forEach((name, t) -> {
            DType d = DTypeSink.outputDType(t, dtype);
            w.add(name, d, t.shape(), DTypeSink.convert(t, d));
        });
        w.write(file);
    }

    static void json(Map<String, Object> content, Path file) {
        createParent(file);
        try {
            Files.writeString(file, Json.writePretty(content) + "\n");
        } catch (IOException e) {
            throw new CommandException(file + ": cannot write: " + e.getMessage(), e);
        }
    }

    /** The folder's files (not subfolders), every one of which must be readable. */
    private static void copyFiles(Path from, Path to) {
        createParent(to.resolve("x"));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from)) {
            for (Path f : files) {
                if (Files.isDirectory(f)) continue;
                // the bytes only: a read-only source must not give a read-only copy
                try (var in = Files.newInputStream(f)) {
                    Files.copy(in, to.resolve(f.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new CommandException(from + ": cannot copy the tokenizer files: " + e.getClass().getSimpleName() + " " + e.getMessage(), e);
        }
    }

    private static void createParent(Path file) {
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new CommandException(file.getParent() + ": cannot create: " + e.getMessage(), e);
        }
    }

    /** transformers' {@code torch_dtype} names. */
    static String torchName(DType d) {
        return switch (d) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        };
    }
}
