package jdiffusion.nn;

import jdiffusion.tensor.Tensor;

import java.util.Set;

/** Named weight tensors under one naming (ours: the diffusers module paths), whatever file they came from. */
public interface WeightSource {
    /** The tensor named {@code key}, or null when absent. */
    Tensor find(String key);

    Set<String> keys();
}
