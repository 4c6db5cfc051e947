package jdiffusion.sd.unet;

import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * A transformer's {@code proj_in}/{@code proj_out} applied to tokens {@code [B, HW, C]}. SD1 stores them as
 * 1x1 convolutions {@code [O, C, 1, 1]} applied before the NCHW to tokens reshape, SD2 as Linear {@code [O, C]}
 * applied after it; a 1x1 convolution is the same per-pixel matrix product as a Linear over channels, so both
 * run here as one Linear on the token layout and the feature map changes layout only once each way.
 */
final class TokenProjection {
    private final Tensor weight, bias;

    TokenProjection(Backend backend, Weights w) {
        Tensor wt = w.get("weight");
        if (wt.rank() == 4 && (wt.size(2) != 1 || wt.size(3) != 1))
            throw new UNetException("weight \"" + w.prefix() + "weight\" is a " + wt.size(2) + "x" + wt.size(3)
                    + " convolution; a transformer projection must be a 1x1 convolution or a Linear");
        if (wt.rank() != 4 && wt.rank() != 2)
            throw new UNetException("weight \"" + w.prefix() + "weight\" has rank " + wt.rank() + "; a transformer projection is [out, in] or [out, in, 1, 1]");
        this.weight = backend.upload(wt.rank() == 4 ? wt.reshape(wt.size(0), wt.size(1)) : wt);
        Tensor b = w.find("bias");
        this.bias = b == null ? null : backend.upload(b);
    }

    Tensor forward(Backend backend, Tensor tokens) { return backend.linear(tokens, weight, bias); }

    int outFeatures() { return weight.size(0); }

    int inFeatures() { return weight.size(1); }
}
