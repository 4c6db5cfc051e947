package jdiffusion.sd.sample;

import java.util.Locale;

/** What the UNet predicts: the added noise (SD 1.x, SD 2 base) or the velocity v (SD 2.x 768-v models). */
public enum Prediction {
    EPSILON, V_PREDICTION;

    /** Parses diffusers' {@code prediction_type} ("epsilon", "v_prediction") or ldm's parameterization ("eps", "v"). */
    public static Prediction parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "epsilon", "eps" -> EPSILON;
            case "v_prediction", "v" -> V_PREDICTION;
            default -> throw new SamplingException("unknown prediction type '" + name
                    + "': expected epsilon (eps) or v_prediction (v)");
        };
    }
}
