package jdiffusion.sd.pipeline;

import jdiffusion.sd.extra.NetworkActivation;
import jdiffusion.sd.image.InfoText;
import jdiffusion.sd.sample.RngSource;
import jdiffusion.sd.sample.SamplerSpec;
import jdiffusion.sd.sample.Samplers;
import jdiffusion.sd.sample.ScheduleType;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The WebUI's generation-parameter text for an image ({@code processing.create_infotext}, 1.10), and the way back:
 * a pasted or PNG-embedded infotext onto {@link GenerationParams}. Keys appear in the WebUI's order and only when
 * the WebUI writes them (Variation seed only with a strength, Clip skip only above 1, RNG only for CPU, ...); the
 * text states what this run applied, never a pasted key jsd does not implement (Hires, ADetailer, ...).
 */
public final class InfoTexts {
    private InfoTexts() {}

    /**
     * The {@code Version:} value: {@code jsd} and its version. Not a bare version number on purpose: the WebUI reads a
     * pasted {@code Version} with {@code packaging.version} and switches on old behaviour (prompt-editing timelines,
     * alphas_cumprod downcast) for versions below 1.6/1.7; "jsd 0.1.0" does not parse, so the WebUI applies none,
     * which is right since jsd reproduces 1.10.
     */
    public static final String VERSION = "jsd " + projectVersion();

    private static String projectVersion() {
        try (java.io.InputStream in = InfoTexts.class.getResourceAsStream("/jdiffusion/sd/version.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) p.load(in);
            String v = p.getProperty("version", "");
            return v.isEmpty() || v.startsWith("$") ? "dev" : v;
        } catch (java.io.IOException e) {
            return "dev";
        }
    }

    /** Pasted keys that describe the run but are recomputed rather than applied: the loaded model's and networks' names and hashes. */
    private static final java.util.Set<String> RECOMPUTED = java.util.Set.of("Model hash", "Model", "VAE hash", "VAE", "Version");

    /**
     * The infotext of one image.
     *
     * @param img2img whether the run started from an init image (then Denoising strength and, with a mask, Mask blur appear)
     */
    public static InfoText create(GenerationParams p, long seed, long subseed, String modelName, String modelHash,
                                  String vaeName, String vaeHash, boolean img2img, boolean inpaint, boolean usesEnsd) {
        return create(p, seed, subseed, modelName, modelHash, vaeName, vaeHash, img2img, inpaint, usesEnsd, false);
    }

    /** @param onlyMasked the run inpainted a crop around the mask ("Inpaint area: Only masked") */
    public static InfoText create(GenerationParams p, long seed, long subseed, String modelName, String modelHash,
                                  String vaeName, String vaeHash, boolean img2img, boolean inpaint, boolean usesEnsd, boolean onlyMasked) {
        return create(p, seed, subseed, modelName, modelHash, vaeName, vaeHash, img2img, inpaint, usesEnsd, onlyMasked, Map.of());
    }

    /**
     * @param networks the extra networks' entries ({@code Lora hashes}, {@code TI hashes}, ...) of what this run used;
     *                 they come after the fixed keys, as the WebUI's {@code extra_generation_params} do, then {@code Version}
     */
    public static InfoText create(GenerationParams p, long seed, long subseed, String modelName, String modelHash,
                                  String vaeName, String vaeHash, boolean img2img, boolean inpaint, boolean usesEnsd, boolean onlyMasked,
                                  Map<String, String> networks) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Steps", Integer.toString(p.steps()));
        m.put("Sampler", p.sampler());
        m.put("Schedule type", resolvedSchedule(p).label());
        m.put("CFG scale", number(p.cfgScale()));
        m.put("Seed", Long.toString(seed));
        m.put("Size", p.width() + "x" + p.height());
        m.put("Model hash", modelHash);
        m.put("Model", modelName);
        m.put("VAE hash", vaeHash);
        m.put("VAE", vaeName);
        if (p.subseedStrength() != 0) {
            m.put("Variation seed", Long.toString(subseed));
            m.put("Variation seed strength", number(p.subseedStrength()));
        }
        if (p.seedResizeFromW() > 0 && p.seedResizeFromH() > 0) m.put("Seed resize from", p.seedResizeFromW() + "x" + p.seedResizeFromH());
        if (img2img) m.put("Denoising strength", number(p.denoisingStrength()));
        if (p.clipSkip() > 1) m.put("Clip skip", Integer.toString(p.clipSkip()));
        if (p.ensd() != 0 && usesEnsd) m.put("ENSD", Long.toString(p.ensd()));
        if (p.rng() == RngSource.CPU) m.put("RNG", "CPU");
        if (inpaint) m.put("Mask blur", Integer.toString(p.maskBlur()));
        if (onlyMasked) {
            m.put("Inpaint area", "Only masked");
            m.put("Masked area padding", Integer.toString(p.inpaintPadding()));
        }
        if (inpaint && p.maskedContent() == MaskedContent.FILL) m.put("Masked content", "fill");
        m.putAll(networks);
        m.put("Version", VERSION);
        return new InfoText(p.prompt(), p.negativePrompt(), m);
    }

