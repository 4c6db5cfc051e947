package jdiffusion.sd.extra;

import java.util.Arrays;

/**
 * The change one LoRA/LyCORIS module makes to one weight, before its multiplier, as the WebUI's built-in Lora
 * extension (v1.10.1) computes it: the product of the module's factors, reshaped to the weight's shape, times the
 * module's scale ({@code alpha / rank}, or 1 when the file stores no alpha or the factors have no rank).
 */
public sealed interface WeightDelta {
    /** A factor tensor as host floats with its shape. */
    record Factor(float[] values, int[] shape) {
        int rows() { return shape[0]; }

        int columns() { return values.length / shape[0]; }

        @Override public String toString() { return Arrays.toString(shape); }
    }

    /** The rows of the weight this delta writes ({@code out} features); for checks against the model. */
    int outFeatures();

    /** How many values the delta has; must equal the weight's element count. */
    long numel();

    /** The scaled delta laid out as a weight of {@code shape} (whose element count is {@link #numel()}). */
    default float[] compute(int[] shape) { return compute(shape, MatrixProduct.HOST); }

    /** {@link #compute(int[])} with the factor products on {@code mm}. */
    float[] compute(int[] shape, MatrixProduct mm);

    /** kohya LoRA and LoCon: {@code up.reshape(out, r) @ down.reshape(r, -1)}, scale {@code alpha / r}. */
    record LowRank(Factor up, Factor down, Float alpha) implements WeightDelta {
        @Override public int outFeatures() { return up.rows(); }

        @Override public long numel() { return (long) up.rows() * down.columns(); }

        @Override public float[] compute(int[] shape, MatrixProduct mm) {
            int r = down.rows();
            float[] d = mm.multiply(up.values(), down.values(), up.rows(), r, down.columns());
            return scaled(d, alpha == null ? 1f : alpha / r);
        }
    }

    /** LyCORIS LoHa: {@code (w1a @ w1b) * (w2a @ w2b)}, scale {@code alpha / w1b.rows}. */
    record Hadamard(Factor w1a, Factor w1b, Factor w2a, Factor w2b, Float alpha) implements WeightDelta {
        @Override public int outFeatures() { return w1a.rows(); }

        @Override public long numel() { return (long) w1a.rows() * w1b.columns(); }

        @Override public float[] compute(int[] shape, MatrixProduct mm) {
            float[] a = mm.multiply(w1a.values(), w1b.values(), w1a.rows(), w1b.rows(), w1b.columns());
            float[] b = mm.multiply(w2a.values(), w2b.values(), w2a.rows(), w2b.rows(), w2b.columns());
            for (int i = 0; i < a.length; i++) a[i] *= b[i];
            return scaled(a, alpha == null ? 1f : alpha / w1b.rows());
        }
    }

    /**
     * LyCORIS LoKr: {@code kron(w1, w2)} with {@code w1 = lokr_w1 or w1a @ w1b} and {@code w2 = lokr_w2 or w2a @ w2b}
     * (a 4-D {@code w2} takes {@code w1} as {@code [a, b, 1, 1]}), scale {@code alpha / r} where {@code r} is the rank of a
     * factored {@code w1b} (else {@code w2b}), and 1 when both are stored whole.
     */
    record Kronecker(Factor w1, Factor w1a, Factor w1b, Factor w2, Factor w2a, Factor w2b, Float alpha) implements WeightDelta {
        Factor first(MatrixProduct mm) { return w1 != null ? w1 : new Factor(mm.multiply(w1a.values(), w1b.values(), w1a.rows(), w1b.rows(), w1b.columns()),
                new int[] {w1a.rows(), w1b.columns()}); }

        Factor second(MatrixProduct mm) {
            if (w2 != null) return w2;
            return new Factor(mm.multiply(w2a.values(), w2b.values(), w2a.rows(), w2b.rows(), w2b.columns()), new int[] {w2a.rows(), w2b.columns()});
        }

        private int[] firstShape() { return w1 != null ? w1.shape() : new int[] {w1a.rows(), w1b.columns()}; }

        private int[] secondShape() { return w2 != null ? w2.shape() : new int[] {w2a.rows(), w2b.columns()}; }

        @Override public int outFeatures() { return firstShape()[0] * secondShape()[0]; }

        @Override public long numel() { return HostMath.numel(firstShape()) * HostMath.numel(secondShape()); }

        @Override public float[] compute(int[] shape, MatrixProduct mm) {
            Factor a = first(mm), b = second(mm);
            int[] aShape = a.shape();
            if (b.shape().length == 4 && aShape.length == 2) aShape = new int[] {aShape[0], aShape[1], 1, 1};
            if (aShape.length != b.shape().length)
                throw new ExtraNetworkException("LoKr factors of rank " + aShape.length + " and " + b.shape().length + " cannot be combined");
            float[] k = HostMath.kron(a.values(), aShape, b.values(), b.shape());
            Integer rank = w1b != null ? Integer.valueOf(w1b.rows()) : w2b != null ? Integer.valueOf(w2b.rows()) : null;
            return scaled(k, alpha == null || rank == null ? 1f : alpha / rank);
        }
    }

    /** A stored full difference ({@code diff}): the delta itself. */
    record Full(Factor diff) implements WeightDelta {
        @Override public int outFeatures() { return diff.rows(); }

        @Override public long numel() { return diff.values().length; }

        @Override public float[] compute(int[] shape, MatrixProduct mm) { return diff.values().clone(); }
    }

    private static float[] scaled(float[] d, float scale) {
        if (scale != 1f) for (int i = 0; i < d.length; i++) d[i] *= scale;
        return d;
    }
}
