package jdiffusion.sd.extra;

import jdiffusion.sd.unet.AttentionContext;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.List;

/**
 * The WebUI's {@code apply_hypernetworks}: each active hypernetwork in turn transforms the context an attention layer
 * computes its keys from, and separately the one it computes its values from, when it has modules for the context's
 * width; otherwise the context passes unchanged.
 */
public final class HypernetworkContext implements AttentionContext {
    /** A hypernetwork with its {@code <hypernet:name:multiplier>}. */
    public record Active(Hypernetwork network, double multiplier) {}

    private final List<Active> networks;

    public HypernetworkContext(List<Active> networks) { this.networks = List.copyOf(networks); }

    public List<Active> networks() { return networks; }

    @Override public Tensor keys(Backend backend, Tensor context) { return apply(backend, context, true); }

    @Override public Tensor values(Backend backend, Tensor context) { return apply(backend, context, false); }

    private Tensor apply(Backend b, Tensor context, boolean keys) {
        Tensor x = context;
        int dim = context.size(-1);
        for (Active a : networks) {
            Hypernetwork.Pair pair = a.network().layers(dim);
            if (pair == null) continue;
            Tensor next = (keys ? pair.keys() : pair.values()).forward(b, x, (float) a.multiplier());
            if (x != context) b.release(x);
            x = next;
        }
        return x;
    }
}
