package jdiffusion.sd.pipeline;

/**
 * The WebUI's "Refiner": a second SDXL model (usually the SDXL refiner) that takes over sampling once
 * {@code switchAt} of the denoising is done (see {@code WebUiGuidance.RefinerSwitch} for the rule), with its own
 * conditioning, and whose VAE decodes the result.
 */
public record Refiner(StableDiffusionModel model, double switchAt) {
    public Refiner {
        if (!model.isSdxl())
            throw new PipelineException(model.path() + ": the refiner must be an SDXL model (base or refiner), this is not one");
        if (!(switchAt > 0 && switchAt <= 1))
            throw new PipelineException("--refiner-switch-at must be in (0, 1], got " + switchAt);
    }

    /**
     * Loads {@code path} as the refiner of {@code base}. Every SDXL model reads the same CLIP vocabulary, so the
     * refiner uses the base's tokenizer (a refiner single file has none beside it, as the WebUI's bundled one).
     */
    public static Refiner load(jdiffusion.tensor.Backend backend, java.nio.file.Path path, StableDiffusionModel base, double switchAt) {
        StableDiffusionModel m = StableDiffusionModel.load(backend, new ModelFiles(path, null, base.tokenizer().folder()));
        try {
            return new Refiner(m, switchAt);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** The WebUI's infotext value: {@code name [short hash]}. */
    public String title() {
        String hash = model.hash();
        return hash == null ? model.name() : model.name() + " [" + hash + "]";
    }
}
