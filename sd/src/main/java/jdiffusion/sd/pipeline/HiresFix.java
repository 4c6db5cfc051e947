package jdiffusion.sd.pipeline;

import jdiffusion.sd.sample.ScheduleType;
import jdiffusion.sd.upscale.LatentUpscaleMode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The WebUI's "Hires. fix" of txt2img: after the first pass the image is upscaled (in latent space by a latent
 * mode, or decoded, upscaled by a pixel upscaler and encoded again) to {@code hr_scale} times the size or to
 * {@code hr_resize_x × hr_resize_y}, then denoised again as img2img with {@code denoising_strength}.
 *
 * @param upscaler         "Latent", "Latent (bicubic antialiased)", ..., or a pixel upscaler's name ("Lanczos", an ESRGAN model)
 * @param secondPassSteps  0 = the first pass's steps
 * @param prompt           "" = the first pass's prompt
 * @param sampler          null = the first pass's sampler ("Use same sampler")
 * @param schedule         null = the first pass's schedule type
 * @param cfgScale         NaN = the first pass's CFG scale (an extension: WebUI 1.10 has no hires CFG)
 * @param tile             ESRGAN_tile / ESRGAN_tile_overlap for model upscalers
 */
public record HiresFix(String upscaler, double scale, int resizeX, int resizeY, int secondPassSteps,
                       String prompt, String negativePrompt, String sampler, ScheduleType schedule, double cfgScale,
                       int tile, int tileOverlap) {

    /** The infotext keys the hires fix writes (besides Denoising strength). */
    public static final Set<String> INFOTEXT_KEYS = Set.of("Hires upscale", "Hires resize", "Hires steps", "Hires upscaler", "Hires prompt",
            "Hires negative prompt", "Hires sampler", "Hires schedule type", "Hires CFG Scale");

    /** The WebUI's defaults: Latent, ×2, same steps, prompt, sampler, schedule and CFG; tiles 192/8. */
    public static HiresFix defaults() { return new HiresFix("Latent", 2.0, 0, 0, 0, "", "", null, null, Double.NaN, 192, 8); }

    public HiresFix withUpscaler(String v) { return new HiresFix(v, scale, resizeX, resizeY, secondPassSteps, prompt, negativePrompt, sampler, schedule, cfgScale, tile, tileOverlap); }
    public HiresFix withScale(double v) { return new HiresFix(upscaler, v, resizeX, resizeY, secondPassSteps, prompt, negativePrompt, sampler, schedule, cfgScale, tile, tileOverlap); }
    public HiresFix withResize(int x, int y) { return new HiresFix(upscaler, scale, x, y, secondPassSteps, prompt, negativePrompt, sampler, schedule, cfgScale, tile, tileOverlap); }
    public HiresFix withSecondPassSteps(int v) { return new HiresFix(upscaler, scale, resizeX, resizeY, v, prompt, negativePrompt, sampler, schedule, cfgScale, tile, tileOverlap); }
    public HiresFix withPrompts(String pos, String neg) { return new HiresFix(upscaler, scale, resizeX, resizeY, secondPassSteps, pos, neg, sampler, schedule, cfgScale, tile, tileOverlap); }
    public HiresFix withSampler(String v, ScheduleType s) { return new HiresFix(upscaler, scale, resizeX, resizeY, secondPassSteps, prompt, negativePrompt, v, s, cfgScale, tile, tileOverlap); }
    public HiresFix withCfgScale(double v) { return new HiresFix(upscaler, scale, resizeX, resizeY, secondPassSteps, prompt, negativePrompt, sampler, schedule, v, tile, tileOverlap); }
    public HiresFix withTiles(int t, int o) { return new HiresFix(upscaler, scale, resizeX, resizeY, secondPassSteps, prompt, negativePrompt, sampler, schedule, cfgScale, t, o); }

    /** The latent mode this upscaler names, or null for a pixel upscaler. */
    public LatentUpscaleMode latentMode() { return LatentUpscaleMode.byLabel(upscaler); }

    /** {@code calculate_target_resolution}: the upscaled size and, with both resize values, the latent rows/columns to crop. */
    public record Target(int width, int height, int truncateX, int truncateY) {}

    public Target target(int width, int height, int vaeFactor) {
        if (resizeX == 0 && resizeY == 0) return new Target((int) (width * scale), (int) (height * scale), 0, 0);
        if (resizeY == 0) return new Target(resizeX, resizeX * height / width, 0, 0);
        if (resizeX == 0) return new Target(resizeY * width / height, resizeY, 0, 0);
        int toX, toY;
        if ((double) width / height < (double) resizeX / resizeY) {
            toX = resizeX;
            toY = resizeX * height / width;
        } else {
            toX = resizeY * width / height;
            toY = resizeY;
        }
        return new Target(toX, toY, Math.floorDiv(toX - resizeX, vaeFactor), Math.floorDiv(toY - resizeY, vaeFactor));
    }

    /**
     * The hires entries of the infotext in the WebUI's order (after Denoising strength): Hires sampler, Hires prompt /
     * negative prompt (when they differ from the first pass's), Hires schedule type, Hires upscale or Hires resize,
     * Hires steps (when set), Hires upscaler; Hires CFG Scale when it differs.
     */
    public Map<String, String> infotext(GenerationParams first) {
        Map<String, String> m = new LinkedHashMap<>();
        if (sampler != null && !sampler.equals(first.sampler())) m.put("Hires sampler", sampler);
        if (!prompt.isEmpty() && !prompt.equals(first.prompt())) m.put("Hires prompt", prompt);
        if (!negativePrompt.isEmpty() && !negativePrompt.equals(first.negativePrompt())) m.put("Hires negative prompt", negativePrompt);
        if (schedule != null && schedule != first.schedule()) m.put("Hires schedule type", schedule.label());
        if (resizeX == 0 && resizeY == 0) m.put("Hires upscale", InfoTexts.number(scale));
        else m.put("Hires resize", resizeX + "x" + resizeY);
        if (secondPassSteps != 0) m.put("Hires steps", Integer.toString(secondPassSteps));
        m.put("Hires upscaler", upscaler);
        if (!Double.isNaN(cfgScale) && cfgScale != first.cfgScale()) m.put("Hires CFG Scale", InfoTexts.number(cfgScale));
        return m;
    }

    /**
     * The hires fix an infotext describes (its {@code Hires *} keys, as {@link InfoTexts#apply} keeps them in
     * {@code extra}), or null when it has none.
     */
    public static HiresFix fromInfotext(Map<String, String> extra) {
        if (extra.keySet().stream().noneMatch(k -> k.equals("Hires upscale") || k.equals("Hires resize") || k.equals("Hires upscaler"))) return null;
        HiresFix h = defaults();
        try {
            for (Map.Entry<String, String> e : extra.entrySet()) {
                String v = e.getValue().strip();
                h = switch (e.getKey()) {
                    case "Hires upscale" -> h.withScale(Double.parseDouble(v));
                    case "Hires resize" -> {
                        String[] wh = v.toLowerCase(java.util.Locale.ROOT).split("x");
                        if (wh.length != 2) throw new PipelineException("infotext value Hires resize: \"" + v + "\" is not WIDTHxHEIGHT");
                        yield h.withResize(Integer.parseInt(wh[0].strip()), Integer.parseInt(wh[1].strip()));
                    }
                    case "Hires steps" -> h.withSecondPassSteps(Integer.parseInt(v));
                    case "Hires upscaler" -> h.withUpscaler(v);
                    case "Hires prompt" -> h.withPrompts(e.getValue(), h.negativePrompt);
                    case "Hires negative prompt" -> h.withPrompts(h.prompt, e.getValue());
                    case "Hires sampler" -> h.withSampler(v, h.schedule);
                    case "Hires schedule type" -> h.withSampler(h.sampler, ScheduleType.parse(v));
                    case "Hires CFG Scale" -> h.withCfgScale(Double.parseDouble(v));
                    default -> h;
                };
            }
        } catch (NumberFormatException e) {
            throw new PipelineException("infotext: a Hires value is not a number (" + e.getMessage() + ")");
        }
        return h;
    }

    /** {@code extra} without the hires keys (they are written from the run's {@link HiresFix}, not copied). */
    public static Map<String, String> withoutHiresKeys(Map<String, String> extra) {
        Map<String, String> m = new LinkedHashMap<>(extra);
        m.keySet().removeAll(INFOTEXT_KEYS);
        return m;
    }
}
