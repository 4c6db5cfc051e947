package jdiffusion.tools.server;

import jdiffusion.sd.image.InfoText;
import jdiffusion.sd.pipeline.GenerationParams;
import jdiffusion.sd.pipeline.Generator;
import jdiffusion.sd.pipeline.HiresFix;
import jdiffusion.sd.pipeline.InfoTexts;
import jdiffusion.sd.pipeline.MaskedContent;
import jdiffusion.sd.pipeline.PipelineException;
import jdiffusion.sd.pipeline.ResizeMode;
import jdiffusion.sd.pipeline.RgbImage;
import jdiffusion.sd.sample.Samplers;
import jdiffusion.sd.sample.SamplingException;
import jdiffusion.sd.sample.ScheduleType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code POST /sdapi/v1/txt2img} or {@code img2img} body checked and turned into {@link GenerationParams}, with the
 * WebUI 1.10 API's field names and defaults (which differ from its page: 50 steps, sampler "Euler" via
 * {@code sampler_index}). An {@code infotext} field fills what the body does not give. Everything a job could refuse
 * is refused here, before it takes a place in the queue.
 *
 * @param echo the request with defaults filled in, returned as the response's {@code parameters}
 */
record GenerationRequest(boolean img2img, GenerationParams params, WebUiSettings.Effective settings, RgbImage init, RgbImage mask,
                         boolean sendImages, Map<String, Object> overrides, boolean restoreSettings, Map<String, Object> echo,
                         boolean attentionMaps, HiresFix hires) {

    /** Limits the server sets on one request. */
    record Limits(long maxPixels, int maxBatchSize, int maxSteps) {}

    static GenerationRequest parse(Map<String, Object> body, boolean img2img, Limits limits, WebUiSettings settings) {
        RequestFields f = new RequestFields(body);
        GenerationParams.Builder b = new GenerationParams.Builder();
        b.steps = 50;
        b.sampler = "Euler";
        String infotext = f.string("infotext", null);
        Map<String, String> pasted = Map.of();
        if (infotext != null && !infotext.isBlank()) {
            try {
                InfoText parsed = InfoText.parse(infotext);
                pasted = parsed.parameters();
                b = InfoTexts.apply(parsed, b.build()).params().toBuilder();
            } catch (PipelineException | SamplingException | IllegalArgumentException e) {
                throw ApiException.invalid("field 'infotext': " + e.getMessage());
            }
        }
        b.prompt = f.string("prompt", b.prompt);
        b.negativePrompt = f.string("negative_prompt", b.negativePrompt);
        b.seed = f.integer("seed", b.seed, -1, 0xFFFFFFFFL);
        b.subseed = f.integer("subseed", b.subseed, -1, 0xFFFFFFFFL);
        b.subseedStrength = f.number("subseed_strength", b.subseedStrength, 0, 1);
        int resizeW = f.integer("seed_resize_from_w", b.seedResizeFromW == 0 ? -1 : b.seedResizeFromW, -1, 16384);
        int resizeH = f.integer("seed_resize_from_h", b.seedResizeFromH == 0 ? -1 : b.seedResizeFromH, -1, 16384);
        b.seedResizeFromW = Math.max(0, resizeW);
        b.seedResizeFromH = Math.max(0, resizeH);

        boolean samplerGiven = f.has("sampler_name") || f.has("sampler_index");
        String sampler = samplerGiven ? f.string(f.has("sampler_name") ? "sampler_name" : "sampler_index", "Euler") : b.sampler;
        ScheduleType scheduleFromName;
        try {
            Samplers.Choice c = Samplers.resolve(sampler);
            b.sampler = c.sampler().label();
            scheduleFromName = c.schedule();
        } catch (SamplingException e) {
            throw new ApiException(404, "NotFound", "Sampler not found: " + e.getMessage());
        }
        if (samplerGiven && scheduleFromName != ScheduleType.AUTOMATIC) b.schedule = scheduleFromName;
        String scheduler = f.string("scheduler", null);
        if (scheduler != null && !scheduler.isBlank()) {
            try {
                b.schedule = ScheduleType.parse(scheduler);
            } catch (SamplingException e) {
                throw ApiException.invalid("field 'scheduler': " + e.getMessage());
            }
        }
        b.steps = f.integer("steps", b.steps, 1, limits.maxSteps());
        b.cfgScale = f.number("cfg_scale", b.cfgScale, -100, 100);
        b.width = f.integer("width", b.width, 8, 65536);
        b.height = f.integer("height", b.height, 8, 65536);
        b.batchSize = f.integer("batch_size", b.batchSize, 1, limits.maxBatchSize());
        b.batchCount = f.integer("n_iter", b.batchCount, 1, 10000);
        try {
            Generator.checkSize(b.width, b.height);
        } catch (PipelineException e) {
            throw ApiException.invalid(e.getMessage());
        }
        long pixels = (long) b.width * b.height * b.batchSize;
        if (pixels > limits.maxPixels())
            throw ApiException.invalid(b.width + "x" + b.height + (b.batchSize > 1 ? " x " + b.batchSize + " images" : "") + " is " + pixels
                    + " pixels, more than the server's limit of " + limits.maxPixels() + " (--max-pixels)");
        String script = f.string("script_name", null);
        if (script != null && !script.isBlank()) throw ApiException.invalid("script_name '" + script + "': scripts are not supported by this server");

        RgbImage init = null, mask = null;
        if (img2img) {
            b.denoisingStrength = f.number("denoising_strength", 0.75, 0, 1);
            List<Object> images = f.list("init_images");
            if (images == null || images.isEmpty()) throw ApiException.invalid("field 'init_images' is required: a list with a base64 image");
            if (!(images.getFirst() instanceof String first)) throw RequestFields.wrongType("init_images[0]", "a base64 string", images.getFirst());
            init = ImageCodec.decode(first, "init_images[0]", limits.maxPixels());
            String m = f.string("mask", null);
            if (m != null && !m.isEmpty()) {
                mask = ImageCodec.decode(m, "mask", limits.maxPixels());
                // a mask of another size is resized where it is used, as in the WebUI (InitImage.prepare)
                if (f.integer("inpainting_mask_invert", 0, 0, 1) == 1) mask = inverted(mask);
            }
            int resize = f.integer("resize_mode", 0, 0, 3);
            if (resize == 3) throw ApiException.invalid("resize_mode 3 (latent upscale) is not supported; use 0, 1 or 2");
            b.resizeMode = ResizeMode.parse(Integer.toString(resize));
            int blurX = f.integer("mask_blur_x", 4, 0, 256);
            b.maskBlur = f.integer("mask_blur", blurX, 0, 256);
            // the WebUI API defaults to 0 (fill), which the pipeline does not implement yet: without the field, start from the original
            b.maskedContent = MaskedContent.values()[f.integer("inpainting_fill", MaskedContent.ORIGINAL.webUiIndex(), 0, 3)];
        }

        Map<String, Object> overrides = f.object("override_settings");
        WebUiSettings.Effective effective = settings.effective(overrides);
        // as the WebUI's API: what the infotext sets of these settings applies unless override_settings sets it too
        if (!pasted.containsKey("Clip skip") || overrides.containsKey("CLIP_stop_at_last_layers")) b.clipSkip = effective.clipSkip();
        if (!pasted.containsKey("RNG") || overrides.containsKey("randn_source")) b.rng = effective.rng();
        if (!pasted.containsKey("ENSD") || overrides.containsKey("eta_noise_seed_delta")) b.ensd = effective.ensd();
        HiresFix hires = img2img ? null : hires(f, b, settings.upscalerTiles(overrides), limits);
        GenerationParams params = b.build();
        boolean sendImages = f.bool("send_images", true);
        boolean restore = f.bool("override_settings_restore_afterwards", true);
        // a jsd extension, not the WebUI's: the first image's per-token cross-attention maps in the reply
        boolean attentionMaps = f.bool("jsd_attention_maps", false);
        return new GenerationRequest(img2img, params, effective, init, mask, sendImages, overrides, restore, echo(body, params, img2img, f),
                attentionMaps, hires);
    }

    /**
     * {@code enable_hr} and the {@code hr_*} fields of txt2img (the WebUI API's defaults: Latent, ×2, denoising 0.75);
     * an infotext's Hires entries count as enable_hr unless the body says otherwise. Null when off.
     */
    private static HiresFix hires(RequestFields f, GenerationParams.Builder b, int[] tiles, Limits limits) {
        HiresFix fromInfotext = HiresFix.fromInfotext(b.extra);
        if (!f.bool("enable_hr", fromInfotext != null)) return null;
        b.extra = HiresFix.withoutHiresKeys(b.extra);
        HiresFix h = fromInfotext != null ? fromInfotext : HiresFix.defaults();
        b.denoisingStrength = f.number("denoising_strength", b.denoisingStrength, 0, 1);
        String upscaler = f.string("hr_upscaler", h.upscaler());
        h = h.withUpscaler(upscaler == null || upscaler.isBlank() ? "Latent" : upscaler)
                .withScale(f.number("hr_scale", h.scale(), 0.01, 16))
                .withResize(f.integer("hr_resize_x", h.resizeX(), 0, 65536), f.integer("hr_resize_y", h.resizeY(), 0, 65536))
                .withSecondPassSteps(f.integer("hr_second_pass_steps", h.secondPassSteps(), 0, limits.maxSteps()))
                .withPrompts(f.string("hr_prompt", h.prompt()), f.string("hr_negative_prompt", h.negativePrompt()))
                .withTiles(tiles[0], tiles[1]);
        String sampler = f.string("hr_sampler_name", h.sampler());
        ScheduleType schedule = h.schedule();
        String scheduler = f.string("hr_scheduler", null);
        try {
            if (sampler != null && (sampler.isBlank() || sampler.startsWith("Use same"))) sampler = null;
            if (sampler != null) sampler = Samplers.resolve(sampler).sampler().label();
            if (scheduler != null && !scheduler.isBlank() && !scheduler.startsWith("Use same")) schedule = ScheduleType.parse(scheduler);
        } catch (SamplingException e) {
            throw ApiException.invalid("hires sampler: " + e.getMessage());
        }
        h = h.withSampler(sampler, schedule);
        if (f.has("hr_cfg")) h = h.withCfgScale(f.number("hr_cfg", 7, -100, 100));
        HiresFix.Target t = h.target(b.width, b.height, 8);
        long pixels = (long) t.width() * t.height() * b.batchSize;
        if (pixels > limits.maxPixels())
            throw ApiException.invalid("hires fix to " + t.width() + "x" + t.height() + " is " + pixels + " pixels, more than the server's limit of "
                    + limits.maxPixels() + " (--max-pixels)");
        return h;
    }

    /** A mask with black and white swapped (the WebUI's "Inpaint not masked"), alpha too when it has one. */
    private static RgbImage inverted(RgbImage m) {
        byte[] rgb = m.rgb().clone();
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (255 - (rgb[i] & 0xff));
        byte[] alpha = m.alpha() == null ? null : m.alpha().clone();
        if (alpha != null) for (int i = 0; i < alpha.length; i++) alpha[i] = (byte) (255 - (alpha[i] & 0xff));
        return new RgbImage(rgb, m.width(), m.height(), alpha);
    }

    /** The WebUI's {@code vars(request)}: every field with its default, the client's values on top. */
    private static Map<String, Object> echo(Map<String, Object> body, GenerationParams p, boolean img2img, RequestFields f) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("prompt", p.prompt());
        e.put("negative_prompt", p.negativePrompt());
        e.put("styles", null);
        e.put("seed", -1L);
        e.put("subseed", -1L);
        e.put("subseed_strength", 0.0);
        e.put("seed_resize_from_h", -1L);
        e.put("seed_resize_from_w", -1L);
        e.put("sampler_name", null);
        e.put("scheduler", null);
        e.put("batch_size", 1L);
        e.put("n_iter", 1L);
        e.put("steps", 50L);
        e.put("cfg_scale", 7.0);
        e.put("width", 512L);
        e.put("height", 512L);
        e.put("restore_faces", null);
        e.put("tiling", null);
        e.put("do_not_save_samples", false);
        e.put("do_not_save_grid", false);
        e.put("eta", null);
        e.put("override_settings", null);
        e.put("override_settings_restore_afterwards", true);
        e.put("disable_extra_networks", false);
        if (img2img) {
            e.put("init_images", null);
            e.put("resize_mode", 0L);
            e.put("denoising_strength", 0.75);
            e.put("mask", null);
            e.put("mask_blur_x", 4L);
            e.put("mask_blur_y", 4L);
            e.put("mask_blur", null);
            e.put("inpainting_fill", 0L);
            e.put("inpaint_full_res", true);
            e.put("inpaint_full_res_padding", 0L);
            e.put("inpainting_mask_invert", 0L);
            e.put("include_init_images", false);
        } else {
            e.put("denoising_strength", null);
            e.put("enable_hr", false);
        }
        e.put("sampler_index", "Euler");
        e.put("script_name", null);
        e.put("script_args", new ArrayList<>());
        e.put("send_images", true);
        e.put("save_images", false);
        e.put("alwayson_scripts", new LinkedHashMap<>());
        e.put("infotext", null);
        e.putAll(body);
        if (img2img && !f.bool("include_init_images", false)) {
            e.put("init_images", null);
            e.put("mask", null);
        }
        return e;
    }
}
