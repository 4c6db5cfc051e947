package jdiffusion.sd.sample;

/**
 * k-diffusion's {@code DPMSolver} single steps (DPM-Solver-1/2/3 in t = -log sigma), shared by
 * "DPM fast" and "DPM adaptive". Scalars are float32 like the reference's 0-dim tensors.
 */
final class DpmSolverSteps {
    private final Denoiser model;
    int calls;

    DpmSolverSteps(Denoiser model) { this.model = model; }

    static float sigma(float t) { return TorchMath.exp(-t); }
    static float t(float sigma) { return -TorchMath.log(sigma); }

    /** eps = (x - D(x, sigma(t))) / sigma(t). */
    float[] eps(float[] x, float t) {
        float s = sigma(t);
        float[] d = model.denoise(x, s);
        calls++;
        float[] e = new float[x.length];
        for (int i = 0; i < e.length; i++) e[i] = (x[i] - d[i]) / s;
        return e;
    }

    float[] step1(float[] x, float t, float tNext, float[] eps) {
        float h = tNext - t;
        float c = sigma(tNext) * TorchMath.expm1(h);
        float[] r = new float[x.length];
        for (int i = 0; i < r.length; i++) r[i] = x[i] - c * eps[i];
        return r;
    }

    float[] step2(float[] x, float t, float tNext, float r1, float[] eps) {
        float h = tNext - t;
        float s1 = t + r1 * h;
        float c1 = sigma(s1) * TorchMath.expm1(r1 * h);
        float[] u1 = new float[x.length];
        for (int i = 0; i < u1.length; i++) u1[i] = x[i] - c1 * eps[i];
        float[] epsR1 = eps(u1, s1);
        float a = sigma(tNext) * TorchMath.expm1(h);
        float b = sigma(tNext) / (2f * r1) * TorchMath.expm1(h);
        float[] r = new float[x.length];
        for (int i = 0; i < r.length; i++) r[i] = x[i] - a * eps[i] - b * (epsR1[i] - eps[i]);
        return r;
    }

    float[] step3(float[] x, float t, float tNext, float r1, float r2, float[] eps) {
        float h = tNext - t;
        float s1 = t + r1 * h, s2 = t + r2 * h;
        float c1 = sigma(s1) * TorchMath.expm1(r1 * h);
        float[] u1 = new float[x.length];
        for (int i = 0; i < u1.length; i++) u1[i] = x[i] - c1 * eps[i];
        float[] epsR1 = eps(u1, s1);
        float r2h = r2 * h;
        float c2 = sigma(s2) * TorchMath.expm1(r2h);
        float c3 = sigma(s2) * (float) ((double) r2 / r1) * (TorchMath.expm1(r2h) / r2h - 1f);
        float[] u2 = new float[x.length];
        for (int i = 0; i < u2.length; i++) u2[i] = x[i] - c2 * eps[i] - c3 * (epsR1[i] - eps[i]);
        float[] epsR2 = eps(u2, s2);
        float a = sigma(tNext) * TorchMath.expm1(h);
        float b = sigma(tNext) / r2 * (TorchMath.expm1(h) / h - 1f);
        float[] r = new float[x.length];
        for (int i = 0; i < r.length; i++) r[i] = x[i] - a * eps[i] - b * (epsR2[i] - eps[i]);
        return r;
    }

    static float[] addNoise(float[] x, float su, float sNoise, float[] noise) {
        LatentOps.check(x, noise);
        float c = su * sNoise;
        float[] r = new float[x.length];
        for (int i = 0; i < r.length; i++) r[i] = x[i] + c * noise[i];
        return r;
    }
}
