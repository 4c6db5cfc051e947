package jdiffusion.tools.server;

import jdiffusion.sd.extra.ModelsFolder;
import jdiffusion.sd.image.ImageFormatException;
import jdiffusion.sd.image.Png;
import jdiffusion.sd.pipeline.PipelineException;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.json.JsonException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static jdiffusion.tools.server.Schema.any;
import static jdiffusion.tools.server.Schema.array;
import static jdiffusion.tools.server.Schema.map;
import static jdiffusion.tools.server.Schema.ref;

/**
 * The {@code /sdapi/v1/*} routes ({@link #routes}): request JSON in, response JSON out, errors as {@link ApiException}.
 * Generation requests are checked here and queued; model loading and unloading go through the queue too (only its
 * worker touches the model); everything else answers at once.
 */
final class SdApi {
    private final ModelCatalog catalog;
    private final WebUiSettings settings;
    private final ModelSlot slot;
    private final JobQueue queue;
    private final GenerationRequest.Limits limits;
    private final ModelsFolder networks;

    SdApi(ModelCatalog catalog, WebUiSettings settings, ModelSlot slot, JobQueue queue, GenerationRequest.Limits limits, ModelsFolder networks) {
        this.networks = networks;
        this.catalog = catalog;
        this.settings = settings;
        this.slot = slot;
        this.queue = queue;
        this.limits = limits;
    }

    /** The API's routes, in the order the documentation lists them. */
    List<Route> routes() {
        Schema empty = ref("Empty");
        List<Route> r = new ArrayList<>();
        r.add(Route.post("/sdapi/v1/txt2img", "Text to image: waits in the queue, runs, answers with the images",
                ref("StableDiffusionProcessingTxt2Img"), ref("GenerationResponse"), c -> generate(object(c.body()), false)));
        r.add(Route.post("/sdapi/v1/img2img", "Image to image, and inpainting with a mask",
                ref("StableDiffusionProcessingImg2Img"), ref("GenerationResponse"), c -> generate(object(c.body()), true)));
        r.add(Route.get("/sdapi/v1/progress", "The running job: progress, ETA, live preview (?skip_current_image=true leaves it out)",
                ref("ProgressResponse"), c -> queue.progress().snapshot(flag(c.query(), "skip_current_image"), queue.waiting()))
                .withQuery("skip_current_image", Schema.bool().defaultValue(false)));
        r.add(Route.post("/sdapi/v1/interrupt", "Stops the running job at its next step; it answers with what it made so far", null, empty, c -> {
            queue.interrupt();
            return Map.of();
        }));
        r.add(Route.post("/sdapi/v1/skip", "Accepted for WebUI clients; does nothing", null, empty, c -> Map.of()));
        r.add(Route.get("/sdapi/v1/options", "The settings", ref("Options"), c -> settings.snapshot()));
        r.add(Route.post("/sdapi/v1/options", "Changes settings; a new checkpoint or VAE is loaded at once (through the queue)",
                ref("Options"), any().nullable(), c -> {
                    setOptions(object(c.body()));
                    return null;
                }));
        r.add(Route.get("/sdapi/v1/cmd-flags", "Empty: jsd has no WebUI command-line flags", map(any()), c -> Map.of()));
        r.add(Route.get("/sdapi/v1/sd-models", "The checkpoints", array(ref("SDModelItem")), c -> sdModels()));
        r.add(Route.get("/sdapi/v1/sd-vae", "The VAEs", array(ref("SDVaeItem")), c -> entries(catalog.vaes(), "model_name", "filename")));
        r.add(Route.get("/sdapi/v1/samplers", "The samplers", array(ref("SamplerItem")), c -> ApiResponses.samplers()));
        r.add(Route.get("/sdapi/v1/schedulers", "The schedule types", array(ref("SchedulerItem")), c -> ApiResponses.schedulers()));
        r.add(Route.get("/sdapi/v1/loras", "The LoRAs (models/Lora)", array(ref("LoraItem")), c -> loras()));
        r.add(Route.get("/sdapi/v1/embeddings", "The textual-inversion embeddings", ref("EmbeddingsResponse"), c -> embeddings()));
        r.add(Route.get("/sdapi/v1/hypernetworks", "The hypernetworks", array(ref("HypernetworkItem")),
                c -> entries(catalog.hypernetworks(), "name", "path")));
        // what this engine does not have, listed empty so WebUI clients that ask at start-up carry on
        for (String none : List.of("upscalers", "latent-upscale-modes", "prompt-styles", "face-restorers", "realesrgan-models", "script-info", "extensions"))
            r.add(Route.get("/sdapi/v1/" + none, "Always empty: not supported by jsd", array(any()), c -> List.of()));
        r.add(Route.get("/sdapi/v1/scripts", "No scripts: always empty lists", ref("ScriptsList"), c -> Map.of("txt2img", List.of(), "img2img", List.of())));
        r.add(Route.get("/sdapi/v1/memory", "The Java heap as 'ram'", ref("MemoryResponse"), c -> memory()));
        for (String what : List.of("checkpoints", "vae", "loras", "embeddings"))
            r.add(Route.post("/sdapi/v1/refresh-" + what, "Reads the models folder again", null, empty, c -> {
                catalog.refresh();
                return Map.of();
            }));
        r.add(Route.post("/sdapi/v1/unload-checkpoint", "Frees the loaded model's memory (after the running job); the next job loads it again",
                null, empty, c -> {
                    await(queue.submit(progress -> {
                        slot.unload();
                        return null;
                    }));
                    return Map.of();
                }));
        r.add(Route.post("/sdapi/v1/reload-checkpoint", "Loads the selected checkpoint and VAE now (after an unload), through the queue",
                null, empty, c -> {
                    load(settings.effective(Map.of()));
                    return Map.of();
                }));
        r.add(Route.post("/sdapi/v1/png-info", "The infotext and other text of a PNG", ref("PNGInfoRequest"), ref("PNGInfoResponse"),
                c -> pngInfo(object(c.body()))));
        return r;
    }

