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
    private final Timesteps timeProj;
    private final TimestepEmbedding timeEmbedding;
    /** SDXL's vector MLP (sgm {@code label_emb.0}); null for SD1/SD2. */
    private final TimestepEmbedding addEmbedding;
    private final Conv2d convIn, convOut;
    private final List<DownBlock> downBlocks = new ArrayList<>();
    private final MidBlock midBlock;
    private final List<UpBlock> upBlocks = new ArrayList<>();
    private final GroupNorm convNormOut;

    public UNet(Backend backend, Weights w, UNetConfig config) { this(backend, w, config, AttentionContext.NONE); }

    /** With every attention layer's keys and values computed from {@code keysAndValues}' view of its context (hypernetworks). */
    public UNet(Backend backend, Weights w, UNetConfig config, AttentionContext keysAndValues) {
        this.backend = backend;
        this.config = config;
        UNetParameters.check(config, w);
        this.timeProj = new Timesteps(config.timeProjDim(), config.flipSinToCos(), config.freqShift());
        this.timeEmbedding = new TimestepEmbedding(backend, w.child("time_embedding"));
        this.addEmbedding = config.hasVector() ? new TimestepEmbedding(backend, w.child("add_embedding")) : null;
        this.convIn = new Conv2d(backend, w.child("conv_in"));
        for (int i = 0; i < config.levels(); i++) downBlocks.add(new DownBlock(backend, w.child("down_blocks").child(i), config, i, keysAndValues));
        this.midBlock = new MidBlock(backend, w.child("mid_block"), config, keysAndValues);
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
        BiConsumer<String, Tensor> report = probe == null ? (name, t) -> {} : probe;
        int batch = checkInputs(sample, timesteps, context, vector);

        float[] t = timesteps.length == batch ? timesteps : filled(batch, timesteps[0]);
        Tensor projected = backend.fromFloats(timeProj.project(t), batch, timeProj.dim());
        report.accept("time_proj", projected);
        Tensor temb = timeEmbedding.forward(backend, projected);
        backend.release(projected);
        report.accept("time_embedding", temb);
        if (addEmbedding != null) {
            Tensor added = addEmbedding.forward(backend, vector);
            report.accept("add_embedding", added);
            Tensor sum = backend.add(temb, added);
            backend.release(temb);
            backend.release(added);
            temb = sum;
        }
        Tensor tembAct = backend.silu(temb);
        backend.release(temb);

        Tensor x = convIn.forward(backend, sample);
        report.accept("conv_in", x);
        List<Tensor> skips = new ArrayList<>();
        skips.add(x);
        for (int i = 0; i < downBlocks.size(); i++) {
            int first = skips.size();
            x = downBlocks.get(i).forward(backend, x, tembAct, context, skips);
            report.accept("down_blocks." + i, x);
            if (probe != null)
                for (int j = first; j < skips.size(); j++) probe.accept("down_blocks." + i + ".res_samples." + (j - first), skips.get(j));
        }

        Tensor mid = midBlock.forward(backend, x, tembAct, context);
        report.accept("mid_block", mid);
        x = mid;

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

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }
}
