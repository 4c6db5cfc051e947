package jdiffusion.tools.server;

import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A server over a WebUI-shaped folder holding the tiny test model twice ({@code tiny} and {@code tiny-fp16}), a
 * LoRA file, an embedding file and a broken VAE, on loopback at a free port; with a java.net.http client.
 */
final class TinyServer implements AutoCloseable {
    final Path root;
    final JsdServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String auth;

    record Reply(int status, Map<String, Object> json, List<Object> list, String text) {}

    private TinyServer(Path root, JsdServer server, String auth) {
        this.root = root;
        this.server = server;
        this.auth = auth;
    }

    static Path model() { return Golden.model("tiny-sd15.safetensors"); }

    static Path tokenizer() { return Golden.model("clip-tokenizer-sd1"); }

    /** A WebUI folder in {@code dir}: models/Stable-diffusion/{tiny,tiny-fp16}.safetensors (+ yaml), models/Lora, embeddings, models/VAE. */
    static Path webUiFolder(Path dir) throws IOException {
        Path sd = Files.createDirectories(dir.resolve("models/Stable-diffusion"));
        Path model = model();
        Files.createSymbolicLink(sd.resolve("tiny.safetensors"), model);
        Files.createSymbolicLink(sd.resolve("tiny.yaml"), model.resolveSibling("tiny-sd15.yaml"));
        Files.createSymbolicLink(sd.resolve("tiny-fp16.safetensors"), model.resolveSibling("tiny-sd15.fp16.safetensors"));
        Files.createSymbolicLink(sd.resolve("tiny-fp16.yaml"), model.resolveSibling("tiny-sd15.yaml"));
        Files.write(Files.createDirectories(dir.resolve("models/Lora")).resolve("paper-cut.safetensors"), new byte[16]);
        Path embeddings = Files.createDirectories(dir.resolve("embeddings"));
        Files.write(embeddings.resolve("bad-hands.pt"), new byte[16]);
        SafeTensorsWriter.write(embeddings.resolve("style.safetensors"), Map.of("emb_params", Tensor.of(new float[3 * 32], 3, 32)));
        Files.writeString(embeddings.resolve("torn.safetensors"), "truncated");
        Files.write(Files.createDirectories(dir.resolve("models/VAE")).resolve("broken.safetensors"), "not a safetensors file".getBytes());
        return dir;
    }

    static TinyServer start(Path dir, int queueSize, String auth) throws IOException {
        return start(dir, c -> c.withQueueSize(queueSize).withAuth(auth));
    }

    /** A server over the WebUI folder with the test defaults (2 threads, 256x256 pixels at most) changed by {@code config}. */
    static TinyServer start(Path dir, java.util.function.UnaryOperator<ServerConfig> config) throws IOException {
        Path root = webUiFolder(dir);
        ServerConfig c = config.apply(ServerConfig.loopback(root, null, tokenizer(), 2).withQueueSize(4).withMaxPixels(256 * 256));
        return new TinyServer(root, JsdServer.start(c), c.apiAuth());
    }

    URI uri(String path) { return server.uri().resolve(path); }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(120));
        if (auth != null) b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(auth.getBytes(StandardCharsets.UTF_8)));
        return b;
    }

    Reply get(String path) throws IOException, InterruptedException { return send(request(path).GET().build()); }

    Reply post(String path, Object body) throws IOException, InterruptedException {
        return postRaw(path, Json.write(body));
    }

    Reply postRaw(String path, String body) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @SuppressWarnings("unchecked")
    Reply send(HttpRequest r) throws IOException, InterruptedException {
        HttpResponse<String> res = http.send(r, HttpResponse.BodyHandlers.ofString());
        Object parsed = null;
        String ct = res.headers().firstValue("Content-Type").orElse("");
        if (ct.startsWith("application/json")) parsed = Json.parse(res.body());
        return new Reply(res.statusCode(), parsed instanceof Map<?, ?> m ? (Map<String, Object>) m : null,
                parsed instanceof List<?> l ? (List<Object>) l : null, res.body());
    }

    /**
     * A step count whose sampling lasts about {@code seconds} on this machine (measured from two short runs), so tests
     * that watch progress see several steps whether the machine is fast or busy.
     */
    int stepsLasting(double seconds) throws IOException, InterruptedException {
        // the first run loads the model and warms the JIT; the next two differ only in their step count
        long[] steps = {2, 2, 26};
        double[] t = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            long start = System.nanoTime();
            Reply r = post("/sdapi/v1/txt2img", Map.of("width", 64L, "height", 64L, "steps", steps[i], "seed", 1L,
                    "override_settings", Map.of("sd_model_checkpoint", "tiny")));
            if (r.status() != 200) throw new IllegalStateException("warm-up run failed: " + r.text());
            t[i] = (System.nanoTime() - start) / 1e9;
        }
        double perStep = Math.max(0.002, (t[2] - t[1]) / 24);
        System.out.printf("stepsLasting(%.1f): runs %s s -> %.3f s/step%n", seconds, java.util.Arrays.toString(t), perStep);
        return (int) Math.max(8, Math.min(400, Math.ceil(seconds / perStep)));
    }

    @Override public void close() { server.close(); }
}
