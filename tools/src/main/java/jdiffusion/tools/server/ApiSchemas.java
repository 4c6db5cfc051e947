package jdiffusion.tools.server;

import java.util.LinkedHashMap;
import java.util.Map;

import static jdiffusion.tools.server.Schema.any;
import static jdiffusion.tools.server.Schema.array;
import static jdiffusion.tools.server.Schema.bool;
import static jdiffusion.tools.server.Schema.integer;
import static jdiffusion.tools.server.Schema.map;
import static jdiffusion.tools.server.Schema.number;
import static jdiffusion.tools.server.Schema.object;
import static jdiffusion.tools.server.Schema.ref;
import static jdiffusion.tools.server.Schema.string;

/**
 * The named schemas of {@code /openapi.json} ({@code components/schemas}), in the shapes of the WebUI 1.10 API's
 * models (names as FastAPI gives them), describing what this server reads and answers; fields the WebUI has and this
 * server accepts without acting on them say so.
 */
final class ApiSchemas {
    private ApiSchemas() {}

    private static final String IGNORED = "accepted for WebUI clients; no effect here";

    private static Schema common() {
        return object(
                "prompt", string().defaultValue("").describe("the prompt, in the WebUI's prompt syntax (attention, editing, <lora:...>, wildcards)"),
                "negative_prompt", string().defaultValue(""),
                "styles", array(string()).nullable().describe(IGNORED),
                "seed", integer().defaultValue(-1).describe("-1 picks a random seed; image i of the job gets seed + i"),
                "subseed", integer().defaultValue(-1).describe("variation seed"),
                "subseed_strength", number().defaultValue(0).describe("variation strength, 0..1"),
                "seed_resize_from_h", integer().defaultValue(-1),
                "seed_resize_from_w", integer().defaultValue(-1),
                "sampler_name", string().nullable().describe("a name or alias from GET /sdapi/v1/samplers; legacy names such as 'DPM++ 2M Karras' set the schedule too"),
                "sampler_index", string().defaultValue("Euler").describe("the sampler when sampler_name is absent"),
                "scheduler", string().nullable().describe("a name or label from GET /sdapi/v1/schedulers; absent: the sampler's default"),
                "batch_size", integer().defaultValue(1),
                "n_iter", integer().defaultValue(1).describe("batch count: batches run one after another"),
                "steps", integer().defaultValue(50),
                "cfg_scale", number().defaultValue(7.0),
                "width", integer().defaultValue(512).describe("a multiple of 8"),
                "height", integer().defaultValue(512).describe("a multiple of 8"),
                "restore_faces", bool().nullable().describe(IGNORED),
                "tiling", bool().nullable().describe(IGNORED),
                "do_not_save_samples", bool().defaultValue(false).describe(IGNORED),
                "do_not_save_grid", bool().defaultValue(false).describe(IGNORED),
                "eta", number().nullable().describe(IGNORED),
                "override_settings", map(any()).nullable().describe("settings for this request only (see GET /sdapi/v1/options): "
                        + "sd_model_checkpoint, sd_vae, CLIP_stop_at_last_layers (clip skip), randn_source, eta_noise_seed_delta"),
                "override_settings_restore_afterwards", bool().defaultValue(true).describe("false keeps override_settings as the new settings"),
                "disable_extra_networks", bool().defaultValue(false).describe(IGNORED),
                "script_name", string().nullable().describe("must be empty: scripts are not supported"),
                "script_args", array(any()).describe(IGNORED),
                "send_images", bool().defaultValue(true).describe("false answers without the images"),
                "save_images", bool().defaultValue(false).describe(IGNORED),
                "alwayson_scripts", map(any()).describe(IGNORED),
                "infotext", string().nullable().describe("generation data (as a PNG's 'parameters'); fills what the request leaves out"));
    }

