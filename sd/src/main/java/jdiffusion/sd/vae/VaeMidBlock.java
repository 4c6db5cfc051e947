package jdiffusion.sd.vae;

import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/** ResNet, single-head attention, ResNet at the lowest resolution ({@code UNetMidBlock2D}). */
final class VaeMidBlock {
    private final VaeResnetBlock first, second;
    private final VaeAttention attention;

    VaeMidBlock(Backend backend, Weights w, VaeConfig c) {
        this.first = new VaeResnetBlock(backend, w.child("resnets").child(0), c);
        this.attention = new VaeAttention(backend, w.child("attentions").child(0), c);
        this.second = new VaeResnetBlock(backend, w.child("resnets").child(1), c);
    }

    Tensor forward(Backend b, Tensor x) { return second.forward(b, attention.forward(b, first.forward(b, x))); }
}
