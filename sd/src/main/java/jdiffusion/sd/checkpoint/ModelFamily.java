package jdiffusion.sd.checkpoint;

/** Stable Diffusion generations this engine runs. */
public enum ModelFamily {
    /** SD 1.x: OpenAI CLIP ViT-L/14 text encoder, context 768, 8 heads per transformer. */
    SD1("SD 1.x"),
    /** SD 2.x: OpenCLIP ViT-H/14 (penultimate layer), context 1024, head dim 64, linear projections. */
    SD2("SD 2.x"),
    /** SDXL base: CLIP-L + OpenCLIP-bigG (context 2048), a pooled + size conditioning vector, 3-level UNet. */
    SDXL("SDXL"),
    /** SDXL refiner: OpenCLIP-bigG alone (context 1280), vector with an aesthetic score, 4-level UNet. */
    SDXL_REFINER("SDXL refiner");

    private final String label;

    ModelFamily(String label) { this.label = label; }

    /** For messages and {@code jsd inspect}: "SD 1.x", "SDXL", "SDXL refiner". */
    public String label() { return label; }

    public boolean isSdxl() { return this == SDXL || this == SDXL_REFINER; }

    /** How many time ids follow the pooled text in the vector: 6 sizes/crop for the base, 4 + the aesthetic score for the refiner. */
    public int timeIds() {
        return switch (this) {
            case SDXL -> 6;
            case SDXL_REFINER -> 5;
            default -> 0;
        };
    }
}
