package jdiffusion.sd.unet;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.GroupNorm;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The Stable Diffusion 1.x/2.x/XL denoiser, diffusers {@code UNet2DConditionModel} (ldm/sgm {@code UNetModel}):
 * <pre>
 *   t ─ Timesteps ─ TimestepEmbedding ─(+ add_embedding(y), SDXL)─ SiLU ─ temb to every ResBlock
 *   x ─ conv_in ─ DownBlock × levels ─ MidBlock ─ UpBlock × levels ─ GroupNorm+SiLU ─ conv_out ─► noise (or v)
 *                   └──── skip connections, concatenated on the way up ────┘
 * </pre>
 * Weights are read under the diffusers module paths ({@code down_blocks.0.attentions.1.proj_in.weight}) in
 * their file dtype; activations are F32. Usage:
 * <pre>{@code
 *   UNet unet = new UNet(backend, new Weights(source), config);
 *   Tensor eps = unet.forward(latents, new float[] {999f}, textEmbeddings);
 * }</pre>
 */
public final class UNet {
    private final Backend backend;
    private final UNetConfig config;
    private final UNetEncoder encoder;
    private final Conv2d convOut;
    private final List<UpBlock> upBlocks = new ArrayList<>();
    private final GroupNorm convNormOut;

    public UNet(Backend backend, Weights w, UNetConfig config) { this(backend, w, config, AttentionContext.NONE); }

    /** With every attention layer's keys and values computed from {@code keysAndValues}' view of its context (hypernetworks). */
    public UNet(Backend backend, Weights w, UNetConfig config, AttentionContext keysAndValues) {
        this.backend = backend;
        this.config = config;
        UNetParameters.check(config, w);
        this.encoder = new UNetEncoder(backend, w, config, keysAndValues);
        for (int i = 0; i < config.levels(); i++) upBlocks.add(new UpBlock(backend, w.child("up_blocks").child(i), config, i, keysAndValues));
        this.convNormOut = new GroupNorm(backend, w.child("conv_norm_out"), config.normGroups(), config.normEps());
        this.convOut = new Conv2d(backend, w.child("conv_out"));
    }

    public UNetConfig config() { return config; }

    public Backend backend() { return backend; }

    /** {@code timesteps} has one value for the whole batch or one per sample; fractional values are fine. */
    public Tensor forward(Tensor sample, float[] timesteps, Tensor context) { return forward(sample, timesteps, context, null, null); }

    /** {@code timestep} is a host tensor of shape {@code []}, {@code [1]} or {@code [B]} (the diffusers convention). */
    public Tensor forward(Tensor sample, Tensor timestep, Tensor context, BiConsumer<String, Tensor> probe) {
        return forward(sample, timestep, context, null, probe);
    }

    /** {@code timestep} as above; {@code vector} SDXL's {@code y} or null. */
    public Tensor forward(Tensor sample, Tensor timestep, Tensor context, Tensor vector, BiConsumer<String, Tensor> probe) {
        if (timestep.rank() > 1) throw new UNetException("timestep must have shape [] or [batch], got " + Arrays.toString(timestep.shape()));
        return forward(sample, timestep.toFloatArray(), context, vector, probe);
    }

    /** Without the SDXL vector. */
    public Tensor forward(Tensor sample, float[] timesteps, Tensor context, BiConsumer<String, Tensor> probe) {
        return forward(sample, timesteps, context, null, probe);
    }

    /**
     * One denoiser evaluation.
     *
     * @param sample    latents {@code [B, inChannels, H, W]}, any H and W
     * @param timesteps 1 or B timesteps
     * @param context   text conditioning {@code [B, L, contextDim]}
     * @param vector    SDXL's conditioning vector {@code [B, vectorDim]} ({@link TimeIds#vector}); null when the
     *                  configuration has none
     * @param probe     when not null, receives the intermediates under the diffusers module names
     *                  ({@code time_proj}, {@code time_embedding}, {@code add_embedding}, {@code conv_in}, {@code down_blocks.i},
     *                  {@code down_blocks.i.res_samples.j}, {@code mid_block}, {@code up_blocks.i},
     *                  {@code conv_norm_out}); it must copy what it keeps, as buffers are reused afterwards
     * @return {@code [B, outChannels, H, W]}
     */
    public Tensor forward(Tensor sample, float[] timesteps, Tensor context, Tensor vector, BiConsumer<String, Tensor> probe) {
        return forward(sample, timesteps, context, vector, null, probe);
    }

