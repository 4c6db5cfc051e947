package jdiffusion.sd.sample;

/** The 32-bit Mersenne Twister as {@code at::mt19937} seeds and runs it (standard MT19937). */
final class Mt19937 {
    private static final int N = 624, M = 397;
    private static final int MATRIX_A = 0x9908b0df, UPPER = 0x80000000, LOWER = 0x7fffffff;

    private final int[] state = new int[N];
    private int next;

    Mt19937(long seed) {
        state[0] = (int) seed;
        for (int j = 1; j < N; j++) {
            int prev = state[j - 1];
            state[j] = 1812433253 * (prev ^ (prev >>> 30)) + j;
        }
        next = N;
    }

    /** The next 32-bit output (as an unsigned value in the low bits of an int). */
    int nextInt() {
        if (next >= N) twist();
        int y = state[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (state[i] & UPPER) | (state[(i + 1) % N] & LOWER);
            int v = state[(i + M) % N] ^ (y >>> 1);
            if ((y & 1) != 0) v ^= MATRIX_A;
            state[i] = v;
        }
        next = 0;
    }
}
