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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

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
    /** A request from the page's own scripts: answered 401 without WWW-Authenticate, so the browser shows no dialog and the page asks itself. */
    static final String PAGE_HEADER = "X-Requested-With";

    private final HttpServer http;
    private final ExecutorService handlers;
    private final Backend backend;
    private final ModelSlot slot;
    private final JobQueue queue;
    private final SdApi api;
    private final List<String> credentials = new ArrayList<>();
    private final long maxBody;
    private final List<Route> routes = new ArrayList<>();
    private final Map<String, Map<String, Route>> byPath = new LinkedHashMap<>();

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
        this.maxBody = config.maxBody();
        routes.addAll(pageRoutes());
        routes.add(Route.get("/internal/ping", "Answers {} while the server runs (the WebUI's health check)", Schema.ref("Empty"), c -> Map.of()));
        routes.add(Route.get("/openapi.json", "This document", Schema.map(Schema.any()), c -> OpenApi.document(routes, !credentials.isEmpty())));
        routes.addAll(api.routes());
        for (Route r : routes)
            if (byPath.computeIfAbsent(r.path(), k -> new LinkedHashMap<>()).put(r.method(), r) != null)
                throw new IllegalStateException("two routes for " + r.method() + " " + r.path());
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

    /** Whether a model is in memory (unload-checkpoint frees it). */
    boolean modelLoaded() { return slot.loaded(); }

    /** Every route the server answers, in the order {@code /openapi.json} lists them. */
    List<Route> routes() { return List.copyOf(routes); }

    private static List<Route> pageRoutes() {
        return List.of(
                page("/", "index.html", "The page: generate, img2img, inpaint, paste generation data"),
                page("/app.js", "app.js", "The page's script"),
                page("/style.css", "style.css", "The page's style"),
                page("/docs", "docs.html", "This API's documentation, rendered from /openapi.json"),
                page("/docs.js", "docs.js", "The documentation page's script"));
    }

    private static Route page(String path, String resource, String summary) {
        String type = switch (resource.substring(resource.lastIndexOf('.') + 1)) {
            case "html" -> "text/html; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            default -> throw new IllegalArgumentException(resource);
        };
        return Route.page(path, summary, type, c -> {
            try (InputStream in = JsdServer.class.getResourceAsStream("web/" + resource)) {
                if (in == null) throw new IllegalStateException("the page's " + resource + " is missing from the jar");
                return new Route.Raw(type, in.readAllBytes());
            }
        });
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            try {
                String path = ex.getRequestURI().getPath();
                if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
                if (Route.needsAuth(path) && !credentials.isEmpty() && !authorised(ex.getRequestHeaders().getFirst("Authorization"))) {
                    if (!ex.getRequestHeaders().containsKey(PAGE_HEADER)) ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"jsd\"");
                    throw new ApiException(401, "Unauthorized", "Incorrect username or password");
                }
                Map<String, Route> methods = byPath.get(path);
                if (methods == null) throw ApiException.notFound("Not Found: " + path);
                boolean head = ex.getRequestMethod().equals("HEAD");
                Route route = methods.get(head ? "GET" : ex.getRequestMethod());
                if (route == null) {
                    ex.getResponseHeaders().set("Allow", String.join(", ", methods.keySet()));
                    throw new ApiException(405, "MethodNotAllowed", ex.getRequestMethod() + " is not allowed on " + path);
                }
                Object answer = route.handler().answer(new Route.Call(ex.getRequestURI().getRawQuery(), () -> readBody(ex)));
                if (answer instanceof Route.Raw raw) {
                    ex.getResponseHeaders().set("Content-Type", raw.contentType());
                    send(ex, 200, head ? new byte[0] : raw.data());
                } else {
                    sendJson(ex, 200, answer);
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

    /**
     * The request body, refused with 413 past {@code --max-body}: from its Content-Length before reading anything, and
     * by counting for a chunked body, so an oversized request costs at most the limit.
     */
    private String readBody(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Content-Length '" + length + "' is not a number");
            }
            if (declared > maxBody) throw tooLarge(ex);
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBody + 1));
            if (data.length > maxBody) throw tooLarge(ex);
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** The body is left unread: the connection closes after the answer, so a client does not send its next request on it. */
    private ApiException tooLarge(HttpExchange ex) {
        ex.getResponseHeaders().set("Connection", "close");
        return new ApiException(413, "PayloadTooLarge", "the request body is over the server's limit of " + ServeCommand.size(maxBody)
                + " (--max-body)");
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

    /** Stops accepting requests, interrupts the running job, unloads the model. */
    @Override public void close() {
        if (http != null) http.stop(0);
        if (queue != null) queue.close();
        if (slot != null) slot.close();
        if (handlers != null) handlers.shutdownNow();
        if (backend != null) backend.close();
    }
}
