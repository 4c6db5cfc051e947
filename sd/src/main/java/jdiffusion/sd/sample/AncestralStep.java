package jdiffusion.sd.sample;

/**
 * k-diffusion {@code get_ancestral_step}: split the move from {@code from} to {@code to} into a
 * deterministic step down to {@code down} and fresh noise of size {@code up}, with eta scaling the noise.
 */
record AncestralStep(float down, float up) {
    static AncestralStep of(float from, float to, float eta) {
        if (eta == 0f) return new AncestralStep(to, 0f);
        float to2 = to * to, from2 = from * from;
        float up = eta * TorchMath.sqrt(to2 * (from2 - to2) / from2);
        up = Math.min(to, up);
        float down = TorchMath.sqrt(to2 - up * up);
        return new AncestralStep(down, up);
    }
}
