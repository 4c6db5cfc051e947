package jdiffusion.kernels.cpu;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Task indices {@code [0, tasks)} dealt out as one contiguous run per worker: each worker takes its own run from
 * the front and, once that is empty, steals from the back of the others'. Neighbouring tasks write neighbouring
 * memory (a 77-token projection's tasks are 12-feature strips of the same 77 output rows, sharing cache lines at
 * every strip edge), so keeping them on one core avoids lines bouncing between cores, while stealing still
 * evens out a worker that started late or was descheduled.
 */
final class TaskRuns {
    /** Per worker: front index in the high half, end (exclusive) in the low half. */
    private final AtomicLongArray runs;

    TaskRuns(int tasks, int workers) {
        runs = new AtomicLongArray(workers);
        for (int w = 0; w < workers; w++)
            runs.set(w, pack((int) ((long) tasks * w / workers), (int) ((long) tasks * (w + 1) / workers)));
    }

    /** The next task for {@code worker}, or -1 when every task has been taken. */
    int next(int worker) {
        int n = runs.length();
        for (int d = 0; d < n; d++) {
            int w = (worker + d) % n;
            while (true) {
                long v = runs.get(w);
                int front = (int) (v >>> 32), end = (int) v;
                if (front >= end) break;
                boolean own = d == 0;
                if (runs.compareAndSet(w, v, own ? pack(front + 1, end) : pack(front, end - 1))) return own ? front : end - 1;
            }
        }
        return -1;
    }

    private static long pack(int front, int end) { return (long) front << 32 | (end & 0xffffffffL); }
}
