package jdiffusion.nn;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/** A 2-D convolution with square kernel, stride and padding (padding = kernel/2 unless given). */
public final class Conv2d {
    private final Tensor weight, bias;
    private final int stride, padding;

    public Conv2d(Backend backend, Weights w, int stride, int padding) {
        Tensor wt = w.get("weight");
        // ldm stores some 1x1 convs as linear [O, C] weights (and the reverse): accept both shapes
        this.weight = backend.upload(wt.rank() == 2 ? wt.reshape(wt.size(0), wt.size(1), 1, 1) : wt);
        Tensor b = w.find("bias");
        this.bias = b == null ? null : backend.upload(b);
        this.stride = stride;
        this.padding = padding;
    }

    public Conv2d(Backend backend, Weights w) { this(backend, w, 1, -1); }

    public Tensor forward(Backend backend, Tensor x) {
        int pad = padding >= 0 ? padding : weight.size(2) / 2;
        return backend.conv2d(x, weight, bias, stride, pad);
    }

    public int outChannels() { return weight.size(0); }

    public int inChannels() { return weight.size(1); }
}
