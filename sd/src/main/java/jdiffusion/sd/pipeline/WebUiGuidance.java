package jdiffusion.sd.pipeline;

import jdiffusion.sd.sample.Denoiser;
import jdiffusion.sd.sample.GuidedModelFunction;
import jdiffusion.sd.sample.KDiffusionDenoiser;
import jdiffusion.sd.sample.ModelFunction;
import jdiffusion.sd.sample.NoiseSchedule;
import jdiffusion.sd.sample.Prediction;
import jdiffusion.sd.sample.WebUiTimesteps;
import jdiffusion.sd.controlnet.UNetCall;
import jdiffusion.sd.controlnet.UNetControl;
import jdiffusion.sd.unet.ControlResiduals;
import jdiffusion.sd.unet.UNet;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Classifier-free guidance as the WebUI's {@code CFGDenoiser} applies it, for both kinds of sampler:
 * <pre>
 *   x_in = [x per AND part; x]   context = [parts(call); uncond(call)]   one UNet batch when both have the same
 *                                token count (parts padded to the longest), else the two halves separately
 *   k-diffusion ({@link #denoiser}):       d = CompVis denoiser(x_in, sigma)      (x0 predictions)
 *   DDIM/PLMS/UniPC ({@link #epsModel}): d = eps model(x_in, t)                  (noise predictions)
 *   guided = d_uncond + sum over parts (d_part - d_uncond) * (weight * cfg)
 * </pre>
 * {@code call} counts model calls (not sampler steps): it is what the WebUI's prompt-editing schedules index.
 * Inpainting with a normal model blends the clean init latents back where the mask keeps them: after guidance for
 * k-diffusion samplers, on the input before the call for the timestep samplers ({@code mask_before_denoising}). A
 * 9-channel inpainting UNet also gets each image's conditioning ({@code [mask, masked-image latents]}) appended to its
 * input channels.
 */
final class WebUiGuidance {
    private final Backend backend;
    private final UNet unet;
    private final List<List<WeightedSchedule>> conds;
    private final List<ConditioningSchedule> unconds;
    private final float cfgScale;
    private final int channels, height, width;
    private final float[] imageConditioning;
    private final int conditioningChannels;
    private float[] initLatent, keepMask;
    private float[] lastUncond;
    private int call;
    private UNetControl control = UNetControl.NONE;

    /**
     * @param imageConditioning per-image extra UNet input {@code [B, conditioningChannels, h, w]}, or null
     */
    WebUiGuidance(StableDiffusionModel model, List<List<WeightedSchedule>> conds, List<ConditioningSchedule> unconds, double cfgScale,
                  int channels, int height, int width, float[] imageConditioning, int conditioningChannels) {
        this(model, model.unet(), conds, unconds, cfgScale, channels, height, width, imageConditioning, conditioningChannels);
    }

    /** With {@code unet} in place of the model's own (extra networks: LoRAs merged, hypernetworks attached). */
    WebUiGuidance(StableDiffusionModel model, UNet unet, List<List<WeightedSchedule>> conds, List<ConditioningSchedule> unconds, double cfgScale,
                  int channels, int height, int width, float[] imageConditioning, int conditioningChannels) {
        if (conds.size() != unconds.size()) throw new IllegalArgumentException("one cond and one uncond schedule per image");
        this.backend = model.backend();
        this.unet = unet;
        this.conds = List.copyOf(conds);
        this.unconds = List.copyOf(unconds);
        this.cfgScale = (float) cfgScale;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.imageConditioning = imageConditioning;
        this.conditioningChannels = conditioningChannels;
    }

    /** Normal-model inpainting: keep {@code init} where {@code keep} ({@code [h, w]}) is 1. */
    void blendWith(float[] initLatent, float[] keepMask) {
        this.initLatent = initLatent;
        this.keepMask = keepMask;
    }

    int calls() { return call; }

    /** ControlNet residuals asked for before every UNet call. */
    void controlWith(UNetControl control) { this.control = control; }

    /** The guided x0 predictor for k-diffusion samplers over {@code kdiffusion} (the CompVis denoiser, or LCM's). */
    Denoiser denoiser(KDiffusionDenoiser kdiffusion) {
        return (x, sigma) -> {
            float[] out = guided(x, (xIn, contexts, condRows) -> kdiffusion.denoise(xIn, sigma, (input, t) -> unet(input, t, contexts, condRows)));
            return keepMask == null ? out : blend(out);
        };
    }

    /**
     * The guided noise predictor for the WebUI's timestep samplers ({@code v} models converted to eps per call); it also
     * reports the unconditional eps of its last call (DDIM CFG++ steps along it).
     */
    GuidedModelFunction epsModel(NoiseSchedule schedule, Prediction prediction) {
        return new GuidedModelFunction() {
            @Override
            public float[] predict(float[] x, float t) {
                float[] in = keepMask == null ? x : blend(x);
                return guided(in, (xIn, contexts, condRows) ->
                        WebUiTimesteps.epsModel((input, tt) -> unet(input, tt, contexts, condRows), schedule, prediction).predict(xIn, t));
            }

            @Override
            public float[] lastUnconditional() {
                if (lastUncond == null) throw new IllegalStateException("no model call yet");
                return lastUncond.clone();
            }
        };
    }

    private interface BatchModel {
        /** The first {@code condRows} rows carry the prompt, the rest the negative prompt. */
        float[] run(float[] x, TextConditioning[] contexts, int condRows);
    }

    private float[] guided(float[] x, BatchModel model) {
        int batch = conds.size(), n = channels * height * width;
        if (x.length != batch * n) throw new IllegalArgumentException("latents hold " + x.length + " values, expected " + batch * n);
        // reconstruct_multicond_batch: every AND part of every image, padded to the longest by repeating its last token
        List<TextConditioning> c = new ArrayList<>();
        List<float[]> weights = new ArrayList<>();
        int[] firstPart = new int[batch];
        for (int i = 0; i < batch; i++) {
            firstPart[i] = c.size();
            float[] w = new float[conds.get(i).size()];
            for (int k = 0; k < w.length; k++) {
                WeightedSchedule part = conds.get(i).get(k);
                c.add(part.schedule().at(call));
                w[k] = (float) (part.weight() * cfgScale);
            }
            weights.add(w);
        }
        TextConditioning[] cond = padToLongest(c);
        List<TextConditioning> u = new ArrayList<>();
        for (ConditioningSchedule s : unconds) u.add(s.at(call));
        TextConditioning[] uncond = padToLongest(u);
        int parts = cond.length;
        float[] out;
        if (cond[0].tokens() == uncond[0].tokens()) {
            float[] xIn = new float[(parts + batch) * n];
            for (int i = 0; i < batch; i++)
                for (int k = 0; k < weights.get(i).length; k++) System.arraycopy(x, i * n, xIn, (firstPart[i] + k) * n, n);
            System.arraycopy(x, 0, xIn, parts * n, batch * n);
            TextConditioning[] all = Arrays.copyOf(cond, parts + batch);
            System.arraycopy(uncond, 0, all, parts, batch);
            out = model.run(xIn, all, parts);
        } else {
            float[] xCond = new float[parts * n];
            for (int i = 0; i < batch; i++)
                for (int k = 0; k < weights.get(i).length; k++) System.arraycopy(x, i * n, xCond, (firstPart[i] + k) * n, n);
            out = Arrays.copyOf(model.run(xCond, cond, parts), (parts + batch) * n);
            System.arraycopy(model.run(x, uncond, 0), 0, out, parts * n, batch * n);
        }
        // combine_denoised: uncond, plus each part's difference times (weight * cfg)
        float[] guided = Arrays.copyOfRange(out, parts * n, (parts + batch) * n);
        lastUncond = guided.clone();
        for (int i = 0; i < batch; i++) {
            float[] w = weights.get(i);
            for (int k = 0; k < w.length; k++) {
                int from = (firstPart[i] + k) * n, un = (parts + i) * n;
                for (int j = 0; j < n; j++) guided[i * n + j] += (out[from + j] - out[un + j]) * w[k];
            }
        }
        call++;
        return guided;
    }

    private static TextConditioning[] padToLongest(List<TextConditioning> list) {
        int tokens = 0;
        for (TextConditioning t : list) tokens = Math.max(tokens, t.tokens());
        TextConditioning[] out = new TextConditioning[list.size()];
        for (int i = 0; i < out.length; i++) {
            TextConditioning t = list.get(i);
            if (t.tokens() == tokens) {
                out[i] = t;
                continue;
            }
            int dim = t.dim();
            float[] v = Arrays.copyOf(t.values(), tokens * dim);
            for (int r = t.tokens(); r < tokens; r++) System.arraycopy(t.values(), (t.tokens() - 1) * dim, v, r * dim, dim);
            out[i] = new TextConditioning(v, tokens, dim);
        }
        return out;
    }

    /** {@code current * (1 - keep) + init * keep}, the WebUI's {@code apply_blend}. */
    private float[] blend(float[] current) {
        int plane = height * width;
        float[] out = new float[current.length];
        for (int i = 0; i < out.length; i++) {
            float keep = keepMask[i % plane];
            out[i] = current[i] * (1f - keep) + initLatent[i] * keep;
        }
        return out;
    }

    /** The UNet on {@code input} ({@code [contexts.length, C, h, w]}) with each sample's context (all of one token count). */
    private float[] unet(float[] input, float t, TextConditioning[] contexts, int condRows) {
        int samples = contexts.length, n = channels * height * width;
        int tokens = contexts[0].tokens(), dim = contexts[0].dim();
        float[] ctx = new float[samples * tokens * dim];
        for (int i = 0; i < samples; i++) System.arraycopy(contexts[i].values(), 0, ctx, i * tokens * dim, tokens * dim);
        Tensor sample;
        if (imageConditioning == null) {
            sample = backend.fromFloats(input, samples, channels, height, width);
        } else {
            int k = conditioningChannels, plane = height * width, images = conds.size();
            float[] in = new float[samples * (channels + k) * plane];
            for (int s = 0; s < samples; s++) {
                System.arraycopy(input, s * n, in, s * (channels + k) * plane, n);
                System.arraycopy(imageConditioning, (s % images) * k * plane, in, s * (channels + k) * plane + n, k * plane);
            }
            sample = backend.fromFloats(in, samples, channels + k, height, width);
        }
        boolean[] conditional = new boolean[samples];
        Arrays.fill(conditional, 0, condRows, true);
        ControlResiduals residuals = control.residuals(new UNetCall(input, samples, channels, height, width, t, ctx, tokens, dim, conditional));
        Tensor out = unet.forward(sample, new float[] {t}, backend.fromFloats(ctx, samples, tokens, dim), null, residuals, null);
        if (residuals != null) residuals.release(backend);
        float[] result = backend.toFloatArray(out);
        for (float v : result)
            if (!Float.isFinite(v))
                throw new PipelineException("the UNet produced NaN or infinite values at model call " + (call + 1)
                        + " (t=" + t + "): the model weights or the settings (CFG scale, sampler) are broken for this model");
        return result;
    }
}
