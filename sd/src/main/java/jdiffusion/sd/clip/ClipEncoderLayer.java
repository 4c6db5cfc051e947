package jdiffusion.sd.clip;

import jdiffusion.nn.LayerNorm;
import jdiffusion.nn.Linear;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * One pre-LayerNorm transformer layer of the CLIP text model:
 * {@code x += out_proj(causal_attention(layer_norm1(x)))}, then {@code x += fc2(act(fc1(layer_norm2(x))))}.
 */
final class ClipEncoderLayer {
    private final LayerNorm norm1, norm2;
    private final Linear q, k, v, out, fc1, fc2;
    private final int heads;
    private final ClipTextConfig.Activation activation;

    ClipEncoderLayer(Backend backend, Weights w, ClipTextConfig c) {
        this.norm1 = new LayerNorm(backend, w.child("layer_norm1"), c.layerNormEps());
        this.norm2 = new LayerNorm(backend, w.child("layer_norm2"), c.layerNormEps());
        Weights attn = w.child("self_attn");
        this.q = new Linear(backend, attn.child("q_proj"));
        this.k = new Linear(backend, attn.child("k_proj"));
        this.v = new Linear(backend, attn.child("v_proj"));
        this.out = new Linear(backend, attn.child("out_proj"));
        this.fc1 = new Linear(backend, w.child("mlp").child("fc1"));
        this.fc2 = new Linear(backend, w.child("mlp").child("fc2"));
        this.heads = c.heads();
        this.activation = c.activation();
    }

    Tensor forward(Backend b, Tensor x) {
        Tensor h = norm1.forward(b, x);
        Tensor attention = b.attention(q.forward(b, h), k.forward(b, h), v.forward(b, h), heads, true);
        x = b.add(x, out.forward(b, attention));
        h = fc1.forward(b, norm2.forward(b, x));
        h = switch (activation) {
            case QUICK_GELU -> b.quickGelu(h);
            case GELU -> b.gelu(h);
        };
        return b.add(x, fc2.forward(b, h));
    }
}