    private static Map<String, Object> object(Route.Body body) throws IOException {
        String text = body.read();
        if (text.isBlank()) throw ApiException.badRequest("the request body is empty; send a JSON object");
        try {
            return Json.parseObject(text);
        } catch (JsonException e) {
            throw ApiException.badRequest("the request body is not a JSON object: " + e.getMessage());
        }
    }

    private static boolean flag(String query, String name) {
        if (query == null) return false;
        for (String part : query.split("&")) if (part.equalsIgnoreCase(name + "=true") || part.equals(name + "=1")) return true;
        return false;
    }

    /**
     * Sets options; a new checkpoint or VAE is loaded at once, through the queue, as the WebUI loads it when the
     * setting changes, so a model that cannot load is refused here and the settings stay as they were.
     */
    private void setOptions(Map<String, Object> changes) {
        if (changes.containsKey("sd_model_checkpoint") || changes.containsKey("sd_vae")) {
            load(settings.effective(changes));
        }
        settings.set(changes);
    }

    /** Loads {@code wanted}'s checkpoint and VAE on the worker, after the jobs queued before; a model that cannot load fails here. */
    private void load(WebUiSettings.Effective wanted) {
        await(queue.submit(progress -> {
            progress.begin("load model", 1, 0);
            slot.acquire(wanted.checkpoint(), wanted.vae(), progress);
            return null;
        }));
    }

