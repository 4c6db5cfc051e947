package jdiffusion.sd.extra;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.List;

/**
 * One of a hypernetwork's two small MLPs for a context width (the WebUI's {@code HypernetworkModule}, v1.10.1):
 * {@code forward(x) = x + layers(x) * multiplier}, where {@code layers} is the file's {@code torch.nn.Sequential}: for each
 * step of the layer structure a Linear, then (except after the last unless {@code activate_output}) the activation,
 * then an optional LayerNorm; dropouts only take indices (they do nothing at inference).
 */
public final class HypernetworkModule {
    /** One element of the sequence. */
    sealed interface Layer {
        Tensor forward(Backend b, Tensor x);
    }

    record Linear(Tensor weight, Tensor bias) implements Layer {
        @Override public Tensor forward(Backend b, Tensor x) { return b.linear(x, weight, bias); }
    }

    record Norm(Tensor weight, Tensor bias) implements Layer {
        /** torch.nn.LayerNorm's default epsilon */
        static final float EPS = 1e-5f;

        @Override public Tensor forward(Backend b, Tensor x) { return b.layerNorm(x, weight, bias, EPS); }
    }

    record Activate(Activation activation) implements Layer {
        @Override public Tensor forward(Backend b, Tensor x) { return activation.apply(b, x); }
    }

    private final int dim;
    private final List<Layer> layers;

    HypernetworkModule(int dim, List<Layer> layers) {
        this.dim = dim;
        this.layers = List.copyOf(layers);
    }

    public int dim() { return dim; }

    List<Layer> layers() { return layers; }

    /** {@code x + layers(x) * multiplier} over the last axis of {@code x [..., dim]}. */
    public Tensor forward(Backend b, Tensor x, float multiplier) {
        Tensor h = x;
        for (Layer layer : layers) {
            Tensor next = layer.forward(b, h);
            if (h != x) b.release(h);
            h = next;
        }
        Tensor scaled = b.scale(h, multiplier);
        if (h != x) b.release(h);
        Tensor out = b.add(x, scaled);
        b.release(scaled);
        return out;
    }
}
