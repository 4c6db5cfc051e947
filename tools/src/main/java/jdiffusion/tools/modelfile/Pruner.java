package jdiffusion.tools.modelfile;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tools.CommandException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes the "pruned" files users download: only the weights inference reads (UNet, VAE, text encoders and the
 * DDPM schedule buffers), no EMA copies or training leftovers; with {@code ema}, the EMA weights become the
 * main UNet weights ("pruned-emaonly"). ldm names an EMA copy {@code model_ema.<name after "model.", dots removed>}.
 */
public final class Pruner {
    private static final String[] KEPT_PREFIXES = {"model.diffusion_model.", "first_stage_model.", "cond_stage_model.", "conditioner."};
    private static final java.util.Set<String> SCHEDULE = java.util.Set.of("betas", "alphas_cumprod", "alphas_cumprod_prev",
            "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod",
            "sqrt_recipm1_alphas_cumprod", "posterior_variance", "posterior_log_variance_clipped", "posterior_mean_coef1",
            "posterior_mean_coef2");

    private Pruner() {}

    /** What prune keeps, name to tensor, in file order. */
    public static Map<String, Tensor> select(TensorFile in, boolean useEma) {
        Map<String, Tensor> all = in.tensors(), kept = new LinkedHashMap<>();
        int replaced = 0;
        for (Map.Entry<String, Tensor> e : all.entrySet()) {
            String name = e.getKey();
            if (!isInferenceWeight(name)) continue;
            Tensor t = e.getValue();
            if (useEma && name.startsWith("model.diffusion_model.")) {
                Tensor ema = all.get(emaName(name));
                if (ema != null) { t = ema; replaced++; }
            }
            kept.put(name, t);
        }
        if (kept.isEmpty()) throw new CommandException(in.path() + ": no Stable Diffusion weights found (expected model.diffusion_model.*, first_stage_model.*, ...)");
        if (useEma && replaced == 0)
            throw new CommandException(in.path() + ": --ema asked for, but the file holds no EMA weights (model_ema.*)");
        return kept;
    }

    static boolean isInferenceWeight(String name) {
        if (SCHEDULE.contains(name)) return true;
        for (String p : KEPT_PREFIXES) if (name.startsWith(p)) return true;
        return false;
    }

    /** {@code model.diffusion_model.input_blocks.0.0.weight} -> {@code model_ema.diffusion_modelinput_blocks00weight}. */
    static String emaName(String name) { return "model_ema." + name.substring("model.".length()).replace(".", ""); }

    public static void prune(TensorFile in, boolean useEma, DType dtype, Path out, boolean overwrite) {
        SafeTensorsWriter w = new SafeTensorsWriter().overwrite(overwrite);
        for (Map.Entry<String, Tensor> e : select(in, useEma).entrySet()) {
            Tensor t = e.getValue();
            // the schedule buffers stay float32 as in real pruned files; samplers read them at full precision
            DType d = SCHEDULE.contains(e.getKey()) ? t.dtype() : DTypeSink.outputDType(t, dtype);
            w.add(e.getKey(), d, t.shape(), DTypeSink.convert(t, d));
        }
        w.write(out);
    }
}
