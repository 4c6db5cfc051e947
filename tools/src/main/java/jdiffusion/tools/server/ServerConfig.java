package jdiffusion.tools.server;

import java.nio.file.Path;

/**
 * How {@link JsdServer} runs.
 *
 * @param host       address to bind: 127.0.0.1 unless the user asks to expose it ({@code --listen}: 0.0.0.0)
 * @param port       TCP port, 0 for any free one
 * @param modelsDir  a WebUI folder (or any folder of checkpoints), or null
 * @param model      one checkpoint, or null; at least one of modelsDir and model is needed
 * @param tokenizer  CLIP tokenizer folder for single-file checkpoints, or null to look beside the model
 * @param apiAuth    {@code user:pass[,user2:pass2]} for HTTP basic authentication, or null for none
 * @param queueSize  jobs that may wait behind the running one; more are refused with 503
 * @param maxPixels  the most pixels a request may generate at once (width x height x batch size) or send as an image
 * @param threads    CPU threads for the backend
 * @param device     compute device: cpu, opencl, opencl:N or reference
 * @param maxBody    the largest request body in bytes; larger ones get 413 before they are read
 */
public record ServerConfig(String host, int port, Path modelsDir, Path model, Path tokenizer, String apiAuth,
                           int queueSize, long maxPixels, int threads, String device, long maxBody) {
    public static final int DEFAULT_PORT = 7860;
    public static final int DEFAULT_QUEUE_SIZE = 16;
    public static final long DEFAULT_MAX_PIXELS = 2048L * 2048L;
    public static final long DEFAULT_MAX_BODY = 64L << 20;

    /** Loopback on any free port with default limits: what tests use. */
    public static ServerConfig loopback(Path modelsDir, Path model, Path tokenizer, int threads) {
        return new ServerConfig("127.0.0.1", 0, modelsDir, model, tokenizer, null, DEFAULT_QUEUE_SIZE, DEFAULT_MAX_PIXELS, threads, "cpu", DEFAULT_MAX_BODY);
    }

    public ServerConfig withDevice(String device) {
        return new ServerConfig(host, port, modelsDir, model, tokenizer, apiAuth, queueSize, maxPixels, threads, device, maxBody);
    }

    public ServerConfig withAuth(String auth) {
        return new ServerConfig(host, port, modelsDir, model, tokenizer, auth, queueSize, maxPixels, threads, device, maxBody);
    }

    public ServerConfig withQueueSize(int size) {
        return new ServerConfig(host, port, modelsDir, model, tokenizer, apiAuth, size, maxPixels, threads, device, maxBody);
    }

    public ServerConfig withMaxPixels(long pixels) {
        return new ServerConfig(host, port, modelsDir, model, tokenizer, apiAuth, queueSize, pixels, threads, device, maxBody);
    }

    public ServerConfig withMaxBody(long bytes) {
        return new ServerConfig(host, port, modelsDir, model, tokenizer, apiAuth, queueSize, maxPixels, threads, device, bytes);
    }
}
