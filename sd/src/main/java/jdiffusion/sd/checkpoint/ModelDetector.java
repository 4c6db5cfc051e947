package jdiffusion.sd.checkpoint;

import jdiffusion.sd.clip.ClipTextConfig;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.vae.VaeConfig;

import java.util.ArrayList;
import java.util.List;

import static jdiffusion.sd.checkpoint.LdmNames.CLIP_PREFIX;
import static jdiffusion.sd.checkpoint.LdmNames.OPENCLIP_PREFIX;
import static jdiffusion.sd.checkpoint.LdmNames.UNET_PREFIX;
import static jdiffusion.sd.checkpoint.LdmNames.VAE_PREFIX;

/**
 * Reads a single-file (ldm/A1111) checkpoint's family and component shapes from its tensor names and shapes:
 * everything but attention heads, which no shape records (SD1 uses 8 heads, SD2 64-wide heads, by convention).
 */
final class ModelDetector {
    private ModelDetector() {}

    /** Refuses files of families we recognise but cannot run, and files that are not base models at all. */
    static void refuseUnsupported(TensorFile f) {
        String where = f.path().toString();
        if (anyStartsWith(f, "conditioner.embedders.") || f.contains(UNET_PREFIX + "label_emb.0.0.weight"))
            throw new UnsupportedModelException(where + ": this is an SDXL checkpoint (conditioner.embedders / label_emb); "
                    + "SDXL is not supported yet: use an SD 1.x or 2.x model");
        if (anyStartsWith(f, UNET_PREFIX + "joint_blocks.") || anyStartsWith(f, "text_encoders.") || anyStartsWith(f, "joint_blocks."))
            throw new UnsupportedModelException(where + ": this is a Stable Diffusion 3 checkpoint (joint_blocks); SD3 is not supported yet");
        if (anyStartsWith(f, "double_blocks.") || anyStartsWith(f, UNET_PREFIX + "double_blocks.")
                || anyStartsWith(f, "single_blocks.") || anyStartsWith(f, "transformer_blocks.0.attn.add_q_proj"))
            throw new UnsupportedModelException(where + ": this is a Flux checkpoint (double_blocks/single_blocks); Flux is not supported yet");
        if (anyStartsWith(f, "lora_unet_") || anyStartsWith(f, "lora_te_") || anyContains(f, ".lora_down.") || anyContains(f, "hada_w1_a"))
            throw new ModelLoadException(where + ": this is a LoRA/LyCORIS network, not a checkpoint: put it in models/Lora and use <lora:name:weight> in the prompt");
        if (anyStartsWith(f, ControlNetFile.PREFIX) || f.contains("zero_convs.0.0.weight") || f.contains("controlnet_cond_embedding.conv_in.weight"))
            throw new ModelLoadException(where + ": this is a ControlNet model, not a base checkpoint: put it in models/ControlNet and use it with --controlnet");
        if (!anyStartsWith(f, UNET_PREFIX)) {
            if (anyStartsWith(f, "encoder.") || anyStartsWith(f, "decoder.") || anyStartsWith(f, VAE_PREFIX + "encoder."))
                throw new ModelLoadException(where + ": this is a stand-alone VAE, not a full checkpoint: pass it as the VAE (--vae)");
            if (anyStartsWith(f, "down_blocks.") || anyStartsWith(f, "text_model."))
                throw new ModelLoadException(where + ": this is one component of a diffusers folder: open the folder that holds model_index.json");
            throw new ModelLoadException(where + ": no model.diffusion_model.* tensors: not a Stable Diffusion checkpoint");
        }
    }

    /** SD2 when the text encoder is OpenCLIP, or (no text encoder) when cross-attention reads 1024-wide context. */
    static ModelFamily family(TensorFile f) {
        if (anyStartsWith(f, OPENCLIP_PREFIX)) return ModelFamily.SD2;
        if (anyStartsWith(f, CLIP_PREFIX)) return ModelFamily.SD1;
        int context = contextDim(f);
        return context == 1024 ? ModelFamily.SD2 : ModelFamily.SD1;
    }

    static int contextDim(TensorFile f) { return contextDim(f, UNET_PREFIX); }

