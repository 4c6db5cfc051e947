package jdiffusion.tools.server;

import jdiffusion.kernels.opencl.DeviceSelector;
import jdiffusion.kernels.opencl.DeviceSpecException;
import jdiffusion.tools.Arguments;
import jdiffusion.tools.Command;
import jdiffusion.tools.Options;
import jdiffusion.tools.UsageException;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code jsd serve}: the WebUI-compatible HTTP API and the web page, until the process is stopped (Ctrl-C).
 */
public final class ServeCommand implements Command {
    private static Options options() {
        return new Options()
                .section("models")
                .value("--models-dir", "DIR", "a WebUI folder (models/Stable-diffusion, models/VAE, models/Lora, embeddings/) or a folder of checkpoints")
                .value("--model", "PATH", "one checkpoint (.safetensors/.ckpt or diffusers folder), selected first")
                .value("--tokenizer", "DIR", "CLIP tokenizer folder for single-file checkpoints (default: beside the model, else CLIP's own, shipped with jsd)")
                .section("network")
                .value("--port", "N", "TCP port (default " + ServerConfig.DEFAULT_PORT + "; 0 picks a free one)")
                .flag("--listen", "listen on all interfaces (0.0.0.0) instead of 127.0.0.1: other machines can reach the server")
                .value("--api-auth", "USER:PASS", "require HTTP basic authentication (several pairs separated by commas)")
                .section("limits")
                .value("--queue-size", "N", "jobs that may wait behind the running one; more get 503 (default " + ServerConfig.DEFAULT_QUEUE_SIZE + ")")
                .value("--max-pixels", "N", "the most pixels one request may generate (width x height x batch size; default 2048x2048)")
                .value("--max-body", "SIZE", "the largest request body, e.g. 64M, 512K or bytes; larger ones get 413 (default 64M)")
                .value("--threads", "N", "CPU threads (default: all cores)")
                .value("--device", "DEVICE", "compute device: " + DeviceSelector.HELP + " (default cpu)");
    }

    @Override public String name() { return "serve"; }

    @Override public String summary() { return "WebUI-compatible HTTP API (/sdapi/v1/...) and a web page"; }

    @Override public String help() {
        return "usage: jsd serve --models-dir DIR [--port 7860] [options]\n\n"
                + "Serves AUTOMATIC1111's WebUI API (txt2img, img2img, progress, interrupt, options, sd-models, samplers,\n"
                + "schedulers, loras, embeddings, png-info) so WebUI clients work unchanged, and a web page at /.\n"
                + "One model is loaded at a time and switched on request; jobs run one after another from a bounded queue.\n"
                + options().help();
    }

    @Override public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        ServerConfig config = config(args);
        CountDownLatch stopped = new CountDownLatch(1);
        JsdServer server = JsdServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "jsd-serve-shutdown"));
        boolean exposed = config.host().equals("0.0.0.0");
        err.println("jsd serve: listening on " + server.uri() + (exposed ? " (all interfaces)" : "")
                + "; API at " + server.uri() + "sdapi/v1/; Ctrl-C stops");
        if (exposed && config.apiAuth() == null)
            err.println("jsd serve: warning: listening on all interfaces without --api-auth: anyone who can reach this machine can use it");
        out.println(server.uri());
        out.flush();
        stopped.await();
        return 0;
    }

    /** The server's configuration from the command line; bad values are {@link UsageException}s. */
    static ServerConfig config(List<String> args) {
        Arguments a = options().parse(args);
        Path dir = a.path("--models-dir"), model = a.path("--model");
        if (dir == null && model == null) throw new UsageException("--models-dir DIR or --model PATH is required");
        if (dir != null && !Files.isDirectory(dir)) throw new UsageException(dir + ": no such folder (--models-dir)");
        if (model != null && !Files.exists(model)) throw new UsageException(model + ": no such model file or folder (--model)");
        int port = a.intValue("--port", ServerConfig.DEFAULT_PORT, 0, 65535);
        int queue = a.intValue("--queue-size", ServerConfig.DEFAULT_QUEUE_SIZE, 0, 100000);
        long maxPixels = a.longValue("--max-pixels", ServerConfig.DEFAULT_MAX_PIXELS);
        if (maxPixels < 64) throw new UsageException("--max-pixels must be at least 64");
        long maxBody = parseSize(a.value("--max-body", "64M"));
        int threads = a.intValue("--threads", Runtime.getRuntime().availableProcessors(), 1, 4096);
        String host = a.flag("--listen") ? "0.0.0.0" : "127.0.0.1";
        String auth = a.value("--api-auth", null);
        String device = a.value("--device", "cpu");
        try {
            DeviceSelector.parse(device);
        } catch (DeviceSpecException e) {
            throw new UsageException(e.getMessage());
        }
        if (auth != null)
            for (String pair : auth.split(","))
                if (pair.indexOf(':') <= 0) throw new UsageException("--api-auth wants user:password (pairs separated by commas), got '" + pair + "'");
        return new ServerConfig(host, port, dir, model, a.path("--tokenizer"), auth, queue, maxPixels, threads, device, maxBody);
    }

    /** A size as {@code --max-body} takes it: bytes, or a number with K, M or G (powers of 1024). */
    static long parseSize(String text) {
        String t = text.strip().toUpperCase(java.util.Locale.ROOT);
        if (t.endsWith("IB")) t = t.substring(0, t.length() - 2);
        else if (t.endsWith("B") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) t = t.substring(0, t.length() - 1);
        int shift = t.isEmpty() ? 0 : switch (t.charAt(t.length() - 1)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 0;
        };
        if (shift > 0) t = t.substring(0, t.length() - 1).strip();
        long n;
        try {
            n = Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new UsageException("--max-body wants a size such as 64M, 512K or a number of bytes, got '" + text + "'");
        }
        if (n < 1 || n > (Integer.MAX_VALUE - 8L) >> shift)
            throw new UsageException("--max-body must lie between 1 byte and 2047M, got '" + text + "'");
        return n << shift;
    }

    /** A byte count as people read it: 64 MiB, 512 KiB, 1000 bytes. */
    static String size(long bytes) {
        if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) return (bytes >> 20) + " MiB";
        if (bytes >= 1 << 10 && bytes % (1 << 10) == 0) return (bytes >> 10) + " KiB";
        return bytes + " bytes";
    }
}
