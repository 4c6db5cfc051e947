package jdiffusion.tools.inspect;

/**
 * Which model component a tensor belongs to, named as diffusers names its folders ({@code unet}, {@code vae},
 * {@code text_encoder}, {@code text_encoder_2}) so that a single file and a diffusers folder of the same model
 * report the same components; {@code ema} for the EMA copy ({@code model_ema.*}) and {@code other} for the rest
 * (ldm schedule buffers such as {@code alphas_cumprod}).
 */
final class ComponentNames {
    private ComponentNames() {}

    static final String UNET = "unet", VAE = "vae", TEXT_ENCODER = "text_encoder", TEXT_ENCODER_2 = "text_encoder_2",
            EMA = "ema", OTHER = "other";

    /** A tensor of an ldm/A1111 single-file checkpoint. */
    static String ofCheckpointKey(String key) {
        if (key.startsWith("model.diffusion_model.")) return UNET;
        if (key.startsWith("first_stage_model.")) return VAE;
        if (key.startsWith("cond_stage_model.") || key.startsWith("conditioner.embedders.0.")) return TEXT_ENCODER;
        if (key.startsWith("conditioner.embedders.1.")) return TEXT_ENCODER_2;
        if (key.startsWith("model_ema.")) return EMA;
        return OTHER;
    }

    /** A tensor of a LoRA/LyCORIS file: kohya names ({@code lora_unet_}, {@code lora_te1_}) or diffusers/PEFT ones ({@code unet.}). */
    static String ofLoraKey(String key) {
        if (key.startsWith("lora_unet_") || key.startsWith("lycoris_") || key.startsWith("unet.") || key.startsWith("transformer.")) return UNET;
        if (key.startsWith("lora_te2_") || key.startsWith("text_encoder_2.")) return TEXT_ENCODER_2;
        if (key.startsWith("lora_te") || key.startsWith("text_encoder.")) return TEXT_ENCODER;
        return OTHER;
    }
}
