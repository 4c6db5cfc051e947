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

/**
 * The {@code /sdapi/v1/*} routes: request JSON in, response JSON out, errors as {@link ApiException}. Generation
 * requests are checked here and queued; everything else answers at once.
 */
final class SdApi {
    /** Reads the request body when a route needs it. */
    interface Body {
        String read() throws IOException;
    }

    private final ModelCatalog catalog;
    private final WebUiSettings settings;
    private final ModelSlot slot;
    private final JobQueue queue;
    private final GenerationRequest.Limits limits;
    private final ModelsFolder networks;
    private final ExtrasApi extras;

    SdApi(ModelCatalog catalog, WebUiSettings settings, ModelSlot slot, JobQueue queue, GenerationRequest.Limits limits, ModelsFolder networks) {
        this.networks = networks;
        this.catalog = catalog;
        this.settings = settings;
        this.slot = slot;
        this.queue = queue;
        this.limits = limits;
        this.extras = new ExtrasApi(slot, queue, settings, networks, limits.maxPixels());
    }

    Object handle(String method, String path, String query, Body body) throws IOException {
        String route = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        return switch (route) {
            case "/sdapi/v1/txt2img" -> post(method, route, () -> generate(object(body), false));
            case "/sdapi/v1/img2img" -> post(method, route, () -> generate(object(body), true));
            case "/sdapi/v1/progress" -> get(method, route, () -> queue.progress().snapshot(flag(query, "skip_current_image"), queue.waiting()));
            case "/sdapi/v1/interrupt" -> post(method, route, () -> {
                queue.interrupt();
                return Map.of();
            });
            case "/sdapi/v1/skip" -> post(method, route, Map::of);
            case "/sdapi/v1/sd-models" -> get(method, route, this::sdModels);
            case "/sdapi/v1/sd-vae" -> get(method, route, () -> entries(catalog.vaes(), "model_name", "filename"));
            case "/sdapi/v1/samplers" -> get(method, route, ApiResponses::samplers);
            case "/sdapi/v1/schedulers" -> get(method, route, ApiResponses::schedulers);
            case "/sdapi/v1/loras" -> get(method, route, this::loras);
            case "/sdapi/v1/embeddings" -> get(method, route, this::embeddings);
            case "/sdapi/v1/hypernetworks" -> get(method, route, () -> entries(catalog.hypernetworks(), "name", "path"));
            case "/sdapi/v1/upscalers" -> get(method, route, extras::upscalers);
            case "/sdapi/v1/latent-upscale-modes" -> get(method, route, ExtrasApi::latentUpscaleModes);
            case "/sdapi/v1/extra-single-image" -> post(method, route, () -> extras.singleImage(object(body)));
            case "/sdapi/v1/extra-batch-images" -> post(method, route, () -> extras.batchImages(object(body)));
            // what this engine does not have, listed empty so WebUI clients that ask at start-up carry on
            case "/sdapi/v1/prompt-styles", "/sdapi/v1/face-restorers",
                 "/sdapi/v1/realesrgan-models", "/sdapi/v1/script-info", "/sdapi/v1/extensions" -> get(method, route, List::of);
            case "/sdapi/v1/scripts" -> get(method, route, () -> Map.of("txt2img", List.of(), "img2img", List.of()));
            case "/sdapi/v1/cmd-flags" -> get(method, route, Map::of);
            case "/sdapi/v1/memory" -> get(method, route, SdApi::memory);
            case "/sdapi/v1/refresh-checkpoints", "/sdapi/v1/refresh-vae", "/sdapi/v1/refresh-loras", "/sdapi/v1/refresh-embeddings" -> post(method, route, () -> {
                catalog.refresh();
                return Map.of();
            });
            case "/sdapi/v1/options" -> switch (method) {
                case "GET" -> settings.snapshot();
                case "POST" -> {
                    setOptions(object(body));
                    yield null;
                }
                default -> throw notAllowed(method, route);
            };
            case "/sdapi/v1/png-info" -> post(method, route, () -> pngInfo(object(body)));
            default -> throw ApiException.notFound("Not Found: " + path);
        };
    }

    private interface Route {
        Object answer() throws IOException;
    }

    private static Object get(String method, String route, Route r) throws IOException {
        if (!method.equals("GET")) throw notAllowed(method, route);
        return r.answer();
    }

    private static Object post(String method, String route, Route r) throws IOException {
        if (!method.equals("POST")) throw notAllowed(method, route);
        return r.answer();
    }

    private static ApiException notAllowed(String method, String route) {
        return new ApiException(405, "MethodNotAllowed", method + " is not allowed on " + route);
    }

    private static Map<String, Object> object(Body body) throws IOException {
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
            WebUiSettings.Effective wanted = settings.effective(changes);
            await(queue.submit(progress -> {
                progress.begin("load model", 1, 0);
                slot.acquire(wanted.checkpoint(), wanted.vae(), progress);
                return null;
            }));
        }
        settings.set(changes);
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
            // a JPEG or WebP carries its infotext in EXIF, which this server does not read: no parameters, as for a bare PNG
            if (data.length >= 8 && data[1] == 'P' && data[2] == 'N' && data[3] == 'G')
                throw ApiException.badRequest("field 'image': " + e.getMessage());
            text = Map.of();
        }
        return ApiResponses.pngInfo(text);
    }
}
