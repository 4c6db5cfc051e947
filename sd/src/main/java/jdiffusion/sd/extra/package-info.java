/**
 * The WebUI's extra networks, as AUTOMATIC1111 1.10 and its built-in Lora extension use them.
 *
 * <pre>
 *   ModelsFolder          a WebUI root as is: models/{Stable-diffusion,VAE,Lora,LyCORIS,hypernetworks}, embeddings/, wildcards/
 *   LoraNetwork           kohya LoRA/LoCon, LyCORIS LoHa/LoKr, full diffs; module names (diffusers or ldm form, dots as _)
 *                         matched against the model's own layers (ModelModules; ldm names from the checkpoint loader)
 *   WeightDelta           the Lora extension's math per module type (alpha / rank scaling)
 *   PatchedWeights        W + m·Δ for touched weights (F32 copies), the mapped base tensors for all others
 *   Embedding(Database)   textual inversion: .pt string_to_param, .safetensors emb_params; names found as tokens
 *   Hypernetwork(Context) WebUI hypernetworks on every attention's keys and values (unet.AttentionContext)
 *   Wildcards             __name__ lines drawn with CPython's random.Random(image seed), as the simple-wildcards extension
 *   ExtraNetworkLibrary   a batch's tags -> NetworkActivation (text encoder, UNet, embeddings, infotext entries)
 * </pre>
 *
 * Choices that differ from the WebUI, on purpose: an embedding for another text encoder (an SDXL {@code clip_l/clip_g}
 * file on SD 1.x) is refused when a prompt names it instead of being read as plain words; a LoRA whose modules match
 * no layer, or whose shapes belong to another base model, stops the run instead of being skipped with a log line.
 * Names without a file are warnings, as in the WebUI.
 */
package jdiffusion.sd.extra;
