package jdiffusion.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised special functions for the CPU kernels, accurate to about 1e-7 relative in float: exp and exp2
 * by range reduction plus a least-squares polynomial (the lanewise {@code EXP} of the Vector API goes through
 * a slow stub), erfc by the Chebyshev-fitted formula of Numerical Recipes (§6.2, fractional error below 1.2e-7),
 * and the activations built on them. Callers handle array tails with masked vectors, so there are no scalar twins.
 */
final class VectorMath {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private VectorMath() {}

    /** Adding 1.5·2²³ rounds a float of magnitude below 2²² to an integer held in the low mantissa bits. */
    private static final float ROUND_MAGIC = 12582912f;

    // e^r on [-ln2/2, ln2/2], least-squares fit, relative error ~1e-7 in float Horner evaluation
    private static final float E_2 = 0.49999991059303284f, E_3 = 0.1666642129421234f, E_4 = 0.0416683591902256f,
            E_5 = 0.008374771103262901f, E_6 = 0.0013829420786350965f;
    private static final float LOG2E = 1.4426950408889634f, LN2_HI = 0.693145751953125f, LN2_LO = 1.428606765330187e-06f;
    // 2^f on [-0.5, 0.5] to degree 5, relative error 2.2e-7: enough for attention weights
    private static final float P5_0 = 1.0000001192092896f, P5_1 = 0.6931469440460205f, P5_2 = 0.24022121727466583f,
            P5_3 = 0.05550742521882057f, P5_4 = 0.009675459936261177f, P5_5 = 0.0013266970636323094f;

    /*
     * Every polynomial below spells out FloatVector.broadcast for its coefficients instead of calling a small
     * helper: a helper that C2 happens to compile on its own first may later stay out of line, and a vector
     * crossing a call boundary is boxed and runs the slow Java fallback (measured: 4x slower attention).
     */

    /**
     * The lanes' sum, added in lane order in double. {@code reduceLanes(ADD)} leaves the order to the implementation:
     * the interpreter adds lane by lane, C2's intrinsic pairwise, so one call would round differently before and
     * after the JIT compiles it, and the same seed would not always give the same image.
     */
    static double sumLanes(FloatVector v) {
        double sum = 0;
        for (float lane : v.toArray()) sum += lane;
        return sum;
    }