    /** The cross-attention context width of the ldm UNet (or ControlNet) under {@code prefix}. */
    static int contextDim(TensorFile f, String prefix) {
        for (String n : f.names())
            if (n.startsWith(prefix) && n.endsWith(".attn2.to_k.weight")) return f.shape(n)[1];
        throw new ModelLoadException(f.path() + ": no cross-attention (attn2.to_k) weights in the UNet: not a text-to-image model");
    }

    /** The UNet's shape from its weights; heads follow the family's convention. */
    static UNetConfig unet(TensorFile f, ModelFamily family) {
        require(f, UNET_PREFIX + "out.2.weight");
        return unet(f, family, UNET_PREFIX);
    }

    /**
     * The shape of the ldm UNet under {@code p}; a ControlNet ({@code control_model.} or no prefix) has only the encoder
     * half, and its output channels are taken to be its input channels.
     */
    static UNetConfig unet(TensorFile f, ModelFamily family, String p) {
        int[] convIn = require(f, p + "input_blocks.0.0.weight");
        int outChannels = f.contains(p + "out.2.weight") ? f.shape(p + "out.2.weight")[0] : convIn[1];
        List<Integer> channels = new ArrayList<>();
        List<Boolean> attention = new ArrayList<>();
        List<Integer> depth = new ArrayList<>();
        int layersPerBlock = -1, inLevel = 0;
        boolean levelAttention = false;
        int levelDepth = 1, levelChannels = 0;
        for (int n = 1; ; n++) {
            String block = p + "input_blocks." + n + ".";
            if (f.contains(block + "0.op.weight") || !f.contains(block + "0.in_layers.0.weight")) {
                if (inLevel == 0) break;
                if (layersPerBlock < 0) layersPerBlock = inLevel;
                else if (layersPerBlock != inLevel)
                    throw new ModelLoadException(f.path() + ": UNet levels hold different numbers of ResNets (" + layersPerBlock + " and " + inLevel + ")");
                channels.add(levelChannels);
                attention.add(levelAttention);
                depth.add(levelDepth);
                inLevel = 0;
                levelAttention = false;
                levelDepth = 1;
                if (!f.contains(block + "0.op.weight")) break;
                continue;
            }
            inLevel++;
            levelChannels = require(f, block + "0.out_layers.3.weight")[0];
            if (f.contains(block + "1.proj_in.weight")) {
                levelAttention = true;
                levelDepth = countIndexed(f, block + "1.transformer_blocks.");
            }
        }
        if (channels.isEmpty()) throw new ModelLoadException(f.path() + ": cannot find the UNet's down blocks (input_blocks.N)");
        // the mid block's transformer takes the last level's heads and depth (as diffusers does)
        if (f.contains(p + "middle_block.1.proj_in.weight")) depth.set(depth.size() - 1, Math.max(1, countIndexed(f, p + "middle_block.1.transformer_blocks.")));
        boolean linear = findProjIn(f, p).length == 2;
        List<Integer> heads = new ArrayList<>();
        for (int c : channels) heads.add(family == ModelFamily.SD2 ? Math.max(1, c / 64) : 8);
        return new UNetConfig(convIn[1], outChannels, channels, layersPerBlock, attention, heads, depth, contextDim(f, p),
                linear, 32, 1e-5f, true, 0, false);
    }

    private static int[] findProjIn(TensorFile f, String prefix) {
        for (String n : f.names())
            if (n.startsWith(prefix) && n.endsWith(".proj_in.weight")) return f.shape(n);
        return new int[] {0, 0, 1, 1};
    }

    /** The VAE's shape from ldm-named weights under {@code prefix} ({@code first_stage_model.} or none). */
    static VaeConfig vaeLdm(TensorFile f, String prefix) {
        int[] convIn = require(f, prefix + "encoder.conv_in.weight");
        int levels = countIndexed(f, prefix + "encoder.down.");
        int layers = countIndexed(f, prefix + "encoder.down.0.block.");
        List<Integer> channels = new ArrayList<>();
        for (int i = 0; i < levels; i++) channels.add(require(f, prefix + "encoder.down." + i + ".block.0.conv1.weight")[0]);
        int latent = require(f, prefix + "post_quant_conv.weight")[0];
        int out = require(f, prefix + "decoder.conv_out.weight")[0];
        return new VaeConfig(convIn[1], out, channels, layers, latent, 32, 1e-6f, 0.18215f);
    }

