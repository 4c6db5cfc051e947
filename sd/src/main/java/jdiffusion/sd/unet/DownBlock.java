package jdiffusion.sd.unet;

import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * One level going down: diffusers {@code CrossAttnDownBlock2D} (ResBlock then SpatialTransformer per layer)
 * or {@code DownBlock2D} (ResBlocks only), then a stride-2 {@link Downsample} except at the deepest level.
 * Every layer's output and the downsampled map are kept as skip connections for the way up.
 */
public final class DownBlock {
    private final List<ResBlock> resnets = new ArrayList<>();
    private final List<SpatialTransformer> attentions = new ArrayList<>();
    private final Downsample downsample;

    public DownBlock(Backend backend, Weights w, UNetConfig config, int level) { this(backend, w, config, level, AttentionContext.NONE); }

    public DownBlock(Backend backend, Weights w, UNetConfig config, int level, AttentionContext keysAndValues) {
        int out = config.channels(level);
        int in = level == 0 ? config.channels(0) : config.channels(level - 1);
        for (int j = 0; j < config.layersPerBlock(); j++) {
            resnets.add(new ResBlock(backend, w.child("resnets").child(j), j == 0 ? in : out, out, config.normGroups(), config.normEps()));
            if (config.hasAttention(level))
                attentions.add(new SpatialTransformer(backend, w.child("attentions").child(j), out, config.heads(level), config.depth(level), config.normGroups(), keysAndValues));
        }
        boolean deepest = level == config.levels() - 1;
        this.downsample = deepest ? null : new Downsample(backend, w.child("downsamplers").child(0));
    }

    /** Runs the level on {@code x} (left intact) and appends the skip tensors it emits to {@code skips}. */
    public Tensor forward(Backend backend, Tensor x, Tensor tembAct, Tensor context, List<Tensor> skips) {
        for (int j = 0; j < resnets.size(); j++) {
            Tensor h = resnets.get(j).forward(backend, x, tembAct);
            if (!attentions.isEmpty()) {
                Tensor a = attentions.get(j).forward(backend, h, context);
                backend.release(h);
                h = a;
            }
            skips.add(h);
            x = h;
        }
        if (downsample != null) {
            x = downsample.forward(backend, x);
            skips.add(x);
        }
        return x;
    }

    /** Skip tensors this block emits: one per layer plus the downsampled map. */
    public int skipCount() { return resnets.size() + (downsample == null ? 0 : 1); }
}