    /**
     * One denoiser evaluation with ControlNet residuals ({@code control} may be null): each is added to its skip
     * connection before the up path concatenates it, and to the mid block's output (diffusers
     * {@code down_block_additional_residuals}, {@code mid_block_additional_residual}); the probe sees the tensors
     * before they are added. The other arguments are as above.
     */
    public Tensor forward(Tensor sample, float[] timesteps, Tensor context, Tensor vector, ControlResiduals control,
                          BiConsumer<String, Tensor> probe) {
        BiConsumer<String, Tensor> report = probe == null ? (name, t) -> {} : probe;
        int batch = checkInputs(sample, timesteps, context, vector);
        Tensor tembAct = encoder.embedTime(backend, timesteps, vector, batch, report);
        List<Tensor> skips = new ArrayList<>();
        Tensor x = encoder.forward(backend, sample, null, tembAct, context, skips, report);
        if (control != null) x = addResiduals(control, skips, x);

        // diffusers resizes to the skip's size in every upsampler once any side is not a multiple of 2^upsamplers
        boolean toSkipSize = sample.size(2) % config.downsamplingFactor() != 0 || sample.size(3) % config.downsamplingFactor() != 0;
        for (int i = 0; i < upBlocks.size(); i++) {
            UpBlock block = upBlocks.get(i);
            int outH = 0, outW = 0;
            if (block.upsamples()) {
                Tensor next = skips.get(skips.size() - 1 - block.skipCount());
                outH = toSkipSize ? next.size(2) : 2 * x.size(2);
                outW = toSkipSize ? next.size(3) : 2 * x.size(3);
            }
            x = block.forward(backend, x, tembAct, context, skips, outH, outW);
            report.accept("up_blocks." + i, x);
        }
        backend.release(tembAct);

        Tensor act;
        if (probe != null) {
            Tensor n = convNormOut.forward(backend, x);
            probe.accept("conv_norm_out", n);
            act = backend.silu(n);
            backend.release(n);
        } else {
            act = convNormOut.forwardSilu(backend, x);
        }
        backend.release(x);
        Tensor out = convOut.forward(backend, act);
        backend.release(act);
        return out;
    }

    /** Adds {@code control} to the skips (in place in the list) and to {@code mid}; returns the new mid. */
    private Tensor addResiduals(ControlResiduals control, List<Tensor> skips, Tensor mid) {
        if (control.down().size() != skips.size())
            throw new UNetException("ControlNet gives " + control.down().size() + " residuals for a UNet with " + skips.size()
                    + " skip connections: the ControlNet belongs to another model architecture");
        for (int i = 0; i < skips.size(); i++) {
            Tensor skip = skips.get(i), r = control.down().get(i);
            if (!Arrays.equals(skip.shape(), r.shape()))
                throw new UNetException("ControlNet residual " + i + " has shape " + Arrays.toString(r.shape()) + ", the UNet's skip " + Arrays.toString(skip.shape()));
            skips.set(i, backend.add(skip, r));
            backend.release(skip);
        }
        Tensor sum = backend.add(mid, control.mid());
        backend.release(mid);
        return sum;
    }

    private int checkInputs(Tensor sample, float[] timesteps, Tensor context, Tensor vector) {
        if (sample.rank() != 4 || sample.size(1) != config.inChannels())
            throw new UNetException("UNet input must be latents [batch, " + config.inChannels() + ", height, width], got " + Arrays.toString(sample.shape()));
        int batch = sample.size(0);
        if (timesteps.length != 1 && timesteps.length != batch)
            throw new UNetException("UNet got " + timesteps.length + " timesteps for a batch of " + batch + " (give 1 or " + batch + ")");
        if (context.rank() != 3 || context.size(0) != batch || context.size(2) != config.contextDim())
            throw new UNetException("UNet conditioning must be [" + batch + ", tokens, " + config.contextDim() + "], got " + Arrays.toString(context.shape())
                    + (context.rank() == 3 && context.size(2) != config.contextDim() ? " (text encoder of another model family?)" : ""));
        if (config.hasVector() && (vector == null || vector.rank() != 2 || vector.size(0) != batch || vector.size(1) != config.vectorDim()))
            throw new UNetException("this SDXL UNet needs the conditioning vector [" + batch + ", " + config.vectorDim() + "] (pooled text + size embeddings), got "
                    + (vector == null ? "none" : Arrays.toString(vector.shape())));
        if (!config.hasVector() && vector != null)
            throw new UNetException("this UNet takes no conditioning vector (an SD 1.x/2.x model), got " + Arrays.toString(vector.shape()));
        return batch;
    }
}
