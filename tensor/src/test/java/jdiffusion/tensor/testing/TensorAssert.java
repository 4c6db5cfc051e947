package jdiffusion.tensor.testing;

import jdiffusion.tensor.Tensor;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Closeness checks that report the worst element, so a failure says where to look. */
public final class TensorAssert {
    private TensorAssert() {}

    /** |actual - expected| <= atol + rtol·|expected| everywhere, with equal shapes. */
    public static void assertClose(Tensor expected, Tensor actual, double atol, double rtol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertClose(expected.toFloatArray(), actual.toFloatArray(), atol, rtol, what);
    }

    public static void assertClose(float[] expected, float[] actual, double atol, double rtol, String what) {
        if (expected.length != actual.length) fail(what + ": length " + actual.length + " != expected " + expected.length);
        double worst = -1, worstDiff = 0;
        int at = -1, bad = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) actual[i] - expected[i]);
            double allowed = atol + rtol * Math.abs(expected[i]);
            boolean nan = Float.isNaN(actual[i]) != Float.isNaN(expected[i]);
            if (nan || d > allowed) bad++;
            double excess = nan ? Double.POSITIVE_INFINITY : d - allowed;
            if (excess > worst || at < 0) { worst = excess; at = i; worstDiff = d; }
        }
        if (bad > 0) {
            fail(String.format("%s: %d of %d elements off (atol %g, rtol %g); worst at %d: expected %s, got %s (diff %g)",
                    what, bad, expected.length, atol, rtol, at, expected[at], actual[at], worstDiff));
        }
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    public static String describe(Tensor t) { return Arrays.toString(t.shape()) + " " + t.dtype(); }
}
