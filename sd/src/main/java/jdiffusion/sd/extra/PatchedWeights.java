package jdiffusion.sd.extra;

import jdiffusion.nn.WeightSource;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A component's weights with networks merged in: {@code W' = W + Σ multiplier·Δ} (F32) for each weight a network
 * touches, the base's own zero-copy tensor for every other one. The base stays as it is (memory-mapped), so another
 * set of networks is just another {@code PatchedWeights} over the same base; a patched tensor is computed when first
 * asked for and kept.
 */
public final class PatchedWeights implements WeightSource {
    /** One network module's contribution to one weight. */
    public record Patch(WeightDelta delta, float multiplier, String origin) {}

    private final WeightSource base;
    private final Map<String, List<Patch>> patches;
    private final Map<String, Tensor> merged = new ConcurrentHashMap<>();
    private final MatrixProduct product;

    private PatchedWeights(WeightSource base, Map<String, List<Patch>> patches, MatrixProduct product) {
        this.base = base;
        this.patches = patches;
        this.product = product;
    }

    /** {@code networks}' modules for {@code target} merged over {@code base}; a multiplier of 0 leaves a network out. */
    public static PatchedWeights of(WeightSource base, NetworkTarget target, List<ActiveLora> networks) {
        return of(base, target, networks, MatrixProduct.HOST);
    }

    /** As {@link #of(WeightSource, NetworkTarget, List)} with the deltas' products on {@code product} (e.g. the backend's GEMM). */
    public static PatchedWeights of(WeightSource base, NetworkTarget target, List<ActiveLora> networks, MatrixProduct product) {
        Map<String, List<Patch>> patches = new LinkedHashMap<>();
        for (ActiveLora a : networks) {
            float m = (float) a.multiplier(target);
            if (m == 0f) continue;
            for (LoraNetwork.Module module : a.network().modules()) {
                if (module.target() != target) continue;
                patches.computeIfAbsent(module.layer() + ".weight", k -> new ArrayList<>())
                        .add(new Patch(module.delta(), m, a.network().name() + ":" + module.key()));
            }
        }
        return new PatchedWeights(base, patches, product);
    }

    public WeightSource base() { return base; }

    /** The weight names this source patches. */
    public Set<String> patchedKeys() { return patches.keySet(); }

    public boolean isEmpty() { return patches.isEmpty(); }

    @Override public Tensor find(String key) {
        List<Patch> ps = patches.get(key);
        if (ps == null) return base.find(key);
        return merged.computeIfAbsent(key, k -> merge(base.find(k), ps, product));
    }

    @Override public Set<String> keys() { return base.keys(); }

    private static Tensor merge(Tensor weight, List<Patch> ps, MatrixProduct product) {
        int[] shape = weight.shape();
        float[] w = weight.toFloatArray();
        for (Patch p : ps) {
            float[] d = p.delta().compute(shape, product);
            float m = p.multiplier();
            for (int i = 0; i < w.length; i++) w[i] += d[i] * m;
        }
        return Tensor.of(w, shape);
    }
}
