package jdiffusion.tools.inspect;

import java.util.Set;

/**
 * The top-level group of a tensor name, for a summary of a checkpoint's parts: {@code model.diffusion_model},
 * {@code first_stage_model}, {@code cond_stage_model}, {@code conditioner.embedders.0}, {@code lora_unet}, ...
 */
final class KeyPrefixes {
    private KeyPrefixes() {}

    /** Names that only wrap the interesting part, so the group goes one level deeper. */
    private static final Set<String> WRAPPERS = Set.of("model", "conditioner", "embedders", "module", "state_dict");

    /** Keys without a dot (ldm schedule buffers such as {@code alphas_cumprod}) share this group. */
    static final String NO_PREFIX = "(no prefix)";

    static String of(String key) {
        if (key.startsWith("lora_") || key.startsWith("lycoris_")) return kohyaPrefix(key);
        String[] parts = key.split("\\.", -1);
        if (parts.length < 2) return NO_PREFIX;
        int n = 1;
        // go deeper while the group is a wrapper and still a proper prefix of the key
        while (n < parts.length - 1 && WRAPPERS.contains(parts[n - 1])) n++;
        return String.join(".", java.util.Arrays.copyOf(parts, n));
    }

    /** Kohya LoRA names flatten module paths with '_': {@code lora_unet_down_blocks_0...} groups as {@code lora_unet}. */
    private static String kohyaPrefix(String key) {
        int first = key.indexOf('_');
        int second = key.indexOf('_', first + 1);
        int dot = key.indexOf('.');
        int end = second < 0 ? dot : (dot < 0 ? second : Math.min(second, dot));
        return end < 0 ? key : key.substring(0, end);
    }
}
