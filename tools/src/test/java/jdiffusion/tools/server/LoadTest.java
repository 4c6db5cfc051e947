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

    /** The figures of a mixed run. */
    record Figures(int clients, int jobsPerClient, int generated, int interrupted, int images, int badRequests, int interrupts,
                   int refused, List<String> errors, double seconds, long heapBefore, long heapAfter) {
        @Override public String toString() {
            return String.format("%d clients x %d jobs in %.1f s: %d generations (%d interrupted, %d images), %d interrupts sent, "
                            + "%d bad requests answered 4xx, %d refused (queue full), %d errors; used heap after GC %d -> %d MiB",
                    clients, jobsPerClient, seconds, generated, interrupted, images, interrupts, badRequests, refused, errors.size(),
                    heapBefore >> 20, heapAfter >> 20);
        }
    }

    /**
     * {@code clients} clients each send {@code jobsPerClient} requests, a fixed pseudo-random mix: txt2img (some with
     * batches), img2img, interrupts (which stop whichever job runs), and bad requests of every kind. Every answer is
     * checked against its own request: a generation's seeds, prompt and infotexts are the ones it asked for (none lost,
     * none swapped), an interrupted one returns what it made, a bad request gets its 4xx.
     */
    static Figures mixedLoad(TinyServer s, int clients, int jobsPerClient, boolean light) throws Exception {
        String init = SdApiTest.b64png(new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB));
        // warm up: model loaded, code compiled, so the heap measured next holds what the server keeps
        assertEquals(200, s.post("/sdapi/v1/txt2img", Map.of("width", 64L, "height", 64L, "steps", 1L)).status());
        long before = usedHeapAfterGc();
        AtomicInteger generated = new AtomicInteger(), interruptedJobs = new AtomicInteger(), images = new AtomicInteger(),
                bad = new AtomicInteger(), interrupts = new AtomicInteger(), refused = new AtomicInteger();
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> workers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            workers.add(pool.submit(() -> {
                java.util.Random random = new java.util.Random(client * 7919L + 1);
                for (int j = 0; j < jobsPerClient; j++) {
                    String what = "client " + client + " job " + j;
                    try {
                        // one in ten requests an interrupt, two in ten bad, one in ten img2img, the rest txt2img
                        int kind = (client * 7 + j * 3) % 10;
                        if (kind == 0) {
                            assertEquals(200, s.post("/sdapi/v1/interrupt", Map.of()).status(), what);
                            interrupts.incrementAndGet();
                        } else if (kind <= 2) {
                            badRequest(s, random.nextInt(6), what);
                            bad.incrementAndGet();
                        } else {
                            boolean img2img = kind == 3;
                            long seed = client * 100_000L + j * 10L;
                            int batch = light ? 1 : 1 + random.nextInt(2), count = 1 + random.nextInt(2), steps = light ? 1 : 1 + random.nextInt(3);
                            Map<String, Object> body = new java.util.LinkedHashMap<>(Map.of("prompt", what, "seed", seed, "width", 64L,
                                    "height", 64L, "steps", (long) steps, "batch_size", (long) batch, "n_iter", (long) count,
                                    "sampler_name", "Euler"));
                            if (img2img) body.put("init_images", List.of(init));
                            TinyServer.Reply r = s.post(img2img ? "/sdapi/v1/img2img" : "/sdapi/v1/txt2img", body);
                            if (r.status() == 503) {
                                refused.incrementAndGet();
                                continue;
                            }
                            assertEquals(200, r.status(), what + ": " + r.text());
                            Map<String, Object> info = jdiffusion.tensor.json.Json.parseObject((String) r.json().get("info"));
                            List<?> got = (List<?>) r.json().get("images"), infotexts = (List<?>) info.get("infotexts");
                            boolean stopped = Boolean.TRUE.equals(info.get("interrupted"));
                            assertEquals(what, info.get("prompt"), "the answer is this request's");
                            assertEquals(seed, info.get("seed"), what);
                            assertEquals(what, ((Map<?, ?>) r.json().get("parameters")).get("prompt"), what);
                            assertEquals(got.size(), infotexts.size(), what);
                            if (!stopped) assertEquals(batch * count, got.size(), what);
                            for (int k = 0; k < got.size(); k++) {
                                String text = (String) infotexts.get(k);
                                assertTrue(text.startsWith(what + "\n") && text.contains(", Seed: " + (seed + k) + ","), what + " image " + k + ": " + text);
                                String png = jdiffusion.sd.image.Png.readText(Base64.getDecoder().decode((String) got.get(k)), what).get("parameters");
                                assertEquals(text, png, what + " image " + k);
                            }
                            generated.incrementAndGet();
                            images.addAndGet(got.size());
                            if (stopped) interruptedJobs.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        errors.add(what + ": " + e);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : workers) f.get(30, TimeUnit.MINUTES);
        pool.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        long after = usedHeapAfterGc();
        return new Figures(clients, jobsPerClient, generated.get(), interruptedJobs.get(), images.get(), bad.get(), interrupts.get(),
                refused.get(), List.copyOf(errors), seconds, before, after);
    }

    private static void badRequest(TinyServer s, int kind, String what) throws Exception {
        record Bad(String path, String body, int status) {}
        Bad b = switch (kind) {
            case 0 -> new Bad("/sdapi/v1/txt2img", "{\"prompt\": \"" + what + "\", ", 400);
            case 1 -> new Bad("/sdapi/v1/txt2img", "{\"steps\": \"many\"}", 422);
            case 2 -> new Bad("/sdapi/v1/txt2img", "{\"sampler_name\": \"no such sampler\", \"width\": 64, \"height\": 64}", 404);
            case 3 -> new Bad("/sdapi/v1/png-info", "{\"image\": \"" + Base64.getEncoder().encodeToString(what.getBytes()) + "\"}", 400);
            case 4 -> new Bad("/sdapi/v1/img2img", "{\"init_images\": [\"aGVsbG8=\"], \"width\": 64, \"height\": 64}", 400);
            default -> new Bad("/sdapi/v1/nothing-" + kind, "{}", 404);
        };
        TinyServer.Reply r = s.postRaw(b.path(), b.body());
        assertEquals(b.status(), r.status(), what + " " + b + ": " + r.text());
        assertTrue(r.json().get("detail") instanceof String, what + ": " + r.text());
    }

    /**
     * The normal suite's size: 3 clients x 6 requests of one step. The full run (8 clients x 50 jobs) is
     * {@code JSD_LOAD_FULL=1 ./build -o -pl tools -am test -Dtest=LoadTest -Dsurefire.failIfNoSpecifiedTests=false}.
     */
    @Test
    void mixedJobsInterruptsAndBadRequestsFromConcurrentClientsAreNeverLostOrMixedUpAndTheHeapStaysFlat() throws Exception {
        boolean full = System.getenv("JSD_LOAD_FULL") != null || Boolean.getBoolean("jsd.load.full");
        int clients = full ? 8 : 3, jobs = full ? 50 : 6;
        try (TinyServer s = TinyServer.start(dir, 16, null)) {
            Figures f = mixedLoad(s, clients, jobs, !full);
            System.out.println("mixed load: " + f);
            assertEquals(List.of(), f.errors());
            assertEquals(clients * jobs, f.generated() + f.refused() + f.badRequests() + f.interrupts(), "every request was answered");
            assertTrue(f.generated() > 0 && f.badRequests() > 0 && f.interrupts() > 0, f.toString());
            long grown = f.heapAfter() - f.heapBefore();
            assertTrue(grown < 32L << 20, "used heap after GC grew by " + (grown >> 20) + " MiB: " + f);
        }
    }
}