    /** The named schemas, in the order the documentation lists them. */
    static Map<String, Schema> all() {
        Map<String, Schema> s = new LinkedHashMap<>();
        s.put("StableDiffusionProcessingTxt2Img", common().plus(object(
                "denoising_strength", number().nullable().describe(IGNORED + " (hires fix is not supported)"),
                "enable_hr", bool().defaultValue(false).describe("must be false: hires fix is not supported"))).title("StableDiffusionProcessingTxt2Img"));
        s.put("StableDiffusionProcessingImg2Img", common().plus(object(
                "init_images", array(string()).describe("one base64 image (PNG, JPEG, BMP, GIF; a data: URL is fine)"),
                "resize_mode", integer().defaultValue(0).oneOf(0L, 1L, 2L).describe("0 just resize, 1 crop and resize, 2 resize and fill"),
                "denoising_strength", number().defaultValue(0.75),
                "mask", string().nullable().describe("base64 image, white where to inpaint"),
                "mask_blur_x", integer().defaultValue(4),
                "mask_blur_y", integer().defaultValue(4).describe(IGNORED + "; mask_blur or mask_blur_x is used"),
                "mask_blur", integer().nullable(),
                "inpainting_fill", integer().defaultValue(1).oneOf(0L, 1L, 2L, 3L).describe("masked content: 0 fill, 1 original, 2 latent noise, 3 latent nothing"),
                "inpaint_full_res", bool().defaultValue(true).describe(IGNORED),
                "inpaint_full_res_padding", integer().defaultValue(0).describe(IGNORED),
                "inpainting_mask_invert", integer().defaultValue(0).oneOf(0L, 1L).describe("1 inpaints what the mask leaves black"),
                "include_init_images", bool().defaultValue(false).describe("echo init_images and mask in 'parameters'"))).required("init_images")
                .title("StableDiffusionProcessingImg2Img"));
        s.put("GenerationResponse", object(
                "images", array(string()).describe("base64 PNGs, each with its infotext in the 'parameters' text chunk; after an "
                        + "interrupt: the finished batches, then the interrupted batch decoded from its latest prediction"),
                "parameters", map(any()).describe("the request with every field's default filled in"),
                "info", string().describe("JSON text: prompt, all_prompts, seed, all_seeds, infotexts (one per image), interrupted, ...")).required("images", "parameters", "info"));
        s.put("ProgressResponse", object(
                "progress", number(),
                "eta_relative", number(),
                "state", object("skipped", bool(), "interrupted", bool(), "stopping_generation", bool(), "job", string(), "job_count", integer(),
                        "job_timestamp", string(), "job_no", integer(), "sampling_step", integer(), "sampling_steps", integer(),
                        "queued", integer().describe("jobs waiting behind the running one")),
                "current_image", string().nullable().describe("base64 PNG live preview"),
                "textinfo", string()).required("progress", "eta_relative", "state", "current_image", "textinfo"));
        s.put("Options", map(any()).describe("WebUI settings; sd_model_checkpoint, sd_vae, CLIP_stop_at_last_layers, randn_source, "
                + "eta_noise_seed_delta and show_progress_every_n_steps act, others are stored and echoed"));
        s.put("SDModelItem", object("title", string(), "model_name", string(), "hash", string().nullable(), "sha256", string().nullable(),
                "filename", string(), "config", string().nullable()).required("title", "model_name", "filename"));
        s.put("SDVaeItem", object("model_name", string(), "filename", string()).required("model_name", "filename"));
        s.put("SamplerItem", object("name", string(), "aliases", array(string()), "options", map(any())).required("name", "aliases", "options"));
        s.put("SchedulerItem", object("name", string(), "label", string(), "aliases", array(string()).nullable(), "default_rho", number(),
                "need_inner_model", bool()).required("name", "label"));
        s.put("LoraItem", object("name", string(), "alias", string(), "path", string(), "metadata", map(any())).required("name", "path"));
        s.put("EmbeddingItem", object("step", integer().nullable(), "sd_checkpoint", string().nullable(), "sd_checkpoint_name", string().nullable(),
                "shape", integer().nullable().describe("vector width"), "vectors", integer().nullable()));
        s.put("EmbeddingsResponse", object("loaded", map(ref("EmbeddingItem")), "skipped", map(ref("EmbeddingItem"))).required("loaded", "skipped"));
        s.put("HypernetworkItem", object("name", string(), "path", string()).required("name", "path"));
        s.put("ScriptsList", object("txt2img", array(string()), "img2img", array(string())));
        s.put("MemoryResponse", object("ram", object("free", integer(), "used", integer(), "total", integer()).describe("the Java heap"),
                "cuda", map(any())));
        s.put("PNGInfoRequest", object("image", string().describe("base64 image; PNG infotexts are read, JPEG/WebP EXIF is not")).required("image"));
        s.put("PNGInfoResponse", object("info", string(), "items", map(any()), "parameters", map(any())).required("info", "items", "parameters"));
        s.put("Empty", object().describe("{}"));
        s.put("HTTPError", object("error", string(), "detail", string()).required("error", "detail"));
        return s;
    }
}
