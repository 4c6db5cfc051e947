package jdiffusion.sd.sample;

/** Shares the tolerance check with tests in sub-packages. */
public final class KDiffusionSamplersTestAccess {
    private KDiffusionSamplersTestAccess() {}

    public static void assertClose(float[] expected, float[] actual, double atol, double rtol, String what) {
        KDiffusionSamplersTest.assertClose(expected, actual, atol, rtol, what);
    }
}
