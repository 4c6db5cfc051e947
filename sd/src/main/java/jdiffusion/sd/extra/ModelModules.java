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
    private final WeightSource unet, text;
    private final Map<String, String> unetModules = new HashMap<>(), textModules = new HashMap<>();

    public ModelModules(String modelName, ModelFamily family, UNetConfig unetConfig, WeightSource unet, WeightSource text) {
        this.modelName = modelName;
        this.family = family;
        this.unet = unet;
        this.text = text;
        Map<String, String> ldm = LdmModuleNames.unet(unetConfig, unet.keys());
        for (String key : unet.keys()) {
            if (!key.endsWith(".weight")) continue;
            String module = key.substring(0, key.length() - ".weight".length());
            unetModules.put(underscored(module), module);
            String ldmName = ldm.get(key);
            if (ldmName != null && ldmName.endsWith(".weight"))
                unetModules.putIfAbsent(underscored(ldmName.substring(0, ldmName.length() - ".weight".length())), module);
        }
        if (text != null) {
            for (String key : text.keys()) {
                if (!key.endsWith(".weight")) continue;
                String module = key.substring(0, key.length() - ".weight".length());
                textModules.put(underscored(module), module);
            }
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

    public WeightSource source(NetworkTarget target) { return target == NetworkTarget.UNET ? unet : text; }

    /** The internal module path (diffusers naming) of a kohya-style underscored name, or null. */
    String resolve(NetworkTarget target, String underscoredName) {
        return (target == NetworkTarget.UNET ? unetModules : textModules).get(underscoredName);
    }

    /** The module's {@code weight} tensor (for shapes). */
    Tensor weight(NetworkTarget target, String module) {
        WeightSource s = source(target);
        return s == null ? null : s.find(module + ".weight");
    }

    /** e.g. "tiny-sd15 (SD1)". */
    String describe() { return modelName + " (" + family + ")"; }
}
