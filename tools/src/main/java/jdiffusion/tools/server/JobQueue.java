package jdiffusion.tools.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Jobs run one at a time, first come first served, on a single worker thread (one model, one backend: running two
 * at once would only make both slower). At most {@code capacity} jobs wait behind the running one; past that a submit
 * is refused with 503 so a flood of requests costs nothing but the refusal. A job that throws, even an
 * {@link Error}, fails only its own future: the worker goes on with the next.
 */
final class JobQueue implements AutoCloseable {
    /** A unit of work run on the worker thread with the shared progress state. */
    interface Task<T> {
        T run(JobProgress progress) throws Exception;
    }

    private final int capacity;
    private final JobProgress progress;
    private final ExecutorService worker;
    private int pending; // waiting or running
    private boolean closed;

    JobQueue(int capacity, JobProgress progress) {
        this.capacity = capacity;
        this.progress = progress;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "jsd-serve-worker");
            t.setDaemon(true);
            return t;
        });
    }

    JobProgress progress() { return progress; }

    /** Jobs waiting behind the running one. */
    synchronized int waiting() { return Math.max(0, pending - 1); }

    /** Queues {@code task}; throws a 503 {@link ApiException} when {@code capacity} jobs already wait. */
    <T> CompletableFuture<T> submit(Task<T> task) {
        synchronized (this) {
            if (closed) throw new ApiException(503, "ServiceUnavailable", "the server is shutting down");
            if (pending > capacity)
                throw new ApiException(503, "QueueFull", "the queue is full (" + capacity + " jobs waiting); try again later");
            pending++;
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            worker.execute(() -> {
                T value = null;
                Throwable failure = null;
                try {
                    value = task.run(progress);
                } catch (Throwable e) {
                    failure = e;
                } finally {
                    progress.end();
                    // free the place before answering, so the client's next request finds it free
                    synchronized (this) { pending--; }
                }
                if (failure == null) result.complete(value);
                else result.completeExceptionally(failure);
            });
        } catch (RuntimeException e) {
            synchronized (this) { pending--; }
            throw new ApiException(503, "ServiceUnavailable", "the server is shutting down");
        }
        return result;
    }

    /** Stops the running job at its next step (the WebUI's Interrupt); waiting jobs still run. */
    void interrupt() { progress.interrupt(); }

    @Override public void close() {
        synchronized (this) { closed = true; }
        progress.interrupt();
        worker.shutdownNow();
        try {
            worker.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
