package jdiffusion.tools.inspect;

import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The block a weight belongs to, named as the architecture levels are: a UNet's {@code input_blocks.4} /
 * {@code down_blocks.1}, {@code middle_block} / {@code mid_block}, {@code output_blocks.7} / {@code up_blocks.2}; a
 * VAE's {@code encoder.down.1}, {@code decoder.mid}; a text encoder's {@code encoder.layers.5} /
 * {@code transformer.resblocks.5}; anything else by its first name part ({@code time_embed}, {@code conv_in}).
 * Checkpoint keys lose their component prefix ({@code model.diffusion_model.}) first.
 */
final class Blocks {
    private Blocks() {}

    /** Containers whose next name part numbers a level or layer. */
    private static final Set<String> LEVELS = Set.of("input_blocks", "output_blocks", "down_blocks", "up_blocks", "down", "up", "layers", "resblocks");
    private static final Set<String> MIDDLES = Set.of("middle_block", "mid_block", "mid");
    /** Leading name parts that say nothing by themselves (a VAE's encoder/decoder, CLIP's text_model). */
    private static final Set<String> WRAPPERS = Set.of("encoder", "decoder", "text_model", "transformer", "model", "embeddings");
    private static final List<String> PREFIXES = List.of("model.diffusion_model.", "first_stage_model.", "cond_stage_model.transformer.",
            "cond_stage_model.model.", "cond_stage_model.", "model_ema.");
    private static final Pattern EMBEDDER = Pattern.compile("conditioner\\.embedders\\.\\d+\\.(transformer\\.|model\\.)?");

    /** The block of a checkpoint or component tensor name (without a folder's {@code component/} part). */
    static String of(String key) {
        String k = key;
        for (String p : PREFIXES) if (k.startsWith(p)) { k = k.substring(p.length()); break; }
        Matcher m = EMBEDDER.matcher(k);
        if (m.lookingAt()) k = k.substring(m.end());
        String[] s = k.split("\\.");
        for (int i = 0; i < s.length - 1; i++) {
            if (LEVELS.contains(s[i]) && s[i + 1].chars().allMatch(Character::isDigit)) return join(s, i + 2);
            if (MIDDLES.contains(s[i])) return join(s, i + 1);
        }
        if (s.length > 2 && WRAPPERS.contains(s[0])) return s.length > 3 && WRAPPERS.contains(s[1]) ? join(s, 3) : join(s, 2);
        return s.length > 1 ? s[0] : k;
    }

    private static final Pattern LORA_LEVEL = Pattern.compile("(input_blocks|output_blocks|down_blocks|up_blocks)_(\\d+)_.*");
    private static final Pattern LORA_LAYER = Pattern.compile("(?:text_model_)?encoder_layers_(\\d+)_.*");
    private static final Pattern LORA_RESBLOCK = Pattern.compile("(?:model_)?transformer_resblocks_(\\d+)_.*");

    /** The block a kohya LoRA module ({@code lora_unet_down_blocks_0_attentions_1_..}, {@code lora_te_text_model_encoder_layers_3_..}) patches. */
    static String ofLoraModule(String module) {
        String m = module.replaceFirst("^(lora_unet_|lora_te\\d?_|lycoris_)", "");
        Matcher x = LORA_LEVEL.matcher(m);
        if (x.matches()) return x.group(1) + "." + x.group(2);
        if (m.startsWith("mid_block_") || m.startsWith("middle_block_")) return m.substring(0, m.indexOf("_block") + 6);
        x = LORA_LAYER.matcher(m);
        if (x.matches()) return "encoder.layers." + x.group(1);
        x = LORA_RESBLOCK.matcher(m);
        if (x.matches()) return "transformer.resblocks." + x.group(1);
        int cut = m.indexOf('_', m.indexOf('_') + 1);
        return cut < 0 ? m : m.substring(0, cut);
    }

    /** Blocks in the order data flows: embeddings and inputs, the way down, the middle, the way up, the outputs; numbers as numbers. */
    static final java.util.Comparator<String> FLOW = java.util.Comparator.comparingInt(Blocks::stage).thenComparing(Blocks::natural);

    private static int stage(String block) {
        if (block.equals("quant_conv")) return 5;
        if (block.equals("post_quant_conv")) return 9;
        int base = block.startsWith("decoder.") ? 10 : 0;
        String b = block.replaceFirst("^(encoder|decoder)\\.", "");
        if (b.startsWith("input_blocks") || b.startsWith("down")) return base + 1;
        if (MIDDLES.contains(b.split("\\.")[0])) return base + 2;
        if (b.startsWith("output_blocks") || b.startsWith("up")) return base + 3;
        if (b.startsWith("out") || b.startsWith("conv_out") || b.startsWith("conv_norm_out") || b.startsWith("norm_out") || b.startsWith("final"))
            return base + 4;
        return base;
    }

    private static String natural(String block) {
        return Pattern.compile("\\d+").matcher(block).replaceAll(r -> String.format("%06d", Long.parseLong(r.group())));
    }

    private static String join(String[] s, int n) { return String.join(".", java.util.Arrays.copyOf(s, n)); }
}
