package jdiffusion.tools.inspect;

import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.checkpoint.ModelConfig;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a checkpoint (single file or diffusers folder) is as a model, as the loader sees it: family, variant,
 * prediction type, the shapes of its components and where the configuration came from. Models the engine does not run
 * (SD3, Flux...) get the loader's one-line reason as {@code not_runnable} instead.
 */
final class ModelFacts {
    private ModelFacts() {}

    /** {@code names}: the tensor names of a single file, for the family when the loader cannot open it; empty for a folder. */
    static Map<String, Object> of(Path path, Collection<String> names) {
        Map<String, Object> m = new LinkedHashMap<>();
        try (Checkpoint ckpt = Checkpoint.open(path)) {
            ModelConfig c = ckpt.config();
            m.put("family", c.family().name());
            m.put("model", c.kind());
            m.put("variant", c.variant().name());
            m.put("prediction", c.predictionType() + (c.predictionGuessed() ? " (assumed: no yaml or scheduler config says)" : ""));
            m.put("layout", ckpt.layout() == Checkpoint.Layout.SINGLE_FILE ? "single file (ldm/A1111 names)" : "diffusers folder");
            m.put("config", c.source());
            m.put("unet", "channels " + c.unet().blockOutChannels() + ", heads " + c.unet().attentionHeads() + ", transformer depth "
                    + c.unet().transformerDepth() + ", context " + c.unet().contextDim() + (c.unet().hasVector() ? ", vector " + c.unet().vectorDim() : ""));
            if (c.vae() != null) m.put("vae", "downsampling x" + c.vae().downsamplingFactor() + ", latent channels " + c.vae().latentChannels());
            if (c.textEncoder() != null)
                m.put("text_encoder", c.textEncoder().layers() + " layers x " + c.textEncoder().hiddenSize() + " wide");
        } catch (RuntimeException notAModel) {
            String family = familyFromNames(names);
            if (family != null) m.put("family", family);
            m.put("not_runnable", notAModel.getMessage());
        }
        return m;
    }

    /**
     * The family a single file's text encoder names (SDXL's two embedders, SD2's OpenCLIP, SD1's OpenAI CLIP), for
     * files the loader refuses or needs a yaml for; null when the names do not say.
     */
    static String familyFromNames(Collection<String> names) {
        boolean unet = false;
        String family = null;
        for (String n : names) {
            if (n.startsWith("conditioner.embedders.") || n.startsWith("model.diffusion_model.label_emb.")) return "SDXL";
            if (n.startsWith("cond_stage_model.model.")) family = "SD2";
            else if (n.startsWith("cond_stage_model.transformer.") && family == null) family = "SD1";
            unet |= n.startsWith("model.diffusion_model.");
        }
        return unet ? family : null;
    }
}
