package jdiffusion.tools.server;

import jdiffusion.sd.image.InfoText;
import jdiffusion.sd.pipeline.GeneratedImage;
import jdiffusion.sd.pipeline.GenerationParams;
import jdiffusion.sd.sample.SamplerSpec;
import jdiffusion.sd.sample.Samplers;
import jdiffusion.sd.sample.ScheduleType;
import jdiffusion.sd.sample.TimestepSamplerSpec;
import jdiffusion.tensor.json.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON bodies the server answers with, in the WebUI 1.10 API's shapes. */
final class ApiResponses {
    private ApiResponses() {}

    /** The WebUI's error body: {@code {"error": kind, "detail": message}}. */
    static Map<String, Object> error(String error, String detail) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", error);
        m.put("detail", detail);
        return m;
    }

    /** {@code TextToImageResponse} / {@code ImageToImageResponse}: base64 PNGs, the request as run, and {@code info} as a JSON string. */
    static Map<String, Object> generation(GenerationJob.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Object> images = new ArrayList<>();
        if (r.request().sendImages()) for (GeneratedImage img : r.images()) images.add(ImageCodec.png(img));
        m.put("images", images);
        m.put("parameters", r.request().echo());
        m.put("info", Json.write(info(r)));
        if (r.attentionMaps() != null) m.put("jsd_attention_maps", r.attentionMaps());
        return m;
    }

    /** The WebUI's {@code Processed.js()}. */
    static Map<String, Object> info(GenerationJob.Result r) {
        GenerationParams p = r.params();
        int n = p.batchSize() * p.batchCount();
        List<Object> seeds = new ArrayList<>(), subseeds = new ArrayList<>(), prompts = new ArrayList<>(), negatives = new ArrayList<>(),
                infotexts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            seeds.add(p.seed() + (p.subseedStrength() == 0 ? i : 0));
            subseeds.add(p.subseed() + i);
            prompts.add(p.prompt());
            negatives.add(p.negativePrompt());
        }
        for (GeneratedImage img : r.images()) infotexts.add(img.info().format());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompt", p.prompt());
        m.put("all_prompts", prompts);
        m.put("negative_prompt", p.negativePrompt());
        m.put("all_negative_prompts", negatives);
        m.put("seed", p.seed());
        m.put("all_seeds", seeds);
        m.put("subseed", p.subseed());
        m.put("all_subseeds", subseeds);
        m.put("subseed_strength", p.subseedStrength());
        m.put("width", (long) p.width());
        m.put("height", (long) p.height());
        m.put("sampler_name", p.sampler());
        m.put("cfg_scale", p.cfgScale());
        m.put("steps", (long) p.steps());
        m.put("batch_size", (long) p.batchSize());
        m.put("restore_faces", false);
        m.put("face_restoration_model", null);
        m.put("sd_model_name", r.modelName());
        m.put("sd_model_hash", r.modelHash());
        m.put("sd_vae_name", r.vaeName());
        m.put("sd_vae_hash", r.vaeHash());
        m.put("seed_resize_from_w", p.seedResizeFromW() > 0 ? (long) p.seedResizeFromW() : -1L);
        m.put("seed_resize_from_h", p.seedResizeFromH() > 0 ? (long) p.seedResizeFromH() : -1L);
        m.put("denoising_strength", r.request().img2img() ? p.denoisingStrength() : null);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("Schedule type", p.schedule().label());
        m.put("extra_generation_params", extra);
        m.put("index_of_first_image", 0L);
        m.put("infotexts", infotexts);
        m.put("styles", List.of());
        m.put("job_timestamp", r.jobTimestamp());
        m.put("clip_skip", (long) p.clipSkip());
        m.put("is_using_inpainting_conditioning", false);
        m.put("version", "jdiffusion");
        m.put("interrupted", r.interrupted());
        return m;
    }

    /** {@code GET /sdapi/v1/samplers}: name, aliases, options as the WebUI lists them. */
    static List<Object> samplers() {
        List<Object> out = new ArrayList<>();
        for (SamplerSpec s : Samplers.all()) {
            List<Object> aliases = new ArrayList<>(s.aliases());
            aliases.addFirst(s.kdiffusionId());
            Map<String, Object> options = new LinkedHashMap<>();
            if (s.defaultSchedule() != ScheduleType.UNIFORM) options.put("scheduler", s.defaultSchedule().id());
            if (s.secondOrder()) options.put("second_order", true);
            if (s.brownianNoise()) options.put("brownian_noise", true);
            if (s.usesEnsd()) options.put("uses_ensd", true);
            out.add(item(s.label(), aliases, options));
        }
        for (TimestepSamplerSpec s : Samplers.timestepSamplers()) out.add(item(s.label(), new ArrayList<>(s.aliases()), new LinkedHashMap<>()));
        return out;
    }

    private static Map<String, Object> item(String name, List<Object> aliases, Map<String, Object> options) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("aliases", aliases);
        m.put("options", options);
        return m;
    }

    /** {@code GET /sdapi/v1/schedulers}. */
    static List<Object> schedulers() {
        List<Object> out = new ArrayList<>();
        for (ScheduleType t : ScheduleType.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.id());
            m.put("label", t.label());
            m.put("aliases", t == ScheduleType.SGM_UNIFORM ? List.of("SGMUniform") : null);
            m.put("default_rho", t == ScheduleType.KARRAS ? 7.0 : t == ScheduleType.POLYEXPONENTIAL ? 1.0 : -1.0);
            m.put("need_inner_model", t == ScheduleType.SGM_UNIFORM || t == ScheduleType.SIMPLE || t == ScheduleType.NORMAL
                    || t == ScheduleType.DDIM || t == ScheduleType.UNIFORM);
            out.add(m);
        }
        return out;
    }

    /** {@code POST /sdapi/v1/png-info}: the infotext, the other text chunks, and the infotext parsed as the WebUI's paste does. */
    static Map<String, Object> pngInfo(Map<String, String> text) {
        Map<String, String> items = new LinkedHashMap<>(text);
        String info = items.remove("parameters");
        Map<String, Object> params = new LinkedHashMap<>();
        if (info != null && !info.isBlank()) {
            InfoText t = InfoText.parse(info);
            params.put("Prompt", t.prompt());
            params.put("Negative prompt", t.negativePrompt() == null ? "" : t.negativePrompt());
            for (Map.Entry<String, String> e : t.parameters().entrySet()) {
                params.put(e.getKey(), e.getValue());
                if (e.getKey().equals("Size") || e.getKey().equals("Seed resize from")) {
                    String[] wh = e.getValue().split("x");
                    if (wh.length == 2) {
                        params.put(e.getKey() + "-1", wh[0].strip());
                        params.put(e.getKey() + "-2", wh[1].strip());
                    }
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("info", info == null ? "" : info);
        m.put("items", new LinkedHashMap<String, Object>(items));
        m.put("parameters", params);
        return m;
    }
}
