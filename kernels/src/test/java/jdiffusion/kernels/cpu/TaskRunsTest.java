package jdiffusion.kernels.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Work dealing for {@link SkinnyGemm}: contiguous runs per worker, stealing from the back, every task exactly once. */
class TaskRunsTest {
    @Test
    void eachWorkerTakesItsOwnRunInOrderThenStealsFromTheBackOfAnother() {
        TaskRuns runs = new TaskRuns(7, 2);   // runs [0, 3) and [3, 7)
        assertEquals(0, runs.next(0));
        assertEquals(1, runs.next(0));
        assertEquals(2, runs.next(0));
        assertEquals(6, runs.next(0), "own run empty: steal the last of worker 1's");
        assertEquals(3, runs.next(1));
        assertEquals(5, runs.next(0));
        assertEquals(4, runs.next(1));
        assertEquals(-1, runs.next(0));
        assertEquals(-1, runs.next(1));
    }

    @Test
    void concurrentWorkersTakeEveryTaskExactlyOnce() throws InterruptedException {
        int tasks = 10_000, workers = 4;
        TaskRuns runs = new TaskRuns(tasks, workers);
        ConcurrentLinkedQueue<Integer> taken = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int t; (t = runs.next(worker)) >= 0; ) taken.add(t);
            }));
        }
        for (Thread t : threads) t.join();
        boolean[] seen = new boolean[tasks];
        for (int t : taken) {
            assertEquals(false, seen[t], "task " + t + " taken twice");
            seen[t] = true;
        }
        assertEquals(tasks, taken.size());
    }
}
