package jdiffusion.sd.controlnet;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.Weights;
import jdiffusion.sd.unet.AttentionContext;
import jdiffusion.sd.unet.ControlResiduals;
import jdiffusion.sd.unet.UNetEncoder;
import jdiffusion.sd.unet.UNetException;
import jdiffusion.sd.unet.UNetParameters;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * diffusers {@code ControlNetModel} (lllyasviel {@code cldm.ControlNet}): a trainable copy of the UNet's encoder
 * half whose input is the latents plus an embedded control image, and a 1x1 "zero conv" per skip connection and
 * after the mid block, giving the residuals the UNet adds ({@link ControlResiduals}).
 * <pre>
 *   hint ─ HintEncoder ──────────┐
 *   x ─ conv_in ────────────────(+)─ DownBlocks ─ MidBlock ─ middle_block_out ─► mid residual
 *                                 └─ every skip ─ zero_convs[i] ─► down residual i
 * </pre>
 * Weights under diffusers names: the UNet encoder's, {@code controlnet_cond_embedding.*},
 * {@code controlnet_down_blocks.i}, {@code controlnet_mid_block}.
 */
public final class ControlNet {
    private final Backend backend;
    private final ControlNetConfig config;
    private final UNetEncoder encoder;
    private final HintEncoder hintEncoder;
    private final List<Conv2d> zeroConvs = new ArrayList<>();
    private final Conv2d midOut;

    public ControlNet(Backend backend, Weights w, ControlNetConfig config) {
        this.backend = backend;
        this.config = config;
        UNetParameters.check(config.unet(), w, UNetParameters.encoderShapes(config.unet()));
        this.encoder = new UNetEncoder(backend, w, config.unet(), AttentionContext.NONE);
        this.hintEncoder = new HintEncoder(backend, w.child("controlnet_cond_embedding"), config);
        for (int i = 0; i < encoder.skipCount(); i++) zeroConvs.add(new Conv2d(backend, w.child("controlnet_down_blocks").child(i)));
        this.midOut = new Conv2d(backend, w.child("controlnet_mid_block"));
    }

    public ControlNetConfig config() { return config; }

    /** Residuals this ControlNet makes: one per skip connection plus the mid block's. */
    public int outputs() { return zeroConvs.size() + 1; }

    /**
     * One evaluation with the UNet's inputs and a control image.
     *
     * @param sample    the latents the UNet gets, {@code [B, C, h, w]}
     * @param timesteps 1 or B timesteps (fractional is fine)
     * @param context   the text conditioning the UNet gets
     * @param hint      {@code [B, 3, h·f, w·f]} in [0, 1], {@code f} = {@link ControlNetConfig#hintDownsampling()}
     * @param scales    {@link #outputs()} factors: down residual {@code i} is multiplied by {@code scales[i]}, the mid
     *                  residual by the last
     * @param probe     when not null, receives the intermediates under diffusers names (copy what you keep)
     */
    public ControlResiduals forward(Tensor sample, float[] timesteps, Tensor context, Tensor hint, float[] scales,
                                    BiConsumer<String, Tensor> probe) {
        BiConsumer<String, Tensor> report = probe == null ? (name, t) -> {} : probe;
        checkInputs(sample, hint, scales);
        int batch = sample.size(0);
        Tensor tembAct = encoder.embedTime(backend, timesteps, null, batch, report);
        Tensor guided = hintEncoder.forward(backend, hint, report);
        List<Tensor> skips = new ArrayList<>();
        Tensor mid = encoder.forward(backend, sample, guided, tembAct, context, skips, report);
        backend.release(guided);
        backend.release(tembAct);
        List<Tensor> down = new ArrayList<>();
        for (int i = 0; i < skips.size(); i++) {
            down.add(scaled(zeroConvs.get(i).forward(backend, skips.get(i)), scales[i]));
            backend.release(skips.get(i));
        }
        Tensor midResidual = scaled(midOut.forward(backend, mid), scales[scales.length - 1]);
        backend.release(mid);
        return new ControlResiduals(down, midResidual);
    }

    /** Every output scaled by {@code scale} (diffusers {@code conditioning_scale}, the extension's "Balanced" weight). */
    public float[] uniformScales(float scale) {
        float[] s = new float[outputs()];
        Arrays.fill(s, scale);
        return s;
    }

    private Tensor scaled(Tensor t, float s) {
        if (s == 1f) return t;
        Tensor out = backend.scale(t, s);
        backend.release(t);
        return out;
    }

    private void checkInputs(Tensor sample, Tensor hint, float[] scales) {
        int f = config.hintDownsampling();
        if (hint.rank() != 4 || hint.size(0) != sample.size(0) || hint.size(1) != config.hintInChannels()
                || hint.size(2) != sample.size(2) * f || hint.size(3) != sample.size(3) * f)
            throw new UNetException("ControlNet hint must be [" + sample.size(0) + ", " + config.hintInChannels() + ", " + sample.size(2) * f + ", "
                    + sample.size(3) * f + "] (" + f + "x the latent " + sample.size(2) + "x" + sample.size(3) + "), got " + Arrays.toString(hint.shape()));
        if (scales.length != outputs())
            throw new UNetException("ControlNet needs " + outputs() + " output scales, got " + scales.length);
    }
}
