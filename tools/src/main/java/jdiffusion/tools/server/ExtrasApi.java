package jdiffusion.tools.server;

import jdiffusion.sd.extra.ModelsFolder;
import jdiffusion.sd.image.Png;
import jdiffusion.sd.pipeline.RgbImage;
import jdiffusion.sd.upscale.ExtrasUpscale;
import jdiffusion.sd.upscale.LatentUpscaleMode;
import jdiffusion.sd.upscale.Upscaler;
import jdiffusion.sd.upscale.UpscalerException;
import jdiffusion.sd.upscale.UpscalerLibrary;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The upscaling routes of the WebUI API: {@code GET /sdapi/v1/upscalers}, {@code GET /sdapi/v1/latent-upscale-modes},
 * {@code POST /sdapi/v1/extra-single-image} and {@code extra-batch-images} (the Extras tab's upscale: "Scale by"
 * or "Scale to" with crop, a second upscaler blended in; face restoration is not offered). Upscaling runs as a job
 * of the queue, on the server's backend, with the ESRGAN_tile settings in force.
 */
final class ExtrasApi {
    private final ModelSlot slot;
    private final JobQueue queue;
    private final WebUiSettings settings;
    private final ModelsFolder folder;
    private final long maxPixels;

    ExtrasApi(ModelSlot slot, JobQueue queue, WebUiSettings settings, ModelsFolder folder, long maxPixels) {
        this.slot = slot;
        this.queue = queue;
        this.settings = settings;
        this.folder = folder;
        this.maxPixels = maxPixels;
    }

    /** {@code /sdapi/v1/upscalers}: {@code name, model_name, model_path, model_url, scale} per upscaler. */
    List<Object> upscalers() {
        List<Object> out = new ArrayList<>();
        try (UpscalerLibrary lib = UpscalerLibrary.of(slot.backend(), folder)) {
            for (UpscalerLibrary.Entry e : lib.entries()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", e.name());
                m.put("model_name", e.modelName());
                m.put("model_path", e.modelPath() == null ? null : e.modelPath().toString());
                m.put("model_url", null);
                m.put("scale", e.scale() == null ? null : (double) e.scale());
                out.add(m);
            }
        }
        return out;
    }

    /** {@code /sdapi/v1/latent-upscale-modes}: {@code [{"name": "Latent"}, ...]}. */
    static List<Object> latentUpscaleModes() {
        List<Object> out = new ArrayList<>();
        for (LatentUpscaleMode m : LatentUpscaleMode.values()) out.add(Map.of("name", m.label()));
        return out;
    }

    Map<String, Object> singleImage(Map<String, Object> body) {
        RequestFields f = new RequestFields(body);
        String image = f.string("image", null);
        if (image == null || image.isEmpty()) throw ApiException.invalid("field 'image' is required: a base64 image");
        RgbImage in = ImageCodec.decode(image, "image", maxPixels);
        Upscaled out = run(f, List.of(in));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("html_info", out.htmlInfo());
        r.put("image", encode(out.images().getFirst()));
        return r;
    }

    Map<String, Object> batchImages(Map<String, Object> body) {
        RequestFields f = new RequestFields(body);
        List<Object> list = f.list("imageList");
        if (list == null || list.isEmpty()) throw ApiException.invalid("field 'imageList' is required: a list of {\"data\": base64, \"name\": ...}");
        List<RgbImage> in = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> item) || !(item.get("data") instanceof String data))
                throw RequestFields.wrongType("imageList[" + i + "]", "an object with a base64 \"data\" string", list.get(i));
            in.add(ImageCodec.decode(data, "imageList[" + i + "].data", maxPixels));
        }
        Upscaled out = run(f, in);
        List<Object> images = new ArrayList<>();
        for (RgbImage img : out.images()) images.add(encode(img));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("html_info", out.htmlInfo());
        r.put("images", images);
        return r;
    }

    /** The upscaled images and the last one's postprocessing text as the WebUI's {@code html_info}. */
    private record Upscaled(List<RgbImage> images, String htmlInfo) {}

    private Upscaled run(RequestFields f, List<RgbImage> images) {
        int mode = f.integer("resize_mode", 0, 0, 1);
        double by = f.number("upscaling_resize", 2, 0.01, 64);
        int w = mode == 1 ? f.integer("upscaling_resize_w", 512, 1, 65536) : 0, h = mode == 1 ? f.integer("upscaling_resize_h", 512, 1, 65536) : 0;
        boolean crop = f.bool("upscaling_crop", true);
        String first = f.string("upscaler_1", "None"), second = f.string("upscaler_2", "None");
        double visibility = f.number("extras_upscaler_2_visibility", 0, 0, 1);
        if (f.number("gfpgan_visibility", 0, 0, 1) > 0 || f.number("codeformer_visibility", 0, 0, 1) > 0)
            throw ApiException.invalid("face restoration (GFPGAN, CodeFormer) is not supported by this server; set gfpgan_visibility and codeformer_visibility to 0");
        int[] tile = settings.upscalerTiles(f.object("override_settings"));
        return await(queue.submit(progress -> {
            progress.begin("extras", images.size(), 0);
            try (UpscalerLibrary lib = UpscalerLibrary.of(slot.backend(), folder)) {
                if (first.equals("None")) return new Upscaled(images, "");
                Upscaler u1 = lib.get(first, tile[0], tile[1]);
                Upscaler u2 = second.equals("None") ? null : lib.get(second, tile[0], tile[1]);
                ExtrasUpscale extras = new ExtrasUpscale(u1, u2, visibility, by, w, h, crop);
                List<RgbImage> out = new ArrayList<>();
                String info = "";
                for (int i = 0; i < images.size(); i++) {
                    progress.batch(i, "extras");
                    ExtrasUpscale.Result r = extras.apply(images.get(i));
                    List<String> parts = new ArrayList<>();
                    r.info().forEach((k, v) -> parts.add(k + ": " + v));
                    info = "<p>" + String.join(", ", parts) + "</p>";
                    out.add(r.image());
                }
                return new Upscaled(out, info);
            } catch (UpscalerException e) {
                throw ApiException.invalid(e.getMessage());
            }
        }));
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> done) {
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "ServiceUnavailable", "the server is shutting down");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof ApiException a) throw a;
            if (e.getCause() instanceof RuntimeException r && r.getClass().getName().startsWith("jdiffusion.") && r.getMessage() != null)
                throw new ApiException(422, r.getClass().getSimpleName(), r.getMessage());
            throw new ApiException(500, "InternalError", String.valueOf(e.getCause()));
        }
    }

    private static String encode(RgbImage img) {
        return Base64.getEncoder().encodeToString(Png.encode(img.rgb(), img.width(), img.height(), Map.of()));
    }
}
