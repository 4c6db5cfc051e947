package jdiffusion.sd.sample;

/** Gaussian elimination with partial pivoting in float32 for the tiny systems of UniPC's coefficients. */
final class SmallLinearSolve {
    private SmallLinearSolve() {}

    static float[] solve(float[][] a0, float[] b0) {
        int n = b0.length;
        float[][] a = new float[n][];
        for (int i = 0; i < n; i++) a[i] = a0[i].clone();
        float[] b = b0.clone();
        for (int col = 0; col < n; col++) {
            int piv = col;
            for (int r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) piv = r;
            if (a[piv][col] == 0f) throw new SamplingException("singular UniPC coefficient system");
            float[] tr = a[piv]; a[piv] = a[col]; a[col] = tr;
            float tb = b[piv]; b[piv] = b[col]; b[col] = tb;
            for (int r = col + 1; r < n; r++) {
                float l = a[r][col] / a[col][col];
                for (int c = col; c < n; c++) a[r][c] = a[r][c] - l * a[col][c];
                b[r] = b[r] - l * b[col];
            }
        }
        float[] x = new float[n];
        for (int i = n - 1; i >= 0; i--) {
            float s = b[i];
            for (int c = i + 1; c < n; c++) s = s - a[i][c] * x[c];
            x[i] = s / a[i][i];
        }
        return x;
    }
}
