package jdiffusion.sd.pipeline;

import java.util.Locale;

/** The WebUI's inpainting "Masked content": what the masked area starts from. */
public enum MaskedContent {
    /** fill (0): the masked area takes the colours around it (blurred) before encoding. */
    FILL("fill"),
    /** original (1): the init image as it is. */
    ORIGINAL("original"),
    /** latent noise (2): the masked latents are replaced by the seed's noise (after the fill, as in the WebUI). */
    LATENT_NOISE("latent noise"),
    /** latent nothing (3): the masked latents are zeroed. */
    LATENT_NOTHING("latent nothing");

    private final String label;

    MaskedContent(String label) { this.label = label; }

    public String label() { return label; }

    public int webUiIndex() { return ordinal(); }

    public static MaskedContent parse(String s) {
        String k = s.strip().toLowerCase(Locale.ROOT).replace('_', ' ').replace('-', ' ');
        for (MaskedContent m : values()) if (m.label.equals(k) || Integer.toString(m.ordinal()).equals(k)) return m;
        throw new PipelineException("unknown masked content '" + s + "': use original, latent-noise, latent-nothing or fill");
    }
}
