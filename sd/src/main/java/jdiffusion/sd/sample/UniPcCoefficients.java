package jdiffusion.sd.sample;

/** Shared with the diffusers UniPC: the small linear solve for the corrector coefficients. */
public final class UniPcCoefficients {
    private UniPcCoefficients() {}

    public static float[] solve(float[][] a, float[] b) { return SmallLinearSolve.solve(a, b); }
}
