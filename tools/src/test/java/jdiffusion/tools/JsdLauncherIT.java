package jdiffusion.tools;

import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real {@code ./jsd} launcher over the packaged jar (this runs in the integration-test phase, after
 * {@code package}): {@code jsd serve} on a bare models folder with an empty HOME, its output read from pipes, then
 * stopped with SIGTERM or SIGINT sent to the launcher's PID as docker, systemd and shells send them.
 */
class JsdLauncherIT {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final long STARTUP_SECONDS = 180;

    @TempDir Path dir;

    @Test
    void sigtermStopsTheServerAndFreesItsPort() throws Exception {
        stopsOn("TERM");
    }

    @Test
    void sigintStopsTheServerAndFreesItsPort() throws Exception {
        stopsOn("INT");
    }

    private void stopsOn(String signal) throws Exception {
        // run by the build's "launcher" execution, after package has built tools/target/jsd.jar afresh
        assumeTrue(Boolean.getBoolean("jsd.test.packaged"), "drives the packaged jar: runs in the integration-test phase (./build verify)");
        Path models = Files.createDirectories(dir.resolve("webui/models/Stable-diffusion"));
        Files.createSymbolicLink(models.resolve("tiny.safetensors"), Golden.model("tiny-sd15.safetensors").toAbsolutePath());
        Files.createSymbolicLink(models.resolve("tiny.yaml"), Golden.model("tiny-sd15.yaml").toAbsolutePath());
        int port = freePort();

        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("jsd").toString(), "serve", "--models-dir", dir.resolve("webui").toString(),
                "--port", String.valueOf(port), "--threads", "1");
        Map<String, String> env = pb.environment();
        env.put("HOME", Files.createDirectories(dir.resolve("home")).toString());
        env.remove("JSD_REBUILD");
        env.remove("HF_HOME");
        env.remove("HF_HUB_CACHE");
        Process jsd = pb.start();
        List<String> err = new CopyOnWriteArrayList<>();
        BlockingQueue<String> errLines = new LinkedBlockingQueue<>(), outLines = new LinkedBlockingQueue<>();
        pump(jsd.getErrorStream(), errLines, err);
        pump(jsd.getInputStream(), outLines, new CopyOnWriteArrayList<>());
        try {
            // piped output arrives line by line while jsd runs, not when it ends
            String listening = errLines.poll(STARTUP_SECONDS, TimeUnit.SECONDS);
            assertNotNull(listening, "no stderr line within " + STARTUP_SECONDS + " s");
            assertTrue(listening.startsWith("jsd serve: listening on http://127.0.0.1:" + port + "/"), listening);
            assertEquals("http://127.0.0.1:" + port + "/", outLines.poll(30, TimeUnit.SECONDS));
            assertTrue(jsd.isAlive());
            assertTrue(accepts(port), "the server accepts connections");

            // the launcher is the JVM (exec), so the signal reaches it; the stderr filter is its only child
            assertTrue(jsd.info().command().orElse("").endsWith("/java"), "the launcher execs java: " + jsd.info().command());
            if (signal.equals("TERM")) {
                // the model loads from the bare folder with an empty HOME: the tokenizer comes from the jar
                var http = java.net.http.HttpClient.newHttpClient();
                var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/sdapi/v1/txt2img"))
                        .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                "{\"prompt\": \"a red barn\", \"width\": 64, \"height\": 64, \"steps\": 2, \"seed\": 1}")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
            }
            List<ProcessHandle> children = jsd.descendants().toList();
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(jsd.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor());
            assertTrue(jsd.waitFor(60, TimeUnit.SECONDS), "jsd still runs 60 s after SIG" + signal);
            for (ProcessHandle child : children) {
                try {
                    child.onExit().get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    fail("child " + child.pid() + " " + child.info().command().orElse("") + " outlived jsd by 10 s");
                }
            }
            assertFalse(accepts(port), "the port is closed");
            assertFalse(String.join("\n", err).contains("incubator"), "the Vector API incubator warning is filtered: " + err);
        } finally {
            jsd.descendants().forEach(ProcessHandle::destroyForcibly);
            jsd.destroyForcibly();
        }
    }

    private static void pump(java.io.InputStream in, BlockingQueue<String> lines, List<String> all) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    all.add(line);
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "jsd-output");
        t.setDaemon(true);
        t.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
