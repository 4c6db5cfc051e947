package jdiffusion.sd.sample;

/**
 * The WebUI's img2img step bookkeeping ({@code sd_samplers_common.setup_img2img_steps} and the
 * samplers' {@code sample_img2img}): how many steps the full schedule has and where denoising starts
 * for a denoising strength.
 *
 * @param steps the length of the full schedule the sigmas/timesteps are built for
 * @param tEnc  k-diffusion samplers run {@code tEnc + 1} steps of the full schedule
 */
public record WebUiImg2Img(int steps, int tEnc) {

    /**
     * @param fixSteps the WebUI option "img2img_fix_steps" (default off): run exactly the requested
     *                 steps by stretching the schedule, instead of strength * steps of it
     */
    public static WebUiImg2Img of(int requestedSteps, double strength, boolean fixSteps) {
        if (!(strength >= 0 && strength <= 1))
            throw new SamplingException("denoising strength must lie in [0, 1], got " + strength);
        KDiffusionDenoiser.requireSteps(requestedSteps);
        double s = Math.min(strength, 0.999);
        if (fixSteps) return new WebUiImg2Img(strength > 0 ? (int) (requestedSteps / s) : 0, requestedSteps - 1);
        return new WebUiImg2Img(requestedSteps, (int) (s * requestedSteps));
    }

    /** k-diffusion samplers: the tail {@code sigmas[steps - tEnc - 1:]} of the full schedule. */
    public float[] sigmaSchedule(float[] fullSigmas) {
        int from = steps - tEnc - 1;
        if (from < 0 || from >= fullSigmas.length)
            throw new SamplingException("img2img start " + from + " outside a schedule of " + fullSigmas.length + " sigmas");
        return java.util.Arrays.copyOfRange(fullSigmas, from, fullSigmas.length);
    }

    /** k-diffusion start latents: {@code x + noise * sigmaSchedule[0]}. */
    public static float[] noised(float[] x, float[] noise, float sigma) {
        float[] r = new float[x.length];
        for (int i = 0; i < r.length; i++) r[i] = x[i] + noise[i] * sigma;
        return r;
    }

    /** Timestep samplers: the first {@code tEnc} timesteps are run; the input is noised to {@code timesteps[tEnc]}. */
    public int[] timestepSchedule(int[] fullTimesteps) {
        if (tEnc >= fullTimesteps.length)
            throw new SamplingException("img2img needs timestep " + tEnc + " of " + fullTimesteps.length);
        return java.util.Arrays.copyOf(fullTimesteps, tEnc);
    }
}