    /** 2^x for x <= 0 (softmax after subtracting the max), relative error ~2e-7; -inf and anything below -125 give ~2^-125. */
    static FloatVector exp2NonPositive(FloatVector x) {
        x = x.max(-125f);
        FloatVector t = x.add(ROUND_MAGIC);
        FloatVector f = x.sub(t.sub(ROUND_MAGIC));
        FloatVector p = f.fma(FloatVector.broadcast(SPECIES, P5_5), FloatVector.broadcast(SPECIES, P5_4));
        p = p.fma(f, FloatVector.broadcast(SPECIES, P5_3));
        p = p.fma(f, FloatVector.broadcast(SPECIES, P5_2));
        p = p.fma(f, FloatVector.broadcast(SPECIES, P5_1));
        p = p.fma(f, FloatVector.broadcast(SPECIES, P5_0));
        return p.reinterpretAsInts().add(t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats();
    }

    /** e^x: below -87 gives ~1e-38 rather than 0, above 88.72 +inf (so x / (1 + e^-x) reaches -0 for huge negative x). */
    static FloatVector exp(FloatVector x) {
        FloatVector e = expClamped(x);
        return e.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, 88.72f));
    }

    /** e^x with the argument clamped to [-87, 88]: for arguments known not to overflow (softmax after the max). */
    static FloatVector expClamped(FloatVector x) {
        x = x.max(-87f).min(88f);
        FloatVector t = x.fma(LOG2E, ROUND_MAGIC);
        FloatVector n = t.sub(ROUND_MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(SPECIES, -LN2_LO), n.fma(FloatVector.broadcast(SPECIES, -LN2_HI), x));
        FloatVector p = r.fma(FloatVector.broadcast(SPECIES, E_6), FloatVector.broadcast(SPECIES, E_5));
        p = p.fma(r, FloatVector.broadcast(SPECIES, E_4));
        p = p.fma(r, FloatVector.broadcast(SPECIES, E_3));
        p = p.fma(r, FloatVector.broadcast(SPECIES, E_2));
        p = p.fma(r, FloatVector.broadcast(SPECIES, 1f));
        p = p.fma(r, FloatVector.broadcast(SPECIES, 1f));
        return p.reinterpretAsInts().add(t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats();
    }

    /** x / (1 + e^(-a·x)): SiLU for a = 1, quick GELU for 1.702, tanh-GELU for a = 2·√(2/π)·(1 + 0.044715x²). */
    static FloatVector xSigmoid(FloatVector x, FloatVector ax) {
        return x.div(exp(ax.neg()).add(1f));
    }

    static FloatVector silu(FloatVector x) { return xSigmoid(x, x); }

    static FloatVector quickGelu(FloatVector x) { return xSigmoid(x, x.mul(1.702f)); }

    private static final float SQRT_2_OVER_PI = 0.7978845608028654f;

    /** 0.5·x·(1 + tanh(u)) = x·sigmoid(2u), u = √(2/π)(x + 0.044715x³): no cancellation near 0. */
    static FloatVector geluTanh(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector twoU = x.mul(x2.fma(0.044715f, 1f)).mul(2f * SQRT_2_OVER_PI);
        return xSigmoid(x, twoU);
    }

    private static final float ERFC_0 = -1.26551223f, ERFC_1 = 1.00002368f, ERFC_2 = 0.37409196f, ERFC_3 = 0.09678418f,
            ERFC_4 = -0.18628806f, ERFC_5 = 0.27886807f, ERFC_6 = -1.13520398f, ERFC_7 = 1.48851587f, ERFC_8 = -0.82215223f,
            ERFC_9 = 0.17087277f;

    /** erfc(z) for z >= 0, relative error ~1.2e-7 (Numerical Recipes' erfcc). */
    static FloatVector erfcNonNegative(FloatVector z) {
        FloatVector t = z.fma(0.5f, 1f);
        t = FloatVector.broadcast(SPECIES, 1f).div(t);
        FloatVector p = t.fma(FloatVector.broadcast(SPECIES, ERFC_9), FloatVector.broadcast(SPECIES, ERFC_8));
        p = p.fma(t, FloatVector.broadcast(SPECIES, ERFC_7));
        p = p.fma(t, FloatVector.broadcast(SPECIES, ERFC_6));
        p = p.fma(t, FloatVector.broadcast(SPECIES, ERFC_5));
        p = p.fma(t, FloatVector.broadcast(SPECIES, ERFC_4));
        p = p.fma(t, FloatVector.broadcast(SPECIES, ERFC_3));
        p = p.fma(t, FloatVector.broadcast(SPECIES, ERFC_2));
        p = p.fma(t, FloatVector.broadcast(SPECIES, ERFC_1));
        p = p.fma(t, FloatVector.broadcast(SPECIES, ERFC_0));
        return t.mul(exp(z.neg().fma(z, p)));
    }

    private static final float INV_SQRT2 = 0.7071067811865476f;

    /**
     * Exact-form GELU 0.5·x·(1 + erf(x/√2)) written as 0.5·x·erfc(-x/√2) so the negative tail, where
     * 1 + erf cancels, keeps its relative accuracy.
     */
    static FloatVector gelu(FloatVector x) {
        FloatVector z = x.abs().mul(INV_SQRT2);
        FloatVector e = erfcNonNegative(z);
        FloatVector onePlusErf = e.neg().add(2f).blend(e, x.lt(0f));
        return x.mul(0.5f).mul(onePlusErf);
    }
}
