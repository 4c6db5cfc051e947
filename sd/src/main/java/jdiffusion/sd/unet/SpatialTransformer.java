package jdiffusion.sd.unet;

import jdiffusion.nn.GroupNorm;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers {@code Transformer2DModel} (ldm {@code SpatialTransformer}) on a feature map:
 * <pre>
 *   x [B,C,H,W] ─ GroupNorm(eps 1e-6) ─ to tokens [B,HW,C] ─ proj_in ─ BasicTransformerBlock × depth ─ proj_out ─ to NCHW ─(+ x)─►
 * </pre>
 */
public final class SpatialTransformer {
    /** diffusers hard-codes this epsilon for the transformer's input GroupNorm. */
    static final float NORM_EPS = 1e-6f;

    private final GroupNorm norm;
    private final TokenProjection projIn, projOut;
    private final List<BasicTransformerBlock> blocks = new ArrayList<>();
    private final int channels;

    public SpatialTransformer(Backend backend, Weights w, int channels, int heads, int depth, int groups) {
        this(backend, w, channels, heads, depth, groups, AttentionContext.NONE);
    }

    public SpatialTransformer(Backend backend, Weights w, int channels, int heads, int depth, int groups, AttentionContext keysAndValues) {
        this.channels = channels;
        this.norm = new GroupNorm(backend, w.child("norm"), groups, NORM_EPS);
        this.projIn = new TokenProjection(backend, w.child("proj_in"));
        Weights tb = w.child("transformer_blocks");
        for (int i = 0; i < depth; i++) blocks.add(new BasicTransformerBlock(backend, tb.child(i), heads, keysAndValues));
        this.projOut = new TokenProjection(backend, w.child("proj_out"));
        if (projIn.inFeatures() != channels || projOut.outFeatures() != channels)
            throw new UNetException("weights under \"" + w.prefix() + "\" project " + projIn.inFeatures() + " -> " + projOut.outFeatures()
                    + " channels, the configuration says " + channels);
    }

    /** {@code x [B, C, H, W]} (left intact) with {@code context [B, L, Cc]}. */
    public Tensor forward(Backend backend, Tensor x, Tensor context) {
        int b = x.size(0), h = x.size(2), w = x.size(3);
        Tensor n = norm.forward(backend, x);
        Tensor tokens = backend.contiguous(n.permute(0, 2, 3, 1)).reshape(b, h * w, channels);
        if (tokens.storage() != n.storage()) backend.release(n);  // a 1x1 map is already token-ordered: no copy was made
        Tensor t = projIn.forward(backend, tokens);
        backend.release(tokens);
        for (BasicTransformerBlock block : blocks) {
            Tensor next = block.forward(backend, t, context);
            backend.release(t);
            t = next;
        }
        Tensor p = projOut.forward(backend, t);
        backend.release(t);
        // the residual add reads the token-layout result as an NCHW view and writes NCHW: no separate copy back
        Tensor out = backend.add(p.reshape(b, h, w, channels).permute(0, 3, 1, 2), x);
        backend.release(p);
        return out;
    }

    int contextDim() { return blocks.isEmpty() ? -1 : blocks.getFirst().contextDim(); }
}
