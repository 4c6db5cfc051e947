package jdiffusion.sd.vae;

import jdiffusion.nn.GroupNorm;
import jdiffusion.nn.Linear;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * The mid-block self-attention of the VAE: one head over all {@code H x W} positions, channels as features,
 * GroupNorm before and a residual after.
 */
final class VaeAttention {
    private final GroupNorm norm;
    private final Linear q, k, v, out;

    VaeAttention(Backend backend, Weights w, VaeConfig c) {
        this.norm = new GroupNorm(backend, w.child("group_norm"), c.normGroups(), c.normEps());
        this.q = new Linear(backend, w.child("to_q"));
        this.k = new Linear(backend, w.child("to_k"));
        this.v = new Linear(backend, w.child("to_v"));
        this.out = new Linear(backend, w.child("to_out").child(0));
    }

    Tensor forward(Backend b, Tensor x) {
        int batch = x.size(0), channels = x.size(1), height = x.size(2), width = x.size(3);
        // [B, C, H, W] -> tokens [B, HW, C]
        Tensor tokens = b.contiguous(norm.forward(b, x).reshape(batch, channels, height * width).transpose(1, 2));
        Tensor attended = out.forward(b, b.attention(q.forward(b, tokens), k.forward(b, tokens), v.forward(b, tokens), 1, false));
        Tensor back = b.contiguous(attended.transpose(1, 2)).reshape(batch, channels, height, width);
        return b.add(x, back);
    }
}