    /** The VAE's shape from diffusers-named weights under {@code prefix}. */
    static VaeConfig vaeDiffusers(TensorFile f, String prefix) {
        int[] convIn = require(f, prefix + "encoder.conv_in.weight");
        int levels = countIndexed(f, prefix + "encoder.down_blocks.");
        int layers = countIndexed(f, prefix + "encoder.down_blocks.0.resnets.");
        List<Integer> channels = new ArrayList<>();
        for (int i = 0; i < levels; i++) channels.add(require(f, prefix + "encoder.down_blocks." + i + ".resnets.0.conv1.weight")[0]);
        int latent = require(f, prefix + "post_quant_conv.weight")[0];
        int out = require(f, prefix + "decoder.conv_out.weight")[0];
        return new VaeConfig(convIn[1], out, channels, layers, latent, 32, 1e-6f, 0.18215f);
    }

    /** The text encoder's shape from its weights; heads assume CLIP's 64-wide heads (true of ViT-L and ViT-H). */
    static ClipTextConfig clip(TensorFile f, ModelFamily family) {
        if (family == ModelFamily.SD2) {
            String p = OPENCLIP_PREFIX;
            int[] tok = require(f, p + "token_embedding.weight");
            int positions = require(f, p + "positional_embedding")[0];
            int layers = countIndexed(f, p + "transformer.resblocks.");
            int inter = require(f, p + "transformer.resblocks.0.mlp.c_fc.weight")[0];
            // ldm runs ViT-H/14 (every SD2's text tower, 1024 wide, 24 layers) to its penultimate layer
            int architecture = tok[1] == ClipTextConfig.sd2().hiddenSize() ? ClipTextConfig.sd2().layers() : layers;
            return new ClipTextConfig(tok[1], layers, headsFor(f, tok[1]), inter, ClipTextConfig.Activation.GELU, tok[0], positions,
                    1e-5f, 0, 49407, ClipTextConfig.skippedOf(layers, architecture, 1));
        }
        String p = CLIP_PREFIX + (anyStartsWith(f, CLIP_PREFIX + "text_model.") ? "text_model." : "");
        int[] tok = require(f, p + "embeddings.token_embedding.weight");
        int positions = require(f, p + "embeddings.position_embedding.weight")[0];
        int layers = countIndexed(f, p + "encoder.layers.");
        int inter = require(f, p + "encoder.layers.0.mlp.fc1.weight")[0];
        return new ClipTextConfig(tok[1], layers, headsFor(f, tok[1]), inter, ClipTextConfig.Activation.QUICK_GELU, tok[0], positions,
                1e-5f, 49407, 49407, 0);
    }

    private static int headsFor(TensorFile f, int width) {
        if (width % 64 != 0)
            throw new ModelLoadException(f.path() + ": the text encoder is " + width + " wide, not a multiple of 64, so its head count "
                    + "cannot be inferred: put an ldm .yaml beside the checkpoint with the text model's num_attention_heads");
        return width / 64;
    }

    /** 1 + the largest N with a name starting {@code prefix + N + "."}, i.e. the count of indexed children. */
    static int countIndexed(TensorFile f, String prefix) {
        int max = -1;
        for (String n : f.names()) {
            if (!n.startsWith(prefix)) continue;
            int dot = n.indexOf('.', prefix.length());
            if (dot < 0) continue;
            try {
                max = Math.max(max, Integer.parseInt(n.substring(prefix.length(), dot)));
            } catch (NumberFormatException ignored) {
                // a sibling that is not an indexed child
            }
        }
        return max + 1;
    }

    static int[] require(TensorFile f, String name) {
        if (!f.contains(name)) throw new ModelLoadException(f.path() + ": missing tensor \"" + name + "\": incomplete or damaged checkpoint");
        return f.shape(name);
    }

    static boolean anyStartsWith(TensorFile f, String prefix) {
        for (String n : f.names()) if (n.startsWith(prefix)) return true;
        return false;
    }

    private static boolean anyContains(TensorFile f, String part) {
        for (String n : f.names()) if (n.contains(part)) return true;
        return false;
    }
}
