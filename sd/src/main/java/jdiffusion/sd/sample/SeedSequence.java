package jdiffusion.sd.sample;

/**
 * numpy's {@code np.random.SeedSequence(entropy, spawn_key=..., pool_size=...).generate_state(n)}: the
 * entropy-mixing hash (after O'Neill's seed_seq_fe) that torchsde's Brownian trees use to derive the
 * torch seed of every tree node. All arithmetic is on unsigned 32-bit words.
 */
final class SeedSequence {
    private static final int INIT_A = 0x43b0d7e5, MULT_A = 0x931e8875;
    private static final int INIT_B = 0x8b51f9dd, MULT_B = 0x58f38ded;
    private static final int MIX_MULT_L = 0xca01f9dd, MIX_MULT_R = 0x4973f715;
    private static final int XSHIFT = 16;

    private final int[] pool;

    /**
     * @param entropy  a non-negative integer (the seed)
     * @param spawnKey non-negative integers (empty for a root sequence)
     */
    SeedSequence(long entropy, long[] spawnKey, int poolSize) {
        int[] run = words(entropy);
        int[] spawn = new int[0];
        for (long k : spawnKey) spawn = concat(spawn, words(k));
        if (spawn.length > 0 && run.length < poolSize) run = java.util.Arrays.copyOf(run, poolSize);
        int[] entropyArray = concat(run, spawn);
        pool = new int[poolSize];
        mixEntropy(entropyArray);
    }

    private static int[] words(long n) {
        if (n < 0) throw new SamplingException("seed sequence entropy must be non-negative, got " + n);
        if (n == 0) return new int[]{0};
        int count = (n >>> 32) != 0 ? 2 : 1;
        int[] w = new int[count];
        w[0] = (int) n;
        if (count == 2) w[1] = (int) (n >>> 32);
        return w;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private int hashConst;

    private int hashmix(int value) {
        value ^= hashConst;
        hashConst *= MULT_A;
        value *= hashConst;
        value ^= value >>> XSHIFT;
        return value;
    }

    private static int mix(int x, int y) {
        int r = MIX_MULT_L * x - MIX_MULT_R * y;
        r ^= r >>> XSHIFT;
        return r;
    }

    private void mixEntropy(int[] entropy) {
        hashConst = INIT_A;
        for (int i = 0; i < pool.length; i++) pool[i] = hashmix(i < entropy.length ? entropy[i] : 0);
        for (int src = 0; src < pool.length; src++)
            for (int dst = 0; dst < pool.length; dst++)
                if (src != dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
        for (int src = pool.length; src < entropy.length; src++)
            for (int dst = 0; dst < pool.length; dst++) pool[dst] = mix(pool[dst], hashmix(entropy[src]));
    }

    /** {@code generate_state(n)} as unsigned 32-bit values. */
    long[] generateState(int n) {
        long[] out = new long[n];
        int hc = INIT_B;
        for (int i = 0; i < n; i++) {
            int v = pool[i % pool.length];
            v ^= hc;
            hc *= MULT_B;
            v *= hc;
            v ^= v >>> XSHIFT;
            out[i] = v & 0xFFFFFFFFL;
        }
        return out;
    }
}
