package jdiffusion.tools.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A server with --queue-size 1 and --api-auth: the bound answers 503, credentials are checked on every API path. */
class QueueAndAuthTest {
    @TempDir static Path dir;
    static TinyServer s;

    @BeforeAll static void start() throws Exception { s = TinyServer.start(dir, 1, "alice:s3cret"); }

    @AfterAll static void stop() { if (s != null) s.close(); }

    static CompletableFuture<TinyServer.Reply> async(Map<String, Object> body) {
        return CompletableFuture.supplyAsync(() -> {
            try { return s.post("/sdapi/v1/txt2img", body); }
            catch (Exception e) { throw new RuntimeException(e); }
        });
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> state() throws Exception { return (Map<String, Object>) s.get("/sdapi/v1/progress").json().get("state"); }

    @Test
    void pastTheQueueBoundRequestsGet503AndQueuedJobsStillRun() throws Exception {
        CompletableFuture<TinyServer.Reply> running = async(Map.of("width", 64L, "height", 64L, "steps", 1000L));
        while ((Long) state().get("sampling_step") < 1 && !running.isDone()) Thread.sleep(20);
        CompletableFuture<TinyServer.Reply> waiting = async(Map.of("width", 64L, "height", 64L, "steps", 1L, "seed", 2L));
        while ((Long) state().get("queued") < 1 && !waiting.isDone()) Thread.sleep(20);

        TinyServer.Reply refused = s.post("/sdapi/v1/txt2img", Map.of("width", 64L, "height", 64L, "steps", 1L));
        assertEquals(503, refused.status(), refused.text());
        assertEquals("QueueFull", refused.json().get("error"));
        assertTrue(((String) refused.json().get("detail")).contains("queue is full"));

        assertEquals(200, s.post("/sdapi/v1/interrupt", Map.of()).status());
        TinyServer.Reply first = running.get();
        assertEquals(200, first.status(), first.text());
        TinyServer.Reply second = waiting.get();
        assertEquals(200, second.status(), second.text());
        assertEquals(1, ((List<?>) second.json().get("images")).size(), "the queued job ran after the interrupted one");
    }

    @Test
    void withApiAuthTheApiWantsTheCredentialsAndThePageAsksInItsOwnForm() throws Exception {
        for (String path : List.of("/sdapi/v1/progress", "/sdapi/v1/sd-models", "/sdapi/v1/nothing")) {
            var none = s.http.send(HttpRequest.newBuilder(s.uri(path)).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, none.statusCode(), path);
            assertEquals("Basic realm=\"jsd\"", none.headers().firstValue("WWW-Authenticate").orElse(""));
            assertTrue(none.body().contains("\"error\""), none.body());
            // the page's own requests: no WWW-Authenticate, so the browser shows no dialog and the page's form asks
            var fromPage = s.http.send(HttpRequest.newBuilder(s.uri(path)).header(JsdServer.PAGE_HEADER, "XMLHttpRequest").GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, fromPage.statusCode(), path);
            assertTrue(fromPage.headers().firstValue("WWW-Authenticate").isEmpty(), path);
            String wrong = "Basic " + Base64.getEncoder().encodeToString("alice:nope".getBytes(StandardCharsets.UTF_8));
            var bad = s.http.send(HttpRequest.newBuilder(s.uri(path)).header("Authorization", wrong).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, bad.statusCode(), path);
            assertEquals(path.endsWith("nothing") ? 404 : 200, s.get(path).status(), path);
        }
        var garbage = s.http.send(HttpRequest.newBuilder(s.uri("/sdapi/v1/progress")).header("Authorization", "Basic %%%").GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(401, garbage.statusCode());
        // the page, its documentation and the health check load without credentials (the page then asks for them)
        for (String path : List.of("/", "/app.js", "/docs", "/openapi.json", "/internal/ping")) {
            var open = s.http.send(HttpRequest.newBuilder(s.uri(path)).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, open.statusCode(), path);
        }
        var doc = s.http.send(HttpRequest.newBuilder(s.uri("/openapi.json")).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertTrue(doc.body().contains("\"securitySchemes\""), "the schema says the API wants basic authentication");
    }
}
