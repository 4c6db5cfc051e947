package jdiffusion.sd.vae;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.GroupNorm;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/** diffusers' {@code ResnetBlock2D} without a time embedding: {@code shortcut(x) + conv2(silu(norm2(conv1(silu(norm1(x))))))}. */
final class VaeResnetBlock {
    private final GroupNorm norm1, norm2;
    private final Conv2d conv1, conv2, shortcut;

    VaeResnetBlock(Backend backend, Weights w, VaeConfig c) {
        this.norm1 = new GroupNorm(backend, w.child("norm1"), c.normGroups(), c.normEps());
        this.conv1 = new Conv2d(backend, w.child("conv1"));
        this.norm2 = new GroupNorm(backend, w.child("norm2"), c.normGroups(), c.normEps());
        this.conv2 = new Conv2d(backend, w.child("conv2"));
        this.shortcut = w.hasChild("conv_shortcut") ? new Conv2d(backend, w.child("conv_shortcut")) : null;
        if (shortcut == null && conv1.inChannels() != conv2.outChannels())
            throw new jdiffusion.nn.MissingWeightException("missing weight \"" + w.prefix() + "conv_shortcut.weight\": the block changes "
                    + conv1.inChannels() + " to " + conv2.outChannels() + " channels");
    }

    Tensor forward(Backend b, Tensor x) {
        Tensor h = conv1.forward(b, norm1.forwardSilu(b, x));
        h = conv2.forward(b, norm2.forwardSilu(b, h));
        return b.add(shortcut == null ? x : shortcut.forward(b, x), h);
    }
}
