package jdiffusion.tools.startup;

import jdiffusion.tensor.DType;
import jdiffusion.tools.Main;
import jdiffusion.tools.randommodel.LdmLayout;
import jdiffusion.tools.randommodel.RandomModel;
import jdiffusion.tools.server.JsdServer;
import jdiffusion.tools.server.ServerConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The training run of the JDK's AOT cache ({@code -XX:AOTCacheOutput}, JEP 483/514/515) that {@code ./jsd} makes
 * once per build: what a user's first commands do — txt2img, img2img and one server job — on a tiny random-weight
 * model in a temporary folder, so the classes they load, link and profile are mapped from the cache at the next
 * start instead of read from the jar. Prints nothing; exit status 0 when every step worked.
 */
public final class StartupTraining {
    private StartupTraining() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("jsd-startup-training");
        try {
            System.exit(train(dir));
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static int train(Path dir) throws Exception {
        Path models = Files.createDirectories(dir.resolve("models/Stable-diffusion"));
        Path model = models.resolve("training.safetensors");
        // the shape of ../shared/models/tiny-sd15 (its ldm yaml ships beside this class)
        RandomModel.write(model, LdmLayout.sd1(new LdmLayout.UNet(4, 4, 32, new int[]{1, 2, 2}, 2, new int[]{1, 2}, 32, 1),
                new LdmLayout.Vae(32, new int[]{1, 2}, 1, 4), new LdmLayout.Clip(32, 3, 37, 49408, 77), DType.F16), 1, false);
        try (InputStream yaml = StartupTraining.class.getResourceAsStream("training-model.yaml")) {
            Files.write(models.resolve("training.yaml"), yaml.readAllBytes());
        }
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        String first = dir.resolve("txt2img.png").toString();
        int status = Main.run(List.of("txt2img", "--model", model.toString(), "--prompt", "a (photo:1.1) of an astronaut riding a horse",
                "--negative-prompt", "blurry", "-W", "64", "-H", "64", "--steps", "3", "--seed", "1", "--out", first), quiet, quiet, false);
        if (status == 0)
            status = Main.run(List.of("img2img", "--model", model.toString(), "--init-image", first, "--prompt", "a castle",
                    "--denoising-strength", "0.5", "-W", "64", "-H", "64", "--steps", "3", "--seed", "1", "--out", dir.resolve("img2img.png").toString()), quiet, quiet, false);
        if (status == 0) status = serveOneJob(dir);
        return status;
    }

    private static int serveOneJob(Path dir) throws IOException, InterruptedException {
        try (JsdServer server = JsdServer.start(ServerConfig.loopback(dir, null, null, Runtime.getRuntime().availableProcessors()))) {
            HttpClient http = HttpClient.newHttpClient();
            String body = "{\"prompt\": \"a red barn\", \"width\": 64, \"height\": 64, \"steps\": 3, \"seed\": 1,"
                    + " \"override_settings\": {\"sd_model_checkpoint\": \"training\"}}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri().resolve("/sdapi/v1/txt2img"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            http.send(HttpRequest.newBuilder(server.uri().resolve("/")).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? 0 : 1;
        }
    }
}
