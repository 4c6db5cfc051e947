package jdiffusion.sd.unet;

import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/** diffusers {@code UNetMidBlock2DCrossAttn} (ldm {@code middle_block}): ResBlock, SpatialTransformer, ResBlock at the deepest level. */
public final class MidBlock {
    private final ResBlock resnet0, resnet1;
    private final SpatialTransformer attention;

    public MidBlock(Backend backend, Weights w, UNetConfig config) { this(backend, w, config, AttentionContext.NONE); }

    public MidBlock(Backend backend, Weights w, UNetConfig config, AttentionContext keysAndValues) {
        int c = config.channels(config.levels() - 1);
        this.resnet0 = new ResBlock(backend, w.child("resnets").child(0), c, c, config.normGroups(), config.normEps());
        this.attention = new SpatialTransformer(backend, w.child("attentions").child(0), c, config.midHeads(), config.midDepth(), config.normGroups(), keysAndValues);
        this.resnet1 = new ResBlock(backend, w.child("resnets").child(1), c, c, config.normGroups(), config.normEps());
    }

    /** {@code x} is left intact (it is also the last skip connection). */
    public Tensor forward(Backend backend, Tensor x, Tensor tembAct, Tensor context) {
        Tensor h = resnet0.forward(backend, x, tembAct);
        Tensor a = attention.forward(backend, h, context);
        backend.release(h);
        Tensor out = resnet1.forward(backend, a, tembAct);
        backend.release(a);
        return out;
    }
}
