package jdiffusion.sd.checkpoint;

import jdiffusion.sd.unet.UNetConfig;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ldm/CompVis name of internal (diffusers) UNet names, from the same table the loader uses ({@link LdmNames}):
 * {@code down_blocks.0.attentions.0.proj_in.weight} is {@code input_blocks.1.1.proj_in.weight}. Extra networks
 * trained against A1111's ldm modules (kohya {@code lora_unet_input_blocks_1_1_proj_in}) are matched through it.
 */
public final class LdmModuleNames {
    private LdmModuleNames() {}

    /** Internal name to ldm name (without {@code model.diffusion_model.}) for each of {@code internal} that has one. */
    public static Map<String, String> unet(UNetConfig config, Collection<String> internal) {
        KeyMap map = LdmNames.unet(config);
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : internal) {
            String source = map.sourceOf(key);
            if (source != null) out.put(key, source);
        }
        return out;
    }
}