    private static <T> T await(CompletableFuture<T> done) {
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "ServiceUnavailable", "the server is shutting down");
        } catch (ExecutionException e) {
            throw failed(e.getCause());
        }
    }

    private Object generate(Map<String, Object> body, boolean img2img) {
        GenerationRequest request = GenerationRequest.parse(body, img2img, limits, settings);
        int previewEvery = (int) (long) (Long) settings.snapshot().getOrDefault("show_progress_every_n_steps", 1L);
        GenerationJob.Result result = await(queue.submit(new GenerationJob(request, slot, previewEvery, networks)));
        if (!request.restoreSettings() && !request.overrides().isEmpty()) settings.set(request.overrides());
        return ApiResponses.generation(result);
    }

    /** A job that failed: what the user can fix (our exceptions) as 422, anything else as 500; the server goes on. */
    private static ApiException failed(Throwable e) {
        if (e instanceof ApiException a) return a;
        if (e instanceof OutOfMemoryError)
            return new ApiException(500, "OutOfMemoryError", "out of memory (" + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MiB heap): use a smaller size or batch, or give Java more (JSD_JAVA_OPTS=-Xmx16g)");
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof PipelineException || e.getClass().getName().startsWith("jdiffusion."))
            return new ApiException(422, e.getClass().getSimpleName(), message);
        return new ApiException(500, e.getClass().getSimpleName(), message);
    }

    /** {@code MemoryResponse}: the JVM heap as "ram" (what limits this engine), no CUDA. */
    private static Map<String, Object> memory() {
        Runtime rt = Runtime.getRuntime();
        Map<String, Object> ram = new LinkedHashMap<>();
        long used = rt.totalMemory() - rt.freeMemory();
        ram.put("free", rt.maxMemory() - used);
        ram.put("used", used);
        ram.put("total", rt.maxMemory());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ram", ram);
        m.put("cuda", Map.of("error", "no CUDA: jdiffusion runs on the CPU"));
        return m;
    }

    private List<Object> sdModels() {
        List<Object> out = new ArrayList<>();
        for (ModelCatalog.Checkpoint c : catalog.checkpoints()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("title", catalog.title(c));
            m.put("model_name", c.modelName());
            m.put("hash", catalog.shortHash(c));
            m.put("sha256", null);
            m.put("filename", c.path().toAbsolutePath().toString());
            m.put("config", c.config() == null ? null : c.config().toAbsolutePath().toString());
            out.add(m);
        }
        return out;
    }

    private static List<Object> entries(List<ModelCatalog.Entry> entries, String nameKey, String pathKey) {
        List<Object> out = new ArrayList<>();
        for (ModelCatalog.Entry e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(nameKey, e.name());
            m.put(pathKey, e.path().toAbsolutePath().toString());
            out.add(m);
        }
        return out;
    }

    /** The Lora extension's {@code /sdapi/v1/loras}: name, alias, path, metadata. */
    private List<Object> loras() {
        List<Object> out = new ArrayList<>();
        for (ModelCatalog.Entry e : catalog.loras()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.name());
            m.put("alias", e.name());
            m.put("path", e.path().toAbsolutePath().toString());
            m.put("metadata", new LinkedHashMap<>());
            out.add(m);
        }
        return out;
    }

    /**
     * {@code EmbeddingsResponse}. A {@code .safetensors} embedding shows its vector count and width (from its
     * {@code emb_params}) and is "skipped" when it cannot be read; other formats are listed without them.
     */
    private Map<String, Object> embeddings() {
        Map<String, Object> loaded = new LinkedHashMap<>(), skipped = new LinkedHashMap<>();
        for (ModelCatalog.Entry e : catalog.embeddings()) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("step", null);
            item.put("sd_checkpoint", null);
            item.put("sd_checkpoint_name", null);
            item.put("shape", null);
            item.put("vectors", null);
            boolean readable = true;
            if (e.path().getFileName().toString().endsWith(".safetensors")) {
                try (SafeTensors st = SafeTensors.open(e.path())) {
                    if (st.contains("emb_params") && st.entry("emb_params").shape().length == 2) {
                        int[] shape = st.entry("emb_params").shape();
                        item.put("shape", (long) shape[1]);
                        item.put("vectors", (long) shape[0]);
                    }
                } catch (RuntimeException ex) {
                    readable = false;
                }
            }
            (readable ? loaded : skipped).put(e.name(), item);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loaded", loaded);
        m.put("skipped", skipped);
        return m;
    }

    private static Map<String, Object> pngInfo(Map<String, Object> body) {
        RequestFields f = new RequestFields(body);
        String image = f.string("image", null);
        if (image == null) throw ApiException.invalid("field 'image' is required: a base64 PNG");
        byte[] data = ImageCodec.bytes(image, "image");
        Map<String, String> text;
        try {
            text = Png.readText(data, "image");
        } catch (ImageFormatException e) {
            if (data.length >= 8 && data[1] == 'P' && data[2] == 'N' && data[3] == 'G')
                throw ApiException.badRequest("field 'image': " + e.getMessage());
            if (!ImageCodec.looksLikeImage(data))
                throw ApiException.badRequest("field 'image' is base64 but not an image (PNG, JPEG or WebP expected)");
            // a JPEG or WebP carries its infotext in EXIF, which this server does not read: no parameters, as for a bare PNG
            text = Map.of();
        }
        return ApiResponses.pngInfo(text);
    }
}
