package jdiffusion.sd.extra;

/** The model component a LoRA module patches; each has its own multiplier ({@code <lora:name:te:unet>}). */
public enum NetworkTarget {
    TEXT_ENCODER("text encoder"),
    /** SDXL's second text encoder, OpenCLIP-bigG ({@code lora_te2_}); it takes the text-encoder multiplier. */
    TEXT_ENCODER_2("second text encoder (OpenCLIP-bigG)"),
    UNET("UNet");

    private final String label;

    NetworkTarget(String label) { this.label = label; }

    public String label() { return label; }
}
