package jdiffusion.sd.extra;

/**
 * A LoRA in use with its two multipliers, as {@code <lora:name:te:unet>} gives them.
 */
public record ActiveLora(LoraNetwork network, double textEncoderMultiplier, double unetMultiplier) {
    public double multiplier(NetworkTarget target) {
        return target == NetworkTarget.UNET ? unetMultiplier : textEncoderMultiplier;
    }
}
