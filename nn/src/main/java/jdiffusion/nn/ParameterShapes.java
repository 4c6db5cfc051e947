package jdiffusion.nn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The weights a model asks for, name to shape in the order it asks, built layer by layer with PyTorch's
 * conventions: a Linear's weight is {@code [out, in]}, a Conv2d's {@code [out, in, k, k]}, each with an {@code [out]}
 * bias; a norm has an affine weight and bias of its width. Lets tools size or synthesise weights without a file.
 */
public final class ParameterShapes {
    private final Map<String, int[]> shapes = new LinkedHashMap<>();

    public ParameterShapes put(String name, int... shape) {
        shapes.put(name, shape);
        return this;
    }

    public ParameterShapes linear(String prefix, int in, int out) {
        return put(prefix + ".weight", out, in).put(prefix + ".bias", out);
    }

    public ParameterShapes conv(String prefix, int in, int out, int kernel) {
        return put(prefix + ".weight", out, in, kernel, kernel).put(prefix + ".bias", out);
    }

    /** GroupNorm or LayerNorm: affine weight and bias. */
    public ParameterShapes norm(String prefix, int channels) {
        return put(prefix + ".weight", channels).put(prefix + ".bias", channels);
    }

    public Map<String, int[]> map() { return Collections.unmodifiableMap(shapes); }
}
