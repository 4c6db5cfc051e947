package jdiffusion.sd.extra;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.Locale;

/**
 * The activations a WebUI hypernetwork may name ({@code HypernetworkModule.activation_dict}: its own short names plus
 * torch's activation classes, lower-cased), with torch's default parameters. Those the backend lacks run on host floats:
 * a hypernetwork's tensors are small next to the UNet's.
 */
enum Activation {
    RELU, LEAKYRELU, ELU, HARDSWISH, TANH, SIGMOID, GELU, SILU, MISH, SOFTPLUS, SOFTSIGN, RELU6, SELU, CELU, HARDSIGMOID,
    HARDTANH, LOGSIGMOID, TANHSHRINK;

    /** The activation called {@code name} in a file ({@code swish} is torch's Hardswish there), or null for none ({@code linear}). */
    static Activation parse(String name, String file) {
        if (name == null) return null;
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals("linear") || n.equals("identity")) return null;
        if (n.equals("swish")) return HARDSWISH;
        try {
            return valueOf(n.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ExtraNetworkException(file + ": hypernetwork uses an unsupported activation function: " + name);
        }
    }

    Tensor apply(Backend b, Tensor x) {
        if (this == GELU) return b.gelu(x);
        if (this == SILU) return b.silu(x);
        float[] v = b.toFloatArray(x);
        for (int i = 0; i < v.length; i++) v[i] = apply(v[i]);
        return b.fromFloats(v, x.shape());
    }

    float apply(float x) {
        double d = x;
        return (float) switch (this) {
            case RELU -> Math.max(0, d);
            case LEAKYRELU -> d >= 0 ? d : 0.01 * d;
            case ELU -> d > 0 ? d : Math.expm1(d);
            case HARDSWISH -> d * Math.min(Math.max(d + 3, 0), 6) / 6;
            case TANH -> Math.tanh(d);
            case SIGMOID -> 1 / (1 + Math.exp(-d));
            case GELU -> 0.5 * d * (1 + erf(d / Math.sqrt(2)));
            case SILU -> d / (1 + Math.exp(-d));
            case MISH -> d * Math.tanh(softplus(d));
            case SOFTPLUS -> softplus(d);
            case SOFTSIGN -> d / (1 + Math.abs(d));
            case RELU6 -> Math.min(Math.max(d, 0), 6);
            case SELU -> 1.0507009873554804934193349852946 * (d > 0 ? d : 1.6732632423543772848170429916717 * Math.expm1(d));
            case CELU -> d > 0 ? d : Math.expm1(d);
            case HARDSIGMOID -> Math.min(Math.max(d / 6 + 0.5, 0), 1);
            case HARDTANH -> Math.min(Math.max(d, -1), 1);
            case LOGSIGMOID -> -softplus(-d);
            case TANHSHRINK -> d - Math.tanh(d);
        };
    }

    /** torch's softplus (beta 1, threshold 20). */
    private static double softplus(double d) { return d > 20 ? d : Math.log1p(Math.exp(d)); }

    /** Abramowitz-Stegun 7.1.26 is too coarse for tests; this series/continued-fraction pair is accurate to ~1e-12. */
    private static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 2.5) {
            double sum = 0, term = ax;
            for (int n = 0; n < 60; n++) {
                sum += term / (2 * n + 1);
                term *= -ax * ax / (n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double t = 0;
            for (int n = 60; n >= 1; n--) t = n / 2.0 / (ax + t);
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + t);
        }
        return x < 0 ? -r : r;
    }
}
