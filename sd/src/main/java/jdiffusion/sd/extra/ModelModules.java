package jdiffusion.sd.extra;

import jdiffusion.nn.WeightSource;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.checkpoint.LdmModuleNames;
import jdiffusion.sd.checkpoint.ModelFamily;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * The layers of a base model that networks can patch, found by the names networks use for them. kohya writes a
 * module path with its dots turned into underscores ({@code lora_unet_down_blocks_0_attentions_0_proj_in}, or in ldm
 * form {@code lora_unet_input_blocks_1_1_proj_in}); underscores are ambiguous, so names are matched against the set of
 * the model's own module paths written the same way, the ldm ones taken from the checkpoint loader's own table.
 */
public final class ModelModules {
    private final String modelName;
    private final ModelFamily family;
    private final WeightSource unet, text, text2;
    private final Map<String, String> unetModules = new HashMap<>(), textModules = new HashMap<>(), text2Modules = new HashMap<>();

    public ModelModules(String modelName, ModelFamily family, UNetConfig unetConfig, WeightSource unet, WeightSource text) {
        this(modelName, family, unetConfig, unet, text, null);
    }

    /**
     * With SDXL's second text encoder {@code text2} (OpenCLIP-bigG under Hugging Face names, kohya's {@code lora_te2_});
     * {@code text} is then CLIP-L ({@code lora_te1_}, null for the refiner). {@code unet} may be null to bind only the
     * text side (its modules then stay unmatched).
     */
    public ModelModules(String modelName, ModelFamily family, UNetConfig unetConfig, WeightSource unet, WeightSource text, WeightSource text2) {
        this.modelName = modelName;
        this.family = family;
        this.unet = unet;
        this.text = text;
        this.text2 = text2;
        if (unet != null) indexUnet(unetConfig);
        index(text, textModules);
        index(text2, text2Modules);
    }

    private void indexUnet(UNetConfig unetConfig) {
        Map<String, String> ldm = LdmModuleNames.unet(unetConfig, unet.keys());
        for (String key : unet.keys()) {
            if (!key.endsWith(".weight")) continue;
            String module = key.substring(0, key.length() - ".weight".length());
            unetModules.put(underscored(module), module);
            String ldmName = ldm.get(key);
            if (ldmName != null && ldmName.endsWith(".weight"))
                unetModules.putIfAbsent(underscored(ldmName.substring(0, ldmName.length() - ".weight".length())), module);
        }
    }

    private static void index(WeightSource source, Map<String, String> modules) {
        if (source == null) return;
        for (String key : source.keys()) {
            if (!key.endsWith(".weight")) continue;
            String module = key.substring(0, key.length() - ".weight".length());
            modules.put(underscored(module), module);
        }
    }

    /** The patchable layers of an opened checkpoint; {@code modelName} names it in messages. */
    public static ModelModules of(Checkpoint ckpt, String modelName) {
        return new ModelModules(modelName, ckpt.config().family(), ckpt.config().unet(), ckpt.unet(),
                ckpt.hasTextEncoder() ? ckpt.textEncoder() : null);
    }

    static String underscored(String path) { return path.replace('.', '_'); }

    public String modelName() { return modelName; }

    public ModelFamily family() { return family; }

    public WeightSource source(NetworkTarget target) {
        return switch (target) {
            case UNET -> unet;
            case TEXT_ENCODER -> text;
            case TEXT_ENCODER_2 -> text2;
        };
    }

    /** True for SDXL: the model has a second text encoder, so its LoRAs use {@code lora_te1_}/{@code lora_te2_}. */
    public boolean hasSecondTextEncoder() { return text2 != null; }

    /** The internal module path (diffusers naming) of a kohya-style underscored name, or null. */
    String resolve(NetworkTarget target, String underscoredName) {
        return (switch (target) {
            case UNET -> unetModules;
            case TEXT_ENCODER -> textModules;
            case TEXT_ENCODER_2 -> text2Modules;
        }).get(underscoredName);
    }

    /** The module's {@code weight} tensor (for shapes). */
    Tensor weight(NetworkTarget target, String module) {
        WeightSource s = source(target);
        return s == null ? null : s.find(module + ".weight");
    }

    /** e.g. "tiny-sd15 (SD1)". */
    String describe() { return modelName + " (" + (family != null ? family : text2 != null ? "SDXL" : "unknown family") + ")"; }
}
