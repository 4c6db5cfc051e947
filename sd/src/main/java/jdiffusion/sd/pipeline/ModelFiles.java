package jdiffusion.sd.pipeline;

import java.nio.file.Path;

/**
 * Where a model comes from: the checkpoint (single file or diffusers folder), an optional separate VAE and an
 * optional tokenizer folder (single-file checkpoints carry none).
 *
 * @param model     {@code .safetensors}/{@code .ckpt} file or diffusers folder
 * @param vae       a stand-alone VAE replacing the checkpoint's, or null
 * @param tokenizer a CLIP tokenizer folder, or null for the model's own (diffusers), a {@code <stem>/tokenizer/} or
 *                  {@code tokenizer/} folder beside a single file, else CLIP's vocabulary shipped in the jar
 * @param ownVae    true for the WebUI's VAE "None": the checkpoint's own VAE even when a sibling {@code <model>.vae.*} exists
 */
public record ModelFiles(Path model, Path vae, Path tokenizer, boolean ownVae) {
    public ModelFiles(Path model, Path vae, Path tokenizer) { this(model, vae, tokenizer, false); }

    public static ModelFiles of(Path model) { return new ModelFiles(model, null, null); }
}
