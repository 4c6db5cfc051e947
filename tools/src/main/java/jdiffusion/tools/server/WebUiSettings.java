package jdiffusion.tools.server;

import jdiffusion.sd.sample.RngSource;
import jdiffusion.sd.sample.SamplingException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The WebUI settings the server keeps ({@code GET/POST /sdapi/v1/options}) and the ones a request may override for
 * itself ({@code override_settings}). Those that change an image are understood: {@code sd_model_checkpoint},
 * {@code sd_vae}, {@code CLIP_stop_at_last_layers}, {@code randn_source}, {@code eta_noise_seed_delta}; others are
 * stored and echoed, as clients set many the engine does not use.
 */
final class WebUiSettings {
    /** What a job runs with, resolved from the settings and its overrides. */
    record Effective(ModelCatalog.Checkpoint checkpoint, Path vae, int clipSkip, RngSource rng, long ensd) {}

    private final ModelCatalog catalog;
    private final Map<String, Object> values = new LinkedHashMap<>();

    WebUiSettings(ModelCatalog catalog, ModelCatalog.Checkpoint initial) {
        this.catalog = catalog;
        values.put("sd_model_checkpoint", initial == null ? null : initial.name());
        values.put("sd_checkpoint_hash", null);
        values.put("sd_vae", "Automatic");
        values.put("CLIP_stop_at_last_layers", 1L);
        values.put("randn_source", "GPU");
        values.put("eta_noise_seed_delta", 0L);
        values.put("samples_format", "png");
        values.put("show_progress_every_n_steps", 1L);
        values.put("live_previews_enable", true);
        values.put("show_progress_type", "Approx cheap");
        values.put("ESRGAN_tile", 192L);
        values.put("ESRGAN_tile_overlap", 8L);
    }

    /** {@code ESRGAN_tile} and {@code ESRGAN_tile_overlap} with {@code overrides} on top (the tiling of model upscalers). */
    synchronized int[] upscalerTiles(Map<String, Object> overrides) {
        Map<String, Object> all = new LinkedHashMap<>(values);
        all.putAll(check(overrides));
        return new int[] {(int) (long) (Long) all.get("ESRGAN_tile"), (int) (long) (Long) all.get("ESRGAN_tile_overlap")};
    }

    /** The current values, with the checkpoint under its WebUI title. */
    synchronized Map<String, Object> snapshot() {
        Map<String, Object> out = new LinkedHashMap<>(values);
        catalog.findCheckpoint((String) values.get("sd_model_checkpoint")).ifPresent(c -> {
            out.put("sd_model_checkpoint", catalog.title(c));
            out.put("sd_checkpoint_hash", catalog.shortHash(c));
        });
        return out;
    }

    /** Sets {@code changes} after checking all of them (nothing changes when one is refused). */
    synchronized void set(Map<String, Object> changes) {
        Map<String, Object> checked = check(changes);
        values.putAll(checked);
    }

    /** The settings a job runs with: the current ones with {@code overrides} on top (checked, never stored). */
    synchronized Effective effective(Map<String, Object> overrides) {
        Map<String, Object> all = new LinkedHashMap<>(values);
        all.putAll(check(overrides));
        String name = (String) all.get("sd_model_checkpoint");
        ModelCatalog.Checkpoint ckpt = catalog.findCheckpoint(name)
                .orElseThrow(() -> ApiException.notFound("no checkpoint is selected or '" + name + "' no longer exists; see GET /sdapi/v1/sd-models"));
        String vae = (String) all.get("sd_vae");
        Path vaePath = switch (vae) {
            case "Automatic", "None" -> null;
            default -> catalog.findVae(vae).orElseThrow(() -> ApiException.notFound("VAE '" + vae + "' no longer exists; see GET /sdapi/v1/sd-vae")).path();
        };
        return new Effective(ckpt, vaePath, (int) (long) (Long) all.get("CLIP_stop_at_last_layers"),
                RngSource.parse((String) all.get("randn_source")), (Long) all.get("eta_noise_seed_delta"));
    }

    private Map<String, Object> check(Map<String, Object> changes) {
        Map<String, Object> out = new LinkedHashMap<>();
        RequestFields f = new RequestFields(changes);
        for (String key : changes.keySet()) {
            Object v = changes.get(key);
            switch (key) {
                case "sd_model_checkpoint" -> {
                    String name = f.string(key, null);
                    if (name == null) continue;
                    ModelCatalog.Checkpoint c = catalog.findCheckpoint(name)
                            .orElseThrow(() -> ApiException.notFound("model '" + name + "' not found; see GET /sdapi/v1/sd-models"));
                    out.put(key, c.name());
                }
                case "sd_vae" -> {
                    String name = f.string(key, "Automatic");
                    if (!name.equals("Automatic") && !name.equals("None") && catalog.findVae(name).isEmpty())
                        throw ApiException.notFound("VAE '" + name + "' not found; use Automatic, None or a name from GET /sdapi/v1/sd-vae");
                    out.put(key, catalog.findVae(name).map(ModelCatalog.Entry::name).orElse(name));
                }
                case "CLIP_stop_at_last_layers" -> out.put(key, f.integer(key, 1L, 1, 12));
                case "eta_noise_seed_delta" -> out.put(key, f.integer(key, 0L, 0, Long.MAX_VALUE));
                case "show_progress_every_n_steps" -> out.put(key, f.integer(key, 1L, -1, 10000));
                case "ESRGAN_tile" -> out.put(key, f.integer(key, 192L, 0, 4096));
                case "ESRGAN_tile_overlap" -> out.put(key, f.integer(key, 8L, 0, 512));
                case "randn_source" -> {
                    String s = f.string(key, "GPU");
                    try {
                        out.put(key, RngSource.parse(s) == RngSource.CPU ? "CPU" : s.equalsIgnoreCase("NV") ? "NV" : "GPU");
                    } catch (SamplingException e) {
                        throw ApiException.invalid("randn_source '" + s + "' is unknown: use GPU, CPU or NV");
                    }
                }
                case "sd_checkpoint_hash" -> { /* derived from the checkpoint, not settable */ }
                default -> out.put(key, v);
            }
        }
        return out;
    }
}
