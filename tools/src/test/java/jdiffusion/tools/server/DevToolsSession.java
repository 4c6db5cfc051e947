package jdiffusion.tools.server;

import jdiffusion.tensor.json.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Chromium driven over the Chrome DevTools Protocol: a WebSocket from java.net.http, JSON commands with ids,
 * replies matched by id (events are ignored). Enough to load a page, run JavaScript in it and take a screenshot.
 */
final class DevToolsSession implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://[^\\s]+)");

    private final Process browser;
    private final WebSocket socket;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();

    private DevToolsSession(Process browser, WebSocket socket) {
        this.browser = browser;
        this.socket = socket;
    }

    static DevToolsSession launch(Path chromium, Path profile) throws Exception {
        Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1200,860",
                "about:blank").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            CompletableFuture<String> wsUrl = new CompletableFuture<>();
            Thread drain = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        Matcher m = LISTENING.matcher(line);
                        if (m.find()) wsUrl.complete(m.group(1));
                    }
                } catch (IOException ignored) {
                    // the browser went away
                }
                wsUrl.completeExceptionally(new IllegalStateException("chromium exited without a DevTools address"));
            }, "chromium-stderr");
            drain.setDaemon(true);
            drain.start();
            URI browserUri = URI.create(wsUrl.get(60, TimeUnit.SECONDS));
            HttpClient http = HttpClient.newHttpClient();
            String pageUrl = null;
            for (int attempt = 0; attempt < 100 && pageUrl == null; attempt++) {
                String list = http.send(HttpRequest.newBuilder(URI.create("http://" + browserUri.getAuthority() + "/json/list")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                for (Object o : (List<?>) Json.parse(list))
                    if (o instanceof Map<?, ?> t && "page".equals(t.get("type"))) pageUrl = (String) t.get("webSocketDebuggerUrl");
                if (pageUrl == null) Thread.sleep(100);
            }
            if (pageUrl == null) throw new IllegalStateException("chromium shows no page target");
            DevToolsSession[] self = new DevToolsSession[1];
            WebSocket ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(20))
                    .buildAsync(URI.create(pageUrl), new WebSocket.Listener() {
                        private final StringBuilder partial = new StringBuilder();

                        @Override public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            partial.append(data);
                            if (last) {
                                String text = partial.toString();
                                partial.setLength(0);
                                while (self[0] == null) Thread.onSpinWait();
                                self[0].receive(text);
                            }
                            w.request(1);
                            return null;
                        }
                    }).get(30, TimeUnit.SECONDS);
            self[0] = new DevToolsSession(p, ws);
            return self[0];
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
    }

    private void receive(String text) {
        Map<String, Object> m = Json.parseObject(text);
        if (m.get("id") instanceof Long id) {
            CompletableFuture<Map<String, Object>> f = pending.remove(id);
            if (f != null) f.complete(m);
        }
    }

    /** Sends {@code method} with {@code params}; returns its {@code result}, or throws with the protocol's error. */
    @SuppressWarnings("unchecked")
    Map<String, Object> call(String method, Map<String, Object> params) throws Exception {
        long id = ids.incrementAndGet();
        CompletableFuture<Map<String, Object>> reply = new CompletableFuture<>();
        pending.put(id, reply);
        Map<String, Object> msg = new LinkedHashMap<>();
        msg.put("id", id);
        msg.put("method", method);
        msg.put("params", params);
        socket.sendText(Json.write(msg), true).get(30, TimeUnit.SECONDS);
        Map<String, Object> m = reply.get(60, TimeUnit.SECONDS);
        if (m.get("error") != null) throw new IllegalStateException(method + ": " + m.get("error"));
        return (Map<String, Object>) m.get("result");
    }

    /** The value of a JavaScript expression evaluated in the page (awaited when it is a promise). */
    Object eval(String expression) throws Exception {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("expression", expression);
        params.put("returnByValue", true);
        params.put("awaitPromise", true);
        Map<String, Object> r = call("Runtime.evaluate", params);
        if (r.get("exceptionDetails") != null) throw new IllegalStateException("page script failed: " + r.get("exceptionDetails"));
        return ((Map<?, ?>) r.get("result")).get("value");
    }

    @Override public void close() {
        try {
            call("Browser.close", Map.of());
        } catch (Exception ignored) {
            // closing anyway
        }
        socket.abort();
        try {
            if (!browser.waitFor(10, TimeUnit.SECONDS)) browser.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            browser.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