    /**
     * The schedule the sampler ran with, as the WebUI writes it: its {@code get_sigmas} replaces "Automatic" by the
     * sampler's own default when it has one (DPM++ 2M: Karras), and leaves it for samplers without (Euler a) and the
     * timestep samplers (DDIM, PLMS, UniPC), which never ask for one.
     */
    static ScheduleType resolvedSchedule(GenerationParams p) {
        if (p.schedule() != ScheduleType.AUTOMATIC) return p.schedule();
        if (Samplers.find(p.sampler()).orElse(null) instanceof SamplerSpec k && k.defaultSchedule() != ScheduleType.UNIFORM)
            return k.defaultSchedule();
        return ScheduleType.AUTOMATIC;
    }

    /** Python's {@code str()} of a float as the WebUI writes it: {@code 7} for whole numbers from int sliders, else {@code 6.5}. */
    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /**
     * What {@link #apply} did with an infotext: the parameters, and the keys it did not apply (Hires, ADetailer, ...),
     * which the run's own infotext leaves out.
     */
    public record Applied(GenerationParams params, List<String> unknownKeys) {}

    /**
     * {@code base} with everything {@code info} specifies: prompt, negative prompt, Steps, Sampler (legacy names such as
     * "DPM++ 2M Karras" included), Schedule type, CFG scale, Seed, Size, Variation seed (+strength), Seed resize from,
     * Denoising strength, Clip skip, ENSD, RNG, Mask blur. The model's and networks' names and hashes are recomputed
     * from what the run loads; other keys are listed as not applied (and kept in {@code extra}, never written back).
     */
    public static Applied apply(InfoText info, GenerationParams base) {
        GenerationParams.Builder b = base.toBuilder();
        b.prompt = info.prompt();
        b.negativePrompt = info.negativePrompt() == null ? "" : info.negativePrompt();
        List<String> unknown = new ArrayList<>();
        Map<String, String> extra = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : info.parameters().entrySet()) {
            String k = e.getKey(), v = e.getValue().strip();
            try {
                switch (k) {
                    case "Steps" -> b.steps = Integer.parseInt(v);
                    case "Sampler" -> {
                        Samplers.Choice c = Samplers.resolve(v);
                        b.sampler = c.sampler().label();
                        if (c.schedule() != ScheduleType.AUTOMATIC && !info.parameters().containsKey("Schedule type")) b.schedule = c.schedule();
                    }
                    case "Schedule type" -> b.schedule = ScheduleType.parse(v);
                    case "CFG scale" -> b.cfgScale = Double.parseDouble(v);
                    case "Seed" -> b.seed = Long.parseLong(v);
                    case "Size" -> {
                        int[] wh = size(v, k);
                        b.width = wh[0];
                        b.height = wh[1];
                    }
                    case "Variation seed" -> b.subseed = Long.parseLong(v);
                    case "Variation seed strength" -> b.subseedStrength = Double.parseDouble(v);
                    case "Seed resize from" -> {
                        int[] wh = size(v, k);
                        b.seedResizeFromW = wh[0];
                        b.seedResizeFromH = wh[1];
                    }
                    case "Denoising strength" -> b.denoisingStrength = Double.parseDouble(v);
                    case "Clip skip" -> b.clipSkip = Integer.parseInt(v);
                    case "ENSD" -> b.ensd = Long.parseLong(v);
                    case "RNG" -> b.rng = RngSource.parse(v);
                    case "Mask blur" -> b.maskBlur = Integer.parseInt(v);
                    case "Masked content" -> b.maskedContent = MaskedContent.parse(v);
                    case "Inpaint area" -> b.inpaintFullRes = v.equalsIgnoreCase("Only masked");
                    case "Masked area padding" -> b.inpaintPadding = Integer.parseInt(v);
                    default -> {
                        // informational: the model is chosen with --model, the networks by the prompt's tags
                        if (RECOMPUTED.contains(k) || NetworkActivation.INFOTEXT_KEYS.contains(k)) continue;
                        unknown.add(k);
                        extra.put(k, e.getValue());
                    }
                }
            } catch (NumberFormatException ex) {
                throw new PipelineException("infotext value " + k + ": \"" + v + "\" is not a number");
            }
        }
        b.extra = extra;
        return new Applied(b.build(), List.copyOf(unknown));
    }

    private static int[] size(String v, String key) {
        String[] parts = v.toLowerCase(Locale.ROOT).split("x");
        if (parts.length != 2) throw new PipelineException("infotext value " + key + ": \"" + v + "\" is not WIDTHxHEIGHT");
        return new int[] {Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip())};
    }
}
