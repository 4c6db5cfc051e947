package jdiffusion.sd.sample;

/**
 * The WebUI's per-image noise ({@code modules/rng.py ImageRNG}) for a batch of B images of latent shape
 * {@code [C, H, W]}: image i has its own generator seeded with {@code seeds[i]} (seed+i in a batch), so
 * an image comes out the same whatever batch it is in.
 * <ul>
 *   <li>{@link #first()}: the initial noise. With a variation seed, image i's noise is
 *       {@code slerp(strength, noise(seed), noise(subseed))}, the subseed noise from a fresh generator.
 *       With "resize seed from" W x H the noise is drawn at that size and pasted centred into the first
 *       draw at the real size.</li>
 *   <li>{@link #next()} / {@link #sample}: later draws continue each image's generator (ancestral and
 *       SDE noise), unless an eta noise seed delta (ENSD) is set: then they come from fresh generators
 *       seeded {@code seed + ensd}.</li>
 * </ul>
 */
public final class ImageNoise implements NoiseSampler {
    private final RngSource source;
    private final int channels, height, width;
    private final long[] seeds;
    private final long[] subseeds;
    private final float subseedStrength;
    private final int resizeFromH, resizeFromW;
    private final long ensd;
    private final NoiseGenerator[] generators;
    private boolean first = true;

    /**
     * @param resizeFromH latent height to draw the seed's noise at (0 = off), i.e. the WebUI's
     *                    "resize seed from height" divided by the VAE factor
     */
    public ImageNoise(RngSource source, int channels, int height, int width, long[] seeds,
                      long[] subseeds, float subseedStrength, int resizeFromH, int resizeFromW, long ensd) {
        if (seeds.length == 0) throw new SamplingException("at least one seed is needed");
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new SamplingException("latent shape must be positive, got " + channels + "x" + height + "x" + width);
        this.source = source;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.seeds = seeds.clone();
        this.subseeds = subseeds == null ? null : subseeds.clone();
        this.subseedStrength = subseedStrength;
        this.resizeFromH = resizeFromH;
        this.resizeFromW = resizeFromW;
        this.ensd = ensd;
        this.generators = new NoiseGenerator[seeds.length];
        for (int i = 0; i < seeds.length; i++) generators[i] = source.generator(seeds[i]);
    }

    /** Plain per-image seeds, no variation seed, no resize, no ENSD. */
    public ImageNoise(RngSource source, int channels, int height, int width, long... seeds) {
        this(source, channels, height, width, seeds, null, 0f, 0, 0, 0L);
    }

    /** A1111 batch convention: image i uses {@code seed + i}. */
    public static long[] batchSeeds(long seed, int batchSize) {
        long[] s = new long[batchSize];
        for (int i = 0; i < batchSize; i++) s[i] = seed + i;
        return s;
    }

    /**
     * The WebUI's per-image seeds for image {@code first .. first+count-1} of a job
     * ({@code processing.py}): seed+i, except that with a variation seed (strength != 0) every image keeps
     * the seed and the subseed counts up instead.
     */
    public static ImageNoise webUi(RngSource source, int channels, int height, int width, long seed, long subseed,
                                   float subseedStrength, int first, int count, int resizeFromH, int resizeFromW, long ensd) {
        long[] seeds = new long[count], subseeds = new long[count];
        for (int i = 0; i < count; i++) {
            int k = first + i;
            seeds[i] = seed + (subseedStrength == 0f ? k : 0);
            subseeds[i] = subseed + k;
        }
        return new ImageNoise(source, channels, height, width, seeds, subseeds, subseedStrength, resizeFromH, resizeFromW, ensd);
    }

    /** The seeds of this batch's images (for the Brownian tree of SDE samplers). */
    public long[] seeds() { return seeds.clone(); }

    public int batchSize() { return seeds.length; }
    public int imageNumel() { return channels * height * width; }

    /** The next noise for the whole batch, {@code [B, C, H, W]}; the first call gives the initial noise. */
    public float[] next() {
        if (first) {
            first = false;
            return initial();
        }
        int n = imageNumel();
        float[] out = new float[n * seeds.length];
        for (int i = 0; i < seeds.length; i++) System.arraycopy(generators[i].randn(channels, height, width), 0, out, i * n, n);
        return out;
    }

    /** Same as the first {@link #next()}; fails if noise was already drawn. */
    public float[] first() {
        if (!first) throw new IllegalStateException("the initial noise was already drawn");
        return next();
    }

    @Override
    public float[] sample(float sigma, float sigmaNext) { return next(); }

    private float[] initial() {
        boolean resized = resizeFromH > 0 && resizeFromW > 0 && (resizeFromH != height || resizeFromW != width);
        int nh = resized ? resizeFromH : height, nw = resized ? resizeFromW : width;
        int n = imageNumel();
        float[] out = new float[n * seeds.length];
        for (int i = 0; i < seeds.length; i++) {
            float[] subnoise = null;
            if (subseeds != null && subseedStrength != 0f) {
                long subseed = i < subseeds.length ? subseeds[i] : 0L;
                subnoise = source.generator(subseed).randn(channels, nh, nw);
            }
            float[] noise = resized ? source.generator(seeds[i]).randn(channels, nh, nw)
                    : generators[i].randn(channels, height, width);
            if (subnoise != null) noise = Slerp.slerp(subseedStrength, noise, subnoise, channels, nh, nw);
            if (resized) noise = pasteCentred(noise, nh, nw, generators[i].randn(channels, height, width));
            System.arraycopy(noise, 0, out, i * n, n);
        }
        if (ensd != 0L)
            for (int i = 0; i < seeds.length; i++) generators[i] = source.generator(seeds[i] + ensd);
        return out;
    }

    /** The WebUI's crop/pad of noise drawn at (nh, nw) into x of the real size, centred. */
    private float[] pasteCentred(float[] noise, int nh, int nw, float[] x) {
        int dx = Math.floorDiv(width - nw, 2), dy = Math.floorDiv(height - nh, 2);
        int w = dx >= 0 ? nw : nw + 2 * dx;
        int h = dy >= 0 ? nh : nh + 2 * dy;
        int tx = Math.max(dx, 0), ty = Math.max(dy, 0);
        int sx = Math.max(-dx, 0), sy = Math.max(-dy, 0);
        for (int c = 0; c < channels; c++)
            for (int r = 0; r < h; r++)
                System.arraycopy(noise, (c * nh + sy + r) * nw + sx, x, (c * height + ty + r) * width + tx, w);
        return x;
    }
}
