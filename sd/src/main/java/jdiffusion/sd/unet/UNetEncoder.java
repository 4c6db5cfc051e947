package jdiffusion.sd.unet;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The encoder half of the UNet: timestep embedding, {@code conv_in}, the down blocks and the mid block. The UNet
 * runs it before its up path; a ControlNet is this same half (its own weights) plus a hint encoder and zero convs.
 * <pre>
 *   t ─ Timesteps ─ TimestepEmbedding ─ SiLU ─► temb
 *   x ─ conv_in ─(+ hint)─ DownBlock × levels ─ MidBlock ─► mid
 *          └── every tensor pushed on the skip stack ──► skips
 * </pre>
 */
public final class UNetEncoder {
    private final UNetConfig config;
    private final Timesteps timeProj;
    private final TimestepEmbedding timeEmbedding;
    /** SDXL's vector MLP (sgm {@code label_emb.0}); null for SD1/SD2. */
    private final TimestepEmbedding addEmbedding;
    private final Conv2d convIn;
    private final List<DownBlock> downBlocks = new ArrayList<>();
    private final MidBlock midBlock;

    /** {@code w} is the model root: {@code time_embedding}, {@code conv_in}, {@code down_blocks}, {@code mid_block} live under it. */
    public UNetEncoder(Backend backend, Weights w, UNetConfig config, AttentionContext keysAndValues) {
        this.config = config;
        this.timeProj = new Timesteps(config.timeProjDim(), config.flipSinToCos(), config.freqShift());
        this.timeEmbedding = new TimestepEmbedding(backend, w.child("time_embedding"));
        this.addEmbedding = config.hasVector() ? new TimestepEmbedding(backend, w.child("add_embedding")) : null;
        this.convIn = new Conv2d(backend, w.child("conv_in"));
        for (int i = 0; i < config.levels(); i++) downBlocks.add(new DownBlock(backend, w.child("down_blocks").child(i), config, i, keysAndValues));
        this.midBlock = new MidBlock(backend, w.child("mid_block"), config, keysAndValues);
    }

    public UNetConfig config() { return config; }

    /**
     * {@code SiLU(time_embedding(time_proj(t)) + add_embedding(vector))} for a batch of {@code batch}, from 1 or
     * {@code batch} timesteps; {@code vector} is SDXL's {@code y} (null without one). Reports {@code time_proj},
     * {@code time_embedding} and {@code add_embedding}.
     */
    public Tensor embedTime(Backend backend, float[] timesteps, Tensor vector, int batch, BiConsumer<String, Tensor> report) {
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
        return tembAct;
    }

    /**
     * Runs {@code conv_in} (plus {@code hint} when not null, as a ControlNet adds its hint embedding), the down blocks
     * and the mid block; appends every skip tensor to {@code skips} (owned by the caller) and returns the mid block's
     * output. Reports {@code conv_in} (before the hint), {@code down_blocks.i}, {@code down_blocks.i.res_samples.j}
     * and {@code mid_block}.
     */
    public Tensor forward(Backend backend, Tensor sample, Tensor hint, Tensor tembAct, Tensor context, List<Tensor> skips,
                          BiConsumer<String, Tensor> report) {
        Tensor x = convIn.forward(backend, sample);
        report.accept("conv_in", x);
        if (hint != null) {
            Tensor h = backend.add(x, hint);
            backend.release(x);
            x = h;
        }
        skips.add(x);
        for (int i = 0; i < downBlocks.size(); i++) {
            int first = skips.size();
            x = downBlocks.get(i).forward(backend, x, tembAct, context, skips);
            report.accept("down_blocks." + i, x);
            for (int j = first; j < skips.size(); j++) report.accept("down_blocks." + i + ".res_samples." + (j - first), skips.get(j));
        }
        Tensor mid = midBlock.forward(backend, x, tembAct, context);
        report.accept("mid_block", mid);
        return mid;
    }

    /** Number of skip tensors the encoder pushes: {@code conv_in} plus each block's. */
    public int skipCount() {
        int n = 1;
        for (DownBlock b : downBlocks) n += b.skipCount();
        return n;
    }

    /** Channels of skip tensor {@code i}, in push order. */
    public int skipChannels(int i) {
        if (i == 0) return config.channels(0);
        int n = 1;
        for (int level = 0; level < downBlocks.size(); level++) {
            n += downBlocks.get(level).skipCount();
            if (i < n) return config.channels(level);
        }
        throw new IndexOutOfBoundsException("skip " + i + " of " + n);
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }
}
