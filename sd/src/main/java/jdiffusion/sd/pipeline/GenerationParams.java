package jdiffusion.sd.pipeline;

import jdiffusion.sd.sample.RngSource;
import jdiffusion.sd.sample.ScheduleType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything that decides an image besides the model and the input images, named as the WebUI names it. Defaults
 * ({@link #defaults()}) are the WebUI 1.10 txt2img defaults: 20 steps, DPM++ 2M with the Automatic schedule, CFG 7,
 * 512x512, random seed, GPU (Philox) noise, clip skip 1, batch 1x1; img2img denoising strength 0.75.
 *
 * @param seed             -1 for a random seed (resolved by the generator and reported)
 * @param subseed          variation seed (-1 random), used when {@code subseedStrength > 0}
 * @param seedResizeFromW  the WebUI's "resize seed from width" (0 = off)
 * @param ensd             eta noise seed delta (0 = off)
 * @param inpaintFullRes   the WebUI's "Inpaint area: Only masked": inpaint a crop around the mask at full size
 * @param inpaintPadding   "Only masked padding, pixels" around the mask's bounding box
 * @param extra            infotext keys this engine does not interpret, kept so a re-run reports them
 */
public record GenerationParams(
        String prompt, String negativePrompt,
        int steps, String sampler, ScheduleType schedule, double cfgScale,
        long seed, long subseed, double subseedStrength, int seedResizeFromW, int seedResizeFromH,
        int width, int height, int batchSize, int batchCount, int clipSkip, RngSource rng, long ensd,
        double denoisingStrength, ResizeMode resizeMode, int maskBlur, MaskedContent maskedContent,
        boolean inpaintFullRes, int inpaintPadding, Map<String, String> extra) {

    public GenerationParams {
        extra = Map.copyOf(extra);
    }

    public static GenerationParams defaults() { return new Builder().build(); }

    public Builder toBuilder() { return new Builder(this); }

    /** A mutable copy for changing a few fields. */
    public static final class Builder {
        public String prompt = "", negativePrompt = "";
        public int steps = 20;
        public String sampler = "DPM++ 2M";
        public ScheduleType schedule = ScheduleType.AUTOMATIC;
        public double cfgScale = 7.0;
        public long seed = -1, subseed = -1;
        public double subseedStrength = 0;
        public int seedResizeFromW = 0, seedResizeFromH = 0;
        public int width = 512, height = 512, batchSize = 1, batchCount = 1, clipSkip = 1;
        public RngSource rng = RngSource.GPU;
        public long ensd = 0;
        public double denoisingStrength = 0.75;
        public ResizeMode resizeMode = ResizeMode.JUST_RESIZE;
        public int maskBlur = 4;
        public MaskedContent maskedContent = MaskedContent.ORIGINAL;
        public boolean inpaintFullRes = false;
        public int inpaintPadding = 32;
        public Map<String, String> extra = new LinkedHashMap<>();

        public Builder() {}

        Builder(GenerationParams p) {
            prompt = p.prompt; negativePrompt = p.negativePrompt; steps = p.steps; sampler = p.sampler; schedule = p.schedule;
            cfgScale = p.cfgScale; seed = p.seed; subseed = p.subseed; subseedStrength = p.subseedStrength;
            seedResizeFromW = p.seedResizeFromW; seedResizeFromH = p.seedResizeFromH; width = p.width; height = p.height;
            batchSize = p.batchSize; batchCount = p.batchCount; clipSkip = p.clipSkip; rng = p.rng; ensd = p.ensd;
            denoisingStrength = p.denoisingStrength; resizeMode = p.resizeMode; maskBlur = p.maskBlur; maskedContent = p.maskedContent;
            inpaintFullRes = p.inpaintFullRes; inpaintPadding = p.inpaintPadding;
            extra = new LinkedHashMap<>(p.extra);
        }

        public Builder prompt(String v) { prompt = v; return this; }
        public Builder negativePrompt(String v) { negativePrompt = v; return this; }
        public Builder steps(int v) { steps = v; return this; }
        public Builder sampler(String v) { sampler = v; return this; }
        public Builder schedule(ScheduleType v) { schedule = v; return this; }
        public Builder cfgScale(double v) { cfgScale = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder subseed(long v) { subseed = v; return this; }
        public Builder subseedStrength(double v) { subseedStrength = v; return this; }
        public Builder size(int w, int h) { width = w; height = h; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder batchCount(int v) { batchCount = v; return this; }
        public Builder clipSkip(int v) { clipSkip = v; return this; }
        public Builder rng(RngSource v) { rng = v; return this; }
        public Builder denoisingStrength(double v) { denoisingStrength = v; return this; }

        public GenerationParams build() {
            return new GenerationParams(prompt, negativePrompt, steps, sampler, schedule, cfgScale, seed, subseed, subseedStrength,
                    seedResizeFromW, seedResizeFromH, width, height, batchSize, batchCount, clipSkip, rng, ensd,
                    denoisingStrength, resizeMode, maskBlur, maskedContent, inpaintFullRes, inpaintPadding, extra);
        }
    }
}
