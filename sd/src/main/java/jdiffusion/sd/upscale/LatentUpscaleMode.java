package jdiffusion.sd.upscale;

import java.util.Arrays;
import java.util.Locale;

/**
 * The WebUI's {@code shared.latent_upscale_modes}: the hires-fix upscalers that resize the latent itself with
 * {@code torch.nn.functional.interpolate} (align_corners False) instead of decoding it.
 */
public enum LatentUpscaleMode {
    LATENT("Latent", Interpolation.Kind.BILINEAR, false),
    LATENT_ANTIALIASED("Latent (antialiased)", Interpolation.Kind.BILINEAR, true),
    LATENT_BICUBIC("Latent (bicubic)", Interpolation.Kind.BICUBIC, false),
    LATENT_BICUBIC_ANTIALIASED("Latent (bicubic antialiased)", Interpolation.Kind.BICUBIC, true),
    LATENT_NEAREST("Latent (nearest)", Interpolation.Kind.NEAREST, false),
    LATENT_NEAREST_EXACT("Latent (nearest-exact)", Interpolation.Kind.NEAREST_EXACT, false);

    private final String label;
    private final Interpolation.Kind kind;
    private final boolean antialias;

    LatentUpscaleMode(String label, Interpolation.Kind kind, boolean antialias) {
        this.label = label;
        this.kind = kind;
        this.antialias = antialias;
    }

    /** The name the WebUI shows and the API takes as {@code hr_upscaler}. */
    public String label() { return label; }

    /** torch's mode name ("bilinear", "bicubic", "nearest", "nearest-exact"), as {@code /sdapi/v1/latent-upscale-modes} does not list it but the settings do. */
    public String torchMode() { return kind.torchName; }

    public boolean antialias() { return antialias; }

    /** The mode named {@code name} (case-insensitive), or null when it is not a latent mode. */
    public static LatentUpscaleMode byLabel(String name) {
        if (name == null) return null;
        String n = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.label.toLowerCase(Locale.ROOT).equals(n)).findFirst().orElse(null);
    }

    /** {@code interpolate(x, size=(outH, outW), mode, antialias)} of {@code planes} planes of {@code h × w} floats. */
    public float[] resize(float[] x, int planes, int h, int w, int outH, int outW) {
        return Interpolation.resize(x, planes, h, w, outH, outW, kind, antialias);
    }
}
