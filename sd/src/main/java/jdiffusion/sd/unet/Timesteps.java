package jdiffusion.sd.unet;

/**
 * The sinusoidal timestep projection of diffusers' {@code Timesteps} / ldm's {@code timestep_embedding}:
 * frequencies {@code exp(-ln(10000)·i / (half - shift))}, then {@code cat(sin(t·f), cos(t·f))}, swapped to
 * {@code cat(cos, sin)} when {@code flipSinToCos} (SD). A few dozen numbers per sample, so it is computed on the
 * host, in float32 with the same operation order as the reference so fractional and large t match closely.
 */
public final class Timesteps {
    private final int dim;
    private final boolean flipSinToCos;
    private final float[] frequencies;

    public Timesteps(int dim, boolean flipSinToCos, int freqShift) {
        if (dim < 2) throw new IllegalArgumentException("timestep projection width must be at least 2, got " + dim);
        this.dim = dim;
        this.flipSinToCos = flipSinToCos;
        int half = dim / 2;
        if (half - freqShift == 0) throw new IllegalArgumentException("timestep projection: freq_shift " + freqShift + " equals half the width " + half);
        // diffusers: exponent = -ln(max_period) * arange(half) (float32), / (half - shift), exp; each step rounded to float
        float lnMaxPeriod = (float) -Math.log(10000.0);
        float divisor = half - freqShift;
        this.frequencies = new float[half];
        for (int i = 0; i < half; i++) frequencies[i] = (float) Math.exp((lnMaxPeriod * i) / divisor);
    }

    public int dim() { return dim; }

    /** Row-major {@code [t.length, dim]} projections; an odd {@code dim} ends with a zero column, as in diffusers. */
    public float[] project(float[] t) {
        int half = frequencies.length;
        float[] out = new float[t.length * dim];
        for (int b = 0; b < t.length; b++) {
            int cosAt = b * dim + (flipSinToCos ? 0 : half), sinAt = b * dim + (flipSinToCos ? half : 0);
            for (int i = 0; i < half; i++) {
                float arg = t[b] * frequencies[i];
                out[cosAt + i] = (float) Math.cos(arg);
                out[sinAt + i] = (float) Math.sin(arg);
            }
        }
        return out;
    }
}
