package jdiffusion.tools.inspect;

import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.checkpoint.ModelConfig;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What a checkpoint is as a model, as the loader sees it: family, variant, prediction type, the shapes of its
 * components, where the configuration came from, and whether EMA copies are present. Files that are not models the
 * engine runs (SDXL, LoRAs, VAEs...) get the loader's one-line reason instead.
 */
final class ModelFacts {
    private ModelFacts() {}

    static Map<String, Object> of(Path file, Set<String> names) {
        Map<String, Object> m = new LinkedHashMap<>();
        try (Checkpoint ckpt = Checkpoint.open(file)) {
            ModelConfig c = ckpt.config();
            m.put("family", c.family().name());
            m.put("variant", c.variant().name());
            m.put("prediction", c.predictionType() + (c.predictionGuessed() ? " (assumed: no yaml or scheduler config says)" : ""));
            m.put("layout", ckpt.layout() == Checkpoint.Layout.SINGLE_FILE ? "single file (ldm/A1111 names)" : "diffusers folder");
            m.put("config", c.source());
            m.put("unet", "channels " + c.unet().blockOutChannels() + ", heads " + c.unet().attentionHeads() + ", context " + c.unet().contextDim());
            if (c.vae() != null) m.put("vae", "downsampling x" + c.vae().downsamplingFactor() + ", latent channels " + c.vae().latentChannels());
            if (c.textEncoder() != null)
                m.put("text_encoder", c.textEncoder().layers() + " layers x " + c.textEncoder().hiddenSize() + " wide");
        } catch (RuntimeException notAModel) {
            m.put("not_runnable", notAModel.getMessage());
        }
        long ema = names.stream().filter(n -> n.startsWith("model_ema.")).count();
        m.put("ema", ema == 0 ? "none" : ema + " EMA tensors (model_ema.*); jsd loads the non-EMA weights, as the WebUI does");
        return m;
    }
}
