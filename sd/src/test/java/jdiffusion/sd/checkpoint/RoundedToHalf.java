package jdiffusion.sd.checkpoint;

import jdiffusion.nn.WeightSource;
import jdiffusion.tensor.Tensor;

import java.util.Set;

/**
 * A weight source whose float tensors are another's rounded to F16 and widened back to F32: what an F16 file of
 * the same model holds, computed through the F32 path, to check that the F16 path reads its weights exactly.
 */
public final class RoundedToHalf implements WeightSource {
    private final WeightSource source;

    public RoundedToHalf(WeightSource source) { this.source = source; }

    @Override public Tensor find(String key) {
        Tensor t = source.find(key);
        if (t == null || !t.dtype().isFloating()) return t;
        float[] v = t.toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] = Float.float16ToFloat(Float.floatToFloat16(v[i]));
        return Tensor.of(v, t.shape());
    }

    @Override public Set<String> keys() { return source.keys(); }
}
