package jdiffusion.sd.checkpoint;

import jdiffusion.nn.WeightSource;
import jdiffusion.sd.controlnet.ControlNetConfig;
import jdiffusion.sd.unet.UNetConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An opened ControlNet model, in any of the layouts users have: a diffusers folder ({@code config.json} +
 * {@code diffusion_pytorch_model.*}) or a diffusers-named single file beside its {@code config.json}; lllyasviel's
 * original names with the {@code control_model.} prefix ({@code control_v11p_sd15_canny.pth}); or the same names
 * without it (pruned/extracted re-packs). {@code .safetensors} or a torch archive; weights stay in the file's dtype.
 * Single files carry no config: the shape follows from the keys, the attention heads from the base model.
 */
public final class ControlNetFile implements AutoCloseable {
    /** How the weights are named in the file. */
    public enum Layout { DIFFUSERS, ORIGINAL_PREFIXED, ORIGINAL }

    static final String PREFIX = "control_model.";

    private final Path path;
    private final Layout layout;
    private final ControlNetConfig config;
    private final MappedWeights weights;

    private ControlNetFile(Path path, Layout layout, ControlNetConfig config, MappedWeights weights) {
        this.path = path;
        this.layout = layout;
        this.config = config;
        this.weights = weights;
    }

    /**
     * Opens {@code path} for a base model whose UNet is {@code base}; refuses a ControlNet of another family, T2I-Adapters,
     * control-LoRAs and files that are no ControlNet, each with one line naming the file.
     */
    public static ControlNetFile open(Path path, UNetConfig base) {
        if (Files.isDirectory(path)) {
            Path config = path.resolve("config.json");
            TensorFile f = Checkpoint.componentFile(path, "diffusion_pytorch_model");
            return fromDiffusers(path, f, config, base);
        }
        if (!Files.isRegularFile(path)) throw new ModelLoadException(path + ": no such ControlNet file or folder");
        TensorFile f = TensorFile.open(path);
        try {
            refuseOtherKinds(f);
            if (f.contains("controlnet_cond_embedding.conv_in.weight")) return fromDiffusers(path, f, path.resolveSibling("config.json"), base);
            String prefix = ModelDetector.anyStartsWith(f, PREFIX) ? PREFIX : "";
            if (!f.contains(prefix + "input_hint_block.0.weight") || !f.contains(prefix + "zero_convs.0.0.weight"))
                throw new ModelLoadException(path + ": not a ControlNet (no input_hint_block / zero_convs weights, with or without the control_model. prefix)");
            UNetConfig unet = withBaseHeads(ModelDetector.unet(f, familyOf(ModelDetector.contextDim(f, prefix)), prefix), base);
            checkFamily(path, unet, base);
            List<Integer> hint = new ArrayList<>();
            for (int k = 0; f.contains(prefix + "input_hint_block." + 2 * k + ".weight"); k++) hint.add(f.shape(prefix + "input_hint_block." + 2 * k + ".weight")[0]);
            int hintIn = f.shape(prefix + "input_hint_block.0.weight")[1];
            ControlNetConfig config = config(path, unet, hintIn, hint);
            int skips = ModelDetector.countIndexed(f, prefix + "zero_convs.");
            MappedWeights w = MappedWeights.of(f, prefix, LdmNames.controlNet(unet, skips, hint.size()));
            return new ControlNetFile(path, prefix.isEmpty() ? Layout.ORIGINAL : Layout.ORIGINAL_PREFIXED, config, w);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private static ControlNetFile fromDiffusers(Path path, TensorFile f, Path configJson, UNetConfig base) {
        try {
            refuseOtherKinds(f);
            if (!Files.isRegularFile(configJson))
                throw new ModelLoadException(path + ": a diffusers-named ControlNet needs its config.json beside it (" + configJson + ")");
            ConfigNode c = DiffusersConfig.readJson(configJson);
            String cls = c.string("_class_name", "ControlNetModel");
            if (!cls.equals("ControlNetModel"))
                throw new UnsupportedModelException(configJson + ": " + cls + " is not a ControlNet" + (cls.contains("Adapter") ? " (T2I-Adapters are not supported yet)" : ""));
            if (c.has("addition_embed_type"))
                throw new UnsupportedModelException(path + ": an SDXL ControlNet (addition_embed_type " + c.raw("addition_embed_type") + "); SDXL is not supported yet");
            if (!c.string("controlnet_conditioning_channel_order", "rgb").equals("rgb"))
                throw new UnsupportedModelException(configJson + ": controlnet_conditioning_channel_order " + c.raw("controlnet_conditioning_channel_order") + " is not supported (rgb)");
            if (c.bool("global_pool_conditions", false))
                throw new UnsupportedModelException(configJson + ": global_pool_conditions (shuffle-style ControlNets) is not supported yet");
            UNetConfig unet = DiffusersConfig.unet(c);
            checkFamily(path, unet, base);
            List<Integer> blocks = c.ints("conditioning_embedding_out_channels");
            if (blocks == null) blocks = List.of(16, 32, 96, 256);
            // diffusers: conv_in to blocks[0], then per pair (blocks[i] -> blocks[i], blocks[i] -> blocks[i+1] stride 2), conv_out
            List<Integer> hint = new ArrayList<>();
            hint.add(blocks.getFirst());
            for (int i = 0; i < blocks.size() - 1; i++) {
                hint.add(blocks.get(i));
                hint.add(blocks.get(i + 1));
            }
            hint.add(unet.channels(0));
            ControlNetConfig config = config(path, unet, c.integer("conditioning_channels", 3), hint);
            return new ControlNetFile(path, Layout.DIFFUSERS, config, MappedWeights.of(f, "", new KeyMap(true)));
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private static ControlNetConfig config(Path path, UNetConfig unet, int hintIn, List<Integer> hint) {
        try {
            return new ControlNetConfig(unet, hintIn, hint);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(path + ": " + e.getMessage());
        }
    }

    /** T2I-Adapters, control-LoRAs and ControlLLLite look like neither layout: name them. */
    private static void refuseOtherKinds(TensorFile f) {
        String where = f.path().toString();
        if (f.contains("lora_controlnet") || anyContains(f, ".up.weight") && anyContains(f, ".down.weight") && ModelDetector.anyStartsWith(f, "input_blocks."))
            throw new UnsupportedModelException(where + ": a control-LoRA (Stability's LoRA-compressed ControlNet); control-LoRAs are not supported yet: use a full ControlNet");
        if (ModelDetector.anyStartsWith(f, "adapter.") || ModelDetector.anyStartsWith(f, "body.") || anyContains(f, "style_embedding"))
            throw new UnsupportedModelException(where + ": a T2I-Adapter (adapter/body weights); T2I-Adapters are not supported yet: use a ControlNet");
        if (ModelDetector.anyStartsWith(f, "lllite_"))
            throw new UnsupportedModelException(where + ": a ControlLLLite network; not supported yet: use a ControlNet");
        if (ModelDetector.anyStartsWith(f, LdmNames.UNET_PREFIX))
            throw new ModelLoadException(where + ": a Stable Diffusion checkpoint, not a ControlNet: put it in models/Stable-diffusion");
    }

    /** Heads are not in the weights: a ControlNet copies its base model's (the extension builds it from the base config). */
    private static UNetConfig withBaseHeads(UNetConfig c, UNetConfig base) {
        if (!c.blockOutChannels().equals(base.blockOutChannels())) return c;
        return new UNetConfig(c.inChannels(), c.outChannels(), c.blockOutChannels(), c.layersPerBlock(), c.crossAttention(), base.attentionHeads(),
                c.transformerDepth(), c.contextDim(), c.linearProjection(), c.normGroups(), c.normEps(), c.flipSinToCos(), c.freqShift(), c.upcastAttention());
    }

    private static void checkFamily(Path path, UNetConfig control, UNetConfig base) {
        if (control.contextDim() != base.contextDim() || !control.blockOutChannels().equals(base.blockOutChannels()))
            throw new ModelLoadException(path + ": a ControlNet for " + familyName(control) + ", the model is " + familyName(base)
                    + ": choose a ControlNet made for " + familyName(base));
    }

    private static ModelFamily familyOf(int contextDim) { return contextDim == 1024 ? ModelFamily.SD2 : ModelFamily.SD1; }

    private static String familyName(UNetConfig c) {
        String family = switch (c.contextDim()) {
            case 768 -> "SD 1.x";
            case 1024 -> "SD 2.x";
            case 2048 -> "SDXL";
            default -> "a model";
        };
        return family + " (context " + c.contextDim() + ", channels " + c.blockOutChannels() + ")";
    }

    private static boolean anyContains(TensorFile f, String part) {
        for (String n : f.names()) if (n.contains(part)) return true;
        return false;
    }

    public Path path() { return path; }

    public Layout layout() { return layout; }

    public ControlNetConfig config() { return config; }

    /** Weights under diffusers {@code ControlNetModel} names. */
    public WeightSource weights() { return weights; }

    @Override public void close() { weights.file().close(); }
}
