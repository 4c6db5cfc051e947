package jdiffusion.sd.extra;

import java.math.BigInteger;
import java.util.List;

/**
 * Python's {@code random.Random} as far as the wildcards extension uses it: {@code seed(int)} (MT19937
 * {@code init_by_array} over the absolute value's 32-bit words) and {@code choice(seq)} ({@code _randbelow} by
 * rejection on {@code getrandbits(n.bit_length())}), so a seed picks the same line as in the WebUI.
 */
final class PythonRandom {
    private static final int N = 624, M = 397;
    private final int[] mt = new int[N];
    private int index = N;

    PythonRandom(long seed) {
        BigInteger a = BigInteger.valueOf(seed).abs();
        int words = Math.max(1, (a.bitLength() + 31) / 32);
        int[] key = new int[words];
        for (int i = 0; i < words; i++) key[i] = a.shiftRight(32 * i).intValue();
        initByArray(key);
    }

    private void initGenrand(int s) {
        mt[0] = s;
        for (int i = 1; i < N; i++) mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        index = N;
    }

    private void initByArray(int[] key) {
        initGenrand(19650218);
        int i = 1, j = 0;
        for (int k = Math.max(N, key.length); k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
            i++;
            j++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if (j >= key.length) j = 0;
        }
        for (int k = N - 1; k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x80000000;
    }

    /** {@code genrand_uint32}, as an unsigned value in a long. */
    long nextUint32() {
        if (index >= N) {
            for (int k = 0; k < N; k++) {
                int y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
                int v = mt[(k + M) % N] ^ (y >>> 1);
                if ((y & 1) != 0) v ^= 0x9908b0df;
                mt[k] = v;
            }
            index = 0;
        }
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    /** {@code random()}: 53 random bits in [0, 1). */
    double random() {
        long a = nextUint32() >>> 5, b = nextUint32() >>> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /** {@code getrandbits(k)} for {@code 0 < k <= 32}. */
    long getrandbits(int k) { return nextUint32() >>> (32 - k); }

    /** {@code _randbelow(n)}. */
    int below(int n) {
        if (n <= 0) throw new IllegalArgumentException("empty choice");
        int k = 32 - Integer.numberOfLeadingZeros(n);
        long r = getrandbits(k);
        while (r >= n) r = getrandbits(k);
        return (int) r;
    }

    <T> T choice(List<T> seq) { return seq.get(below(seq.size())); }
}
