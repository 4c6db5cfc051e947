package jdiffusion.tools.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 50 requests from 8 concurrent clients against a queue of 4: each completes or is refused cleanly, none is lost, memory stays flat. */
class LoadTest {
    @TempDir Path dir;

    static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean m = ManagementFactory.getMemoryMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            best = Math.min(best, m.getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    @Test
    void fiftyRequestsFromEightClientsCompleteOrAreRefusedWithNoneLostAndMemoryFlat() throws Exception {
        try (TinyServer s = TinyServer.start(dir, 4, null)) {
            // warm up: model loaded, code compiled, so the heap measured next holds what the server keeps
            assertEquals(200, s.post("/sdapi/v1/txt2img", Map.of("width", 64L, "height", 64L, "steps", 1L)).status());
            long before = usedHeapAfterGc();

            int total = 50, clients = 8;
            AtomicInteger next = new AtomicInteger();
            ConcurrentLinkedQueue<TinyServer.Reply> replies = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Long> queued = new ConcurrentLinkedQueue<>();
            long start = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(clients + 1);
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < clients; c++)
                workers.add(pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < total; ) {
                        TinyServer.Reply r = s.post("/sdapi/v1/txt2img", Map.of("prompt", "load test " + i, "seed", (long) i,
                                "width", 64L, "height", 64L, "steps", 1L));
                        replies.add(r);
                        // a polite client waits a little after a refusal before its next request
                        if (r.status() == 503) Thread.sleep(100);
                    }
                    return null;
                }));
            Future<?> watcher = pool.submit(() -> {
                while (next.get() < total || workers.stream().anyMatch(f -> !f.isDone())) {
                    Map<?, ?> state = (Map<?, ?>) s.get("/sdapi/v1/progress").json().get("state");
                    queued.add((Long) state.get("queued"));
                    Thread.sleep(25);
                }
                return null;
            });
            for (Future<?> f : workers) f.get(120, TimeUnit.SECONDS);
            watcher.get(10, TimeUnit.SECONDS);
            pool.shutdown();
            double seconds = (System.nanoTime() - start) / 1e9;

            assertEquals(total, replies.size(), "every request was answered");
            int done = 0, refused = 0;
            for (TinyServer.Reply r : replies) {
                if (r.status() == 200) {
                    done++;
                    List<?> images = (List<?>) r.json().get("images");
                    assertEquals(1, images.size());
                    assertTrue(Base64.getDecoder().decode((String) images.getFirst()).length > 100);
                } else {
                    assertEquals(503, r.status(), r.text());
                    assertEquals("QueueFull", r.json().get("error"));
                    refused++;
                }
            }
            assertEquals(total, done + refused);
            assertTrue(done >= 4, "at least a full queue completed: " + done);
            assertTrue(queued.stream().allMatch(q -> q <= 4), "never more than --queue-size waiting: " + queued);
            assertTrue(seconds < 120, "bounded time: " + seconds + " s");

            long after = usedHeapAfterGc();
            long grown = after - before;
            assertTrue(grown < 48L << 20, "used heap after GC grew by " + (grown >> 20) + " MiB (" + (before >> 20) + " -> " + (after >> 20) + ")");
            System.out.printf("load: %d done, %d refused in %.1f s; heap %d -> %d MiB%n", done, refused, seconds, before >> 20, after >> 20);
        }
    }
}
