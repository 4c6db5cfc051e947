/**
 * Opening Stable Diffusion models: A1111/CompVis single files ({@code .safetensors}, {@code .ckpt}) with an optional
 * sibling ldm {@code .yaml}, diffusers folders, and stand-alone VAE files.
 *
 * <p>Whatever the layout, each component's weights come out under one internal naming, the diffusers module
 * paths: UNet as in {@code unet/diffusion_pytorch_model.safetensors} ({@code down_blocks.0.resnets.0.conv1.weight}),
 * VAE as in {@code vae/} ({@code decoder.up_blocks.0.upsamplers.0.conv.weight}), text encoder as Hugging Face
 * {@code CLIPTextModel} ({@code text_model.encoder.layers.0.self_attn.q_proj.weight}). {@link jdiffusion.sd.checkpoint.LdmNames}
 * is the one table from ldm names to those; renames are zero-copy views into the memory-mapped file, in its dtype.
 *
 * <p>Entry points: {@link jdiffusion.sd.checkpoint.Checkpoint#open}, {@link jdiffusion.sd.checkpoint.VaeFile#open},
 * {@link jdiffusion.sd.checkpoint.PredictionProbe} (SD2 v-prediction without a yaml). Families we recognise but do not
 * run (SDXL, SD3, Flux) are refused with {@link jdiffusion.sd.checkpoint.UnsupportedModelException}; every other
 * load failure is a {@link jdiffusion.sd.checkpoint.ModelLoadException} naming the file.
 */
package jdiffusion.sd.checkpoint;
