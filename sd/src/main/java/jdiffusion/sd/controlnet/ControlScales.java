package jdiffusion.sd.controlnet;

import java.util.Arrays;

/**
 * Per-output factors for a ControlNet's residuals ({@code n} outputs: the down residuals, then the mid one), as the
 * references weight them.
 */
public final class ControlScales {
    private ControlScales() {}

    /** Every output × {@code weight}: diffusers {@code conditioning_scale}, the extension's "Balanced". */
    public static float[] uniform(int n, float weight) {
        float[] s = new float[n];
        Arrays.fill(s, weight);
        return s;
    }

    /**
     * diffusers {@code guess_mode}: output {@code i} × {@code logspace(-1, 0, n)[i] · scale}, from 0.1 for the first skip up
     * to 1 for the mid block (computed in float32, as torch does).
     */
    public static float[] guessMode(int n, float scale) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) s[i] = (float) Math.pow(10.0, -1.0 + (double) i / (n - 1)) * scale;
        return s;
    }

    /**
     * The extension's soft injection ("My prompt is more important" / "ControlNet is more important"): output {@code i} ×
     * {@code weight · 0.825^(n−1−i)}, so the mid block gets {@code weight} and the first skip the least (SD1/SD2:
     * {@code 0.825^12}).
     */
    public static float[] soft(int n, float weight) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) s[i] = (float) (weight * Math.pow(0.825, n - 1 - i));
        return s;
    }
}
