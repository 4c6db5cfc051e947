/**
 * Generation pipelines: prompts and seeds to images, with the WebUI's (AUTOMATIC1111 1.10) semantics.
 *
 * <pre>{@code
 * try (Backend backend = new CpuBackend();
 *      StableDiffusionModel model = StableDiffusionModel.load(backend, ModelFiles.of(Path.of("model.safetensors")))) {
 *     GenerationParams p = new GenerationParams.Builder().prompt("a cottage, (forest:1.2)").seed(1).build();
 *     List<GeneratedImage> images = new Generator(model).txt2img(p, Progress.NONE);   // rgb bytes + infotext
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link jdiffusion.sd.pipeline.StableDiffusionModel}: tokenizer, text encoder, UNet, VAE, noise schedule and
 *       prediction type of a checkpoint; {@code Model hash}/{@code Model} for infotexts.</li>
 *   <li>{@link jdiffusion.sd.pipeline.PromptEncoder}: the WebUI's 75-token chunking, "Original" emphasis, clip skip,
 *       prompt-editing schedules and {@code AND} parts.</li>
 *   <li>{@link jdiffusion.sd.pipeline.Generator}: txt2img, img2img and inpainting with every WebUI sampler (k-diffusion
 *       and DDIM/PLMS/UniPC), classifier-free guidance on the model outputs as the WebUI's {@code CFGDenoiser},
 *       per-image seeds (seed+i), variation seeds, GPU (Philox) or CPU noise, WebUI uint8 conversion.</li>
 *   <li>{@link jdiffusion.sd.pipeline.InitImage}: init image and mask prepared as the WebUI does (Pillow-exact Lanczos
 *       resize modes, mask blur, overlay).</li>
 *   <li>{@link jdiffusion.sd.pipeline.InfoTexts}: the {@code parameters} text of a PNG, and reading one back.</li>
 *   <li>{@link jdiffusion.sd.pipeline.DiffusersPipeline}: diffusers' own loops (eps-space guidance, scheduler steps) with
 *       injected noise, for comparisons with diffusers.</li>
 * </ul>
 */
package jdiffusion.sd.pipeline;
