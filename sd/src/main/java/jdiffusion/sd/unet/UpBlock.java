package jdiffusion.sd.unet;

import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * One level going up: diffusers {@code CrossAttnUpBlock2D} or {@code UpBlock2D}. Each of its
 * {@code layersPerBlock + 1} layers concatenates the latest skip connection along channels, then runs a
 * ResBlock (and a SpatialTransformer); every block but the last ends with an {@link Upsample}.
 * Up block {@code i} works at level {@code levels - 1 - i}.
 */
public final class UpBlock {
    private final List<ResBlock> resnets = new ArrayList<>();
    private final List<SpatialTransformer> attentions = new ArrayList<>();
    private final Upsample upsample;

    public UpBlock(Backend backend, Weights w, UNetConfig config, int index) { this(backend, w, config, index, AttentionContext.NONE); }

    public UpBlock(Backend backend, Weights w, UNetConfig config, int index, AttentionContext keysAndValues) {
        int levels = config.levels(), level = levels - 1 - index;
        int out = config.channels(level);
        int prev = index == 0 ? out : config.channels(level + 1);  // what the previous up block (or the mid block) hands over
        int lastSkip = config.channels(Math.max(level - 1, 0));    // the skip from the level above: the previous level's downsampler
        int layers = config.layersPerBlock() + 1;
        for (int j = 0; j < layers; j++) {
            int skip = j == layers - 1 ? lastSkip : out;
            int in = (j == 0 ? prev : out) + skip;
            resnets.add(new ResBlock(backend, w.child("resnets").child(j), in, out, config.normGroups(), config.normEps()));
            if (config.hasAttention(level))
                attentions.add(new SpatialTransformer(backend, w.child("attentions").child(j), out, config.heads(level), config.depth(level), config.normGroups(), keysAndValues));
        }
        this.upsample = index == levels - 1 ? null : new Upsample(backend, w.child("upsamplers").child(0));
    }

    /**
     * Consumes {@code x} and the last {@link #skipCount()} tensors of {@code skips} (removed from the list and
     * released); {@code outH x outW} is the size the upsampler resizes to (ignored by the last block).
     */
    public Tensor forward(Backend backend, Tensor x, Tensor tembAct, Tensor context, List<Tensor> skips, int outH, int outW) {
        for (int j = 0; j < resnets.size(); j++) {
            Tensor skip = skips.removeLast();
            Tensor cat = backend.concat(1, x, skip);
            backend.release(x);
            backend.release(skip);
            Tensor h = resnets.get(j).forward(backend, cat, tembAct);
            backend.release(cat);
            if (!attentions.isEmpty()) {
                Tensor a = attentions.get(j).forward(backend, h, context);
                backend.release(h);
                h = a;
            }
            x = h;
        }
        if (upsample != null) {
            Tensor u = upsample.forward(backend, x, outH, outW);
            backend.release(x);
            x = u;
        }
        return x;
    }

    public int skipCount() { return resnets.size(); }

    public boolean upsamples() { return upsample != null; }
}
