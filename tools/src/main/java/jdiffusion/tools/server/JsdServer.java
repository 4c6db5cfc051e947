package jdiffusion.tools.server;

import jdiffusion.kernels.opencl.DeviceSelector;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * {@code jsd serve}: the WebUI's HTTP API ({@link SdApi}) and a web page, on the JDK's own HTTP server. Each request
 * gets a virtual thread (a generation request waits for its job without holding a platform thread); generation runs
 * on the single {@link JobQueue} worker.
 *
 * <pre>{@code
 * try (JsdServer s = JsdServer.start(ServerConfig.loopback(null, Path.of("model.safetensors"), null, 4))) {
 *     System.out.println(s.uri());   // http://127.0.0.1:PORT/
 * }
 * }</pre>
 */
public final class JsdServer implements AutoCloseable {
    private static final Pattern STATIC = Pattern.compile("/[a-z0-9-]+\\.(html|js|css|png|svg|ico)");
    private static final int MAX_BODY = 64 << 20;

    private final HttpServer http;
    private final ExecutorService handlers;
    private final Backend backend;
    private final ModelSlot slot;
    private final JobQueue queue;
    private final SdApi api;
    private final List<String> credentials = new ArrayList<>();

    private JsdServer(ServerConfig config) throws IOException {
        ModelCatalog catalog = new ModelCatalog(config.modelsDir(), config.model());
        List<ModelCatalog.Checkpoint> checkpoints = catalog.checkpoints();
        if (checkpoints.isEmpty())
            throw new ServerException((config.modelsDir() != null ? config.modelsDir() : config.model())
                    + ": no checkpoints found (.safetensors/.ckpt files or diffusers folders, in models/Stable-diffusion for a WebUI folder)");
        if (config.apiAuth() != null) {
            for (String pair : config.apiAuth().split(",")) {
                if (pair.indexOf(':') <= 0) throw new ServerException("--api-auth wants user:password (several separated by commas), got '" + pair + "'");
                credentials.add(pair.strip());
            }
        }
        this.backend = config.device().equals("cpu") ? new CpuBackend(config.threads()) : DeviceSelector.open(config.device());
        this.slot = new ModelSlot(backend, config.tokenizer(), catalog);
        this.queue = new JobQueue(config.queueSize(), new JobProgress());
        WebUiSettings settings = new WebUiSettings(catalog, checkpoints.getFirst());
        this.api = new SdApi(catalog, settings, slot, queue, new GenerationRequest.Limits(config.maxPixels(), 64, 10000),
                catalog.networks());
        this.handlers = Executors.newVirtualThreadPerTaskExecutor();
        try {
            this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
        } catch (IOException e) {
            close();
            throw new ServerException("cannot listen on " + config.host() + ":" + config.port() + " (" + e.getMessage() + "): is another server using the port?");
        }
        http.createContext("/", this::handle);
        http.setExecutor(handlers);
    }

    /** Binds and starts serving; throws {@link ServerException} when the port is taken or no model is found. */
    public static JsdServer start(ServerConfig config) throws IOException {
        JsdServer s = new JsdServer(config);
        s.http.start();
        return s;
    }

    public int port() { return http.getAddress().getPort(); }

    /** The page's address, e.g. {@code http://127.0.0.1:7860/}. */
    public URI uri() {
        String host = http.getAddress().getAddress().isAnyLocalAddress() ? "127.0.0.1" : http.getAddress().getHostString();
        return URI.create("http://" + host + ":" + port() + "/");
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            try {
                if (!credentials.isEmpty() && !authorised(ex.getRequestHeaders().getFirst("Authorization"))) {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"jsd\"");
                    throw new ApiException(401, "Unauthorized", "Incorrect username or password");
                }
                String path = ex.getRequestURI().getPath();
                if (path.startsWith("/sdapi/") || path.startsWith("/controlnet/")) {
                    Object body = api.handle(ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(), () -> readBody(ex));
                    sendJson(ex, 200, body);
                } else {
                    serveStatic(ex, path);
                }
            } catch (ApiException e) {
                sendJson(ex, e.status(), ApiResponses.error(e.error(), e.detail()));
            } catch (IOException e) {
                throw e; // the client went away: nothing to answer
            } catch (Throwable e) {
                sendJson(ex, 500, ApiResponses.error(e.getClass().getSimpleName(), String.valueOf(e.getMessage())));
            }
        }
    }

    private boolean authorised(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) return false;
        byte[] given;
        try {
            given = Base64.getDecoder().decode(header.substring(6).strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
        boolean ok = false;
        // compare against every pair in constant time, so timing tells nothing about which part was wrong
        for (String c : credentials) ok |= MessageDigest.isEqual(given, c.getBytes(StandardCharsets.UTF_8));
        return ok;
    }

    private static String readBody(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] data = in.readNBytes(MAX_BODY + 1);
            if (data.length > MAX_BODY) throw new ApiException(413, "PayloadTooLarge", "the request body is over " + (MAX_BODY >> 20) + " MiB");
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private static void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        byte[] data = Json.write(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        send(ex, status, data);
    }

    private static void send(HttpExchange ex, int status, byte[] data) throws IOException {
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, data.length == 0 ? -1 : data.length);
        if (data.length > 0) try (OutputStream out = ex.getResponseBody()) { out.write(data); }
    }

    private void serveStatic(HttpExchange ex, String path) throws IOException {
        if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD"))
            throw new ApiException(405, "MethodNotAllowed", ex.getRequestMethod() + " " + path + " is not allowed");
        String name = path.equals("/") ? "/index.html" : path;
        if (!STATIC.matcher(name).matches()) throw ApiException.notFound("Not Found: " + path);
        byte[] data;
        try (InputStream in = JsdServer.class.getResourceAsStream("web" + name)) {
            if (in == null) throw ApiException.notFound("Not Found: " + path);
            data = in.readAllBytes();
        }
        String type = switch (name.substring(name.lastIndexOf('.') + 1)) {
            case "html" -> "text/html; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "png" -> "image/png";
            case "svg" -> "image/svg+xml";
            default -> "application/octet-stream";
        };
        ex.getResponseHeaders().set("Content-Type", type);
        send(ex, 200, ex.getRequestMethod().equals("HEAD") ? new byte[0] : data);
    }

    /** Stops accepting requests, interrupts the running job, unloads the model. */
    @Override public void close() {
        if (http != null) http.stop(0);
        if (queue != null) queue.close();
        if (slot != null) slot.close();
        if (handlers != null) handlers.shutdownNow();
        if (backend != null) backend.close();
    }
}
