package jdiffusion.sd.unet;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.GroupNorm;
import jdiffusion.nn.Linear;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * diffusers {@code ResnetBlock2D} (ldm {@code ResBlock}):
 * <pre>
 *   x ─ norm1+SiLU ─ conv1 ─(+ time_emb_proj(SiLU(temb)) per channel)─ norm2+SiLU ─ conv2 ─(+)─► out
 *   └───────────────────── conv_shortcut (1x1, only when channels change) ──────────────┘
 * </pre>
 */
public final class ResBlock {
    private final GroupNorm norm1, norm2;
    private final Conv2d conv1, conv2, shortcut;
    private final Linear timeProj;
    private final int inChannels, outChannels;

    public ResBlock(Backend backend, Weights w, int inChannels, int outChannels, int groups, float eps) {
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.norm1 = new GroupNorm(backend, w.child("norm1"), groups, eps);
        this.conv1 = new Conv2d(backend, w.child("conv1"));
        this.timeProj = new Linear(backend, w.child("time_emb_proj"));
        this.norm2 = new GroupNorm(backend, w.child("norm2"), groups, eps);
        this.conv2 = new Conv2d(backend, w.child("conv2"));
        this.shortcut = inChannels == outChannels ? null : new Conv2d(backend, w.child("conv_shortcut"), 1, 0);
    }

    /**
     * @param x       {@code [B, in, H, W]}, left intact (it is often a skip connection)
     * @param tembAct {@code SiLU(temb)} {@code [B, E]}: every block applies SiLU to the same embedding, so the UNet does it once
     */
    public Tensor forward(Backend backend, Tensor x, Tensor tembAct) {
        Tensor h = norm1.forwardSilu(backend, x);
        Tensor c1 = conv1.forward(backend, h);
        backend.release(h);
        Tensor t = timeProj.forward(backend, tembAct);
        Tensor withTime = backend.add(c1, t.reshape(t.size(0), outChannels, 1, 1));
        backend.release(c1);
        backend.release(t);
        h = norm2.forwardSilu(backend, withTime);
        backend.release(withTime);
        Tensor c2 = conv2.forward(backend, h);
        backend.release(h);
        if (shortcut == null) {
            Tensor out = backend.add(x, c2);
            backend.release(c2);
            return out;
        }
        Tensor s = shortcut.forward(backend, x);
        Tensor out = backend.add(s, c2);
        backend.release(s);
        backend.release(c2);
        return out;
    }

    public int inChannels() { return inChannels; }

    public int outChannels() { return outChannels; }
}
