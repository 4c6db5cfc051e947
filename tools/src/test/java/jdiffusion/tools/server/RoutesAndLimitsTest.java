package jdiffusion.tools.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** /openapi.json against what is served, /docs, ping, unload/reload, the body limit, png-info on bytes that are no image. */
class RoutesAndLimitsTest {
    @TempDir static Path dir;
    static TinyServer s;
    static final long LIMIT = 1 << 20;

    @BeforeAll static void start() throws Exception { s = TinyServer.start(dir, c -> c.withMaxBody(LIMIT)); }

    @AfterAll static void stop() { if (s != null) s.close(); }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) { return (Map<String, Object>) o; }

    @Test
    void openApiListsExactlyTheServedRoutesAndEachAnswers() throws Exception {
        TinyServer.Reply doc = s.get("/openapi.json");
        assertEquals(200, doc.status(), doc.text());
        assertEquals("3.0.3", doc.json().get("openapi"));
        Set<String> documented = new TreeSet<>();
        map(doc.json().get("paths")).forEach((path, item) -> map(item).keySet().forEach(m -> documented.add(m.toUpperCase() + " " + path)));
        Set<String> table = new TreeSet<>();
        for (Route r : s.server.routes()) table.add(r.method() + " " + r.path());
        assertEquals(table, documented);
        for (String needed : List.of("GET /internal/ping", "POST /sdapi/v1/unload-checkpoint", "POST /sdapi/v1/reload-checkpoint",
                "GET /openapi.json", "GET /docs", "POST /sdapi/v1/txt2img", "GET /sdapi/v1/progress"))
            assertTrue(documented.contains(needed), needed);

        // every documented route is served (neither 404 nor 405); another method on its path is 405 with Allow
        for (String route : documented) {
            String method = route.substring(0, route.indexOf(' ')), path = route.substring(route.indexOf(' ') + 1);
            TinyServer.Reply r = method.equals("GET") ? s.get(path) : s.postRaw(path, "{}");
            assertNotEquals(404, r.status(), route + " -> " + r.text());
            assertNotEquals(405, r.status(), route + " -> " + r.text());
            HttpResponse<String> other = s.http.send(s.request(path).method("DELETE", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(405, other.statusCode(), route);
            assertTrue(other.headers().firstValue("Allow").orElse("").contains(method), route);
        }
        // and what is not documented is not served
        for (String path : List.of("/sdapi/v1/txt2img/x", "/sdapi/v1/nothing", "/index.html", "/../pom.xml", "/internal/sysinfo", "/docs.html"))
            assertEquals(404, s.get(path).status(), path);

        // every reference resolves, and the JSON GET answers fit their documented schemas
        Map<String, Object> components = map(map(doc.json().get("components")).get("schemas"));
        String text = doc.text();
        for (int i = text.indexOf("#/components/schemas/"); i >= 0; i = text.indexOf("#/components/schemas/", i + 1)) {
            String name = text.substring(i + 21, text.indexOf('"', i));
            assertTrue(components.containsKey(name), "$ref " + name);
        }
        for (Route r : s.server.routes()) {
            if (!r.method().equals("GET") || !r.contentType().equals(Route.JSON) || r.path().equals("/openapi.json")) continue;
            TinyServer.Reply reply = s.get(r.path());
            Object value = reply.json() != null ? reply.json() : reply.list();
            List<String> problems = new ArrayList<>();
            conforms(value, r.response().json(), components, r.path(), problems);
            assertEquals(List.of(), problems, r.path() + ": " + reply.text());
        }
        TinyServer.Reply generated = s.post("/sdapi/v1/txt2img", Map.of("width", 64L, "height", 64L, "steps", 1L));
        List<String> problems = new ArrayList<>();
        conforms(generated.json(), Map.of("$ref", "#/components/schemas/GenerationResponse"), components, "txt2img", problems);
        assertEquals(List.of(), problems);
    }

    /** A small JSON Schema check: types, nullability, required and declared properties (objects with properties are closed). */
    static void conforms(Object v, Map<String, Object> schema, Map<String, Object> components, String at, List<String> problems) {
        if (schema.containsKey("$ref")) {
            String name = ((String) schema.get("$ref")).substring(21);
            conforms(v, map(components.get(name)), components, at, problems);
            return;
        }
        if (v == null) {
            if (schema.containsKey("type") && !Boolean.TRUE.equals(schema.get("nullable"))) problems.add(at + ": null");
            return;
        }
        String type = (String) schema.get("type");
        if (type == null) return;
        boolean ok = switch (type) {
            case "string" -> v instanceof String;
            case "integer" -> v instanceof Long;
            case "number" -> v instanceof Number;
            case "boolean" -> v instanceof Boolean;
            case "array" -> v instanceof List<?>;
            case "object" -> v instanceof Map<?, ?>;
            default -> false;
        };
        if (!ok) {
            problems.add(at + ": " + v.getClass().getSimpleName() + " is not " + type);
            return;
        }
        if (v instanceof List<?> l) for (int i = 0; i < l.size(); i++) conforms(l.get(i), map(schema.get("items")), components, at + "[" + i + "]", problems);
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> props = schema.containsKey("properties") ? map(schema.get("properties")) : null;
            if (schema.containsKey("required")) for (Object req : (List<?>) schema.get("required")) if (!m.containsKey(req)) problems.add(at + ": no " + req);
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String key = (String) e.getKey();
                if (props != null) {
                    if (!props.containsKey(key)) problems.add(at + ": undocumented " + key);
                    else conforms(e.getValue(), map(props.get(key)), components, at + "." + key, problems);
                } else if (schema.containsKey("additionalProperties")) {
                    conforms(e.getValue(), map(schema.get("additionalProperties")), components, at + "." + key, problems);
                }
            }
        }
    }

    @Test
    void docsPageIsSelfContainedAndPingAnswers() throws Exception {
        TinyServer.Reply docs = s.get("/docs");
        assertEquals(200, docs.status());
        assertTrue(docs.text().contains("docs.js"));
        for (String page : List.of(docs.text(), s.get("/docs.js").text(), s.get("/").text(), s.get("/app.js").text(), s.get("/style.css").text()))
            assertFalse(page.matches("(?s).*(src|href)=\"(https?:)?//.*") || page.contains("fetch('http") || page.contains("@import"),
                    "nothing is fetched from outside the server");
        TinyServer.Reply ping = s.get("/internal/ping");
        assertEquals(200, ping.status());
        assertEquals(Map.of(), ping.json());
    }

    @Test
    void unloadFreesTheModelAndReloadOrTheNextJobLoadsIt() throws Exception {
        assertEquals(200, s.post("/sdapi/v1/txt2img", Map.of("width", 64L, "height", 64L, "steps", 1L)).status());
        assertTrue(s.server.modelLoaded());
        TinyServer.Reply unload = s.post("/sdapi/v1/unload-checkpoint", Map.of());
        assertEquals(200, unload.status(), unload.text());
        assertEquals(Map.of(), unload.json());
        assertFalse(s.server.modelLoaded());
        assertEquals(200, s.post("/sdapi/v1/reload-checkpoint", Map.of()).status());
        assertTrue(s.server.modelLoaded());
        assertEquals(200, s.post("/sdapi/v1/unload-checkpoint", Map.of()).status());
        assertEquals(200, s.post("/sdapi/v1/txt2img", Map.of("width", 64L, "height", 64L, "steps", 1L)).status(), "a job after an unload loads the model");
        assertTrue(s.server.modelLoaded());
    }

    /** Sends raw HTTP and reads the status line; the request body is written on another thread, which may find the connection closed. */
    static String statusLine(String head, byte[][] chunks) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    for (byte[] c : chunks) out.write(c);
                    out.flush();
                } catch (IOException e) {
                    // the server answered and closed before reading it all: what the limit is for
                }
            });
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b; (b = in.read()) >= 0 && b != '\n'; ) line.write(b);
            writer.cancel(true);
            return line.toString(StandardCharsets.US_ASCII).strip();
        }
    }

    @Test
    void bodiesOverTheLimitGet413BeforeTheyAreRead() throws Exception {
        // a declared length over the limit: answered at once, with no byte of the body sent
        String declared = statusLine("POST /sdapi/v1/txt2img HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + (100L << 20) + "\r\n\r\n", new byte[0][]);
        assertEquals("HTTP/1.1 413 Request Entity Too Large", declared);

        // chunked: counted as it comes, refused once past the limit (the client may still be sending)
        byte[] data = new byte[64 << 10];
        java.util.Arrays.fill(data, (byte) 'a');
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            chunks.add((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            chunks.add(data);
            chunks.add("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        chunks.add("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String chunked = statusLine("POST /sdapi/v1/png-info HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                chunks.toArray(new byte[0][]));
        assertEquals("HTTP/1.1 413 Request Entity Too Large", chunked);

        TinyServer.Reply over = s.postRaw("/sdapi/v1/png-info", "{\"image\":\"" + "A".repeat((int) LIMIT) + "\"}");
        assertEquals(413, over.status());
        assertEquals("PayloadTooLarge", over.json().get("error"));
        assertTrue(((String) over.json().get("detail")).contains("1 MiB (--max-body)"), over.text());

        // just under the limit the body is read and judged on its content
        TinyServer.Reply under = s.postRaw("/sdapi/v1/png-info", "{\"image\":\"" + "A".repeat((int) LIMIT - 100) + "\"}");
        assertEquals(400, under.status(), under.text());
        assertEquals(200, s.get("/internal/ping").status(), "the server goes on");
    }

    @Test
    void pngInfoOnBytesThatAreNoImageIsAnErrorAndAJpegHasNoParameters() throws Exception {
        String text = Base64.getEncoder().encodeToString("this is a text file, not an image at all".getBytes(StandardCharsets.UTF_8));
        TinyServer.Reply notImage = s.post("/sdapi/v1/png-info", Map.of("image", text));
        assertEquals(400, notImage.status(), notImage.text());
        assertTrue(((String) notImage.json().get("detail")).contains("not an image"), notImage.text());

        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "jpeg", jpeg);
        TinyServer.Reply info = s.post("/sdapi/v1/png-info", Map.of("image", Base64.getEncoder().encodeToString(jpeg.toByteArray())));
        assertEquals(200, info.status(), info.text());
        assertEquals("", info.json().get("info"));
        assertNotNull(info.json().get("parameters"));
    }

    @Test
    void maxBodySizesParse() {
        assertEquals(64L << 20, ServeCommand.parseSize("64M"));
        assertEquals(512L << 10, ServeCommand.parseSize("512k"));
        assertEquals(1L << 30, ServeCommand.parseSize("1024MiB"));
        assertEquals(1L << 30, ServeCommand.parseSize("1G"));
        assertEquals(1000L, ServeCommand.parseSize("1000"));
        for (String bad : List.of("", "lots", "-1", "0", "3G", "12Q"))
            try {
                ServeCommand.parseSize(bad);
                fail(bad);
            } catch (jdiffusion.tools.UsageException e) {
                assertTrue(e.getMessage().contains("--max-body"), e.getMessage());
            }
        assertEquals("64 MiB", ServeCommand.size(64L << 20));
    }
}
