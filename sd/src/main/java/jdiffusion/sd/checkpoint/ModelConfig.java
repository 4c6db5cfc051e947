package jdiffusion.sd.checkpoint;

import jdiffusion.sd.clip.ClipTextConfig;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.sd.vae.VaeConfig;

/**
 * Everything needed to build a model's components, whichever file layout it came from.
 *
 * @param family         SD1, SD2, SDXL or the SDXL refiner
 * @param variant        text-to-image, inpainting or instruct-pix2pix (from the UNet's input channels)
 * @param predictionType diffusers' {@code prediction_type}: {@code "epsilon"} or {@code "v_prediction"}
 * @param unet           UNet shape
 * @param vae            VAE shape (with its scaling factor)
 * @param textEncoder    text encoder shape, or null when the source holds none (a UNet-only file)
 * @param schedule       training noise schedule parameters
 * @param source         where the configuration came from (a yaml, config.json files, or the weights' shapes)
 * @param predictionGuessed no yaml or scheduler config stated the prediction type: {@code epsilon} is assumed (see
 *                       {@link PredictionProbe} for SD2 files)
 */
public record ModelConfig(
        ModelFamily family,
        ModelVariant variant,
        String predictionType,
        UNetConfig unet,
        VaeConfig vae,
        ClipTextConfig textEncoder,
        DiffusionSchedule schedule,
        String source,
        boolean predictionGuessed) {

    /** What the model is, as {@code jsd inspect} reports it: "SD 1.x", "SD 2.x inpainting", "SDXL base", "SDXL refiner", "SDXL inpainting". */
    public String kind() {
        String name = family == ModelFamily.SDXL && variant == ModelVariant.TEXT_TO_IMAGE ? "SDXL base" : family.label();
        return switch (variant) {
            case TEXT_TO_IMAGE -> name;
            case INPAINTING -> name + " inpainting";
            case INSTRUCT_PIX2PIX -> name + " instruct-pix2pix";
        };
    }

    public boolean isVPrediction() { return "v_prediction".equals(predictionType); }

    /** This configuration with a prediction type found out some other way ({@link PredictionProbe}, a user option). */
    public ModelConfig withPredictionType(String type) {
        if (!type.equals("epsilon") && !type.equals("v_prediction"))
            throw new IllegalArgumentException("prediction type must be epsilon or v_prediction, got " + type);
        return new ModelConfig(family, variant, type, unet, vae, textEncoder, schedule, source, false);
    }
}
