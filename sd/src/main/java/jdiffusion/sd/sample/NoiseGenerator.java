package jdiffusion.sd.sample;

/**
 * A stateful stream of standard normal numbers, as the reference generators produce them: each
 * {@link #randn} call continues where the previous one stopped, exactly like consecutive
 * {@code torch.randn(shape, generator=g)} calls (or A1111's {@code rng_philox.Generator.randn}).
 * The shape matters, not only the count: both references take different paths for different sizes.
 */
public interface NoiseGenerator {
    /** The next tensor of independent N(0,1) samples, row-major, with {@code prod(shape)} elements. */
    float[] randn(int... shape);

    static int numel(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + java.util.Arrays.toString(shape));
            n *= d;
        }
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape too large: " + java.util.Arrays.toString(shape));
        return (int) n;
    }
}
