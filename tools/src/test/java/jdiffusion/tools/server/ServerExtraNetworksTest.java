package jdiffusion.tools.server;

import jdiffusion.sd.image.Png;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import jdiffusion.tools.PixelAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static jdiffusion.tools.server.SdApiTest.body;
import static jdiffusion.tools.server.SdApiTest.images;
import static jdiffusion.tools.server.SdApiTest.pixels;
import static jdiffusion.tools.server.SdApiTest.png;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A LoRA of the server's models folder named in a request's prompt is applied as the command line applies it. */
class ServerExtraNetworksTest {
    @TempDir static Path dir;
    static TinyServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TinyServer.start(dir, 4, null);
        Files.copy(Golden.file("lora/tiny-sd15_lora_locon.safetensors"), s.root.resolve("models/Lora/inkstyle.safetensors"));
    }

    @AfterAll static void stop() { if (s != null) s.close(); }

    @Test
    void loraInThePromptChangesTheImageLikeTheCommandLineAndIsRecorded() throws Exception {
        String prompt = "a red barn <lora:inkstyle:0.8>";
        TinyServer.Reply with = s.post("/sdapi/v1/txt2img", body("prompt", prompt, "seed", 7L, "steps", 3L, "sampler_name", "Euler"));
        TinyServer.Reply without = s.post("/sdapi/v1/txt2img", body("prompt", "a red barn", "seed", 7L, "steps", 3L, "sampler_name", "Euler"));
        assertEquals(200, with.status(), with.text());
        assertEquals(200, without.status(), without.text());
        byte[] served = png(images(with).getFirst());
        assertFalse(java.util.Arrays.equals(pixels(served), pixels(png(images(without).getFirst()))), "the LoRA must change the image");
        assertTrue(Png.readText(served, "served").get("parameters").contains("Lora hashes: \"inkstyle: "));

        Path out = dir.resolve("cli.png");
        Captured cli = Captured.run("txt2img", "--model", s.root.resolve("models/Stable-diffusion/tiny.safetensors").toString(),
                "--models-dir", s.root.toString(), "--tokenizer", TinyServer.tokenizer().toString(), "--threads", "2",
                "--prompt", prompt, "--seed", "7", "--steps", "3", "--sampler", "Euler", "--width", "64", "--height", "64",
                "--out", out.toString());
        assertEquals(0, cli.status(), cli.err());
        assertEquals(Png.readText(Files.readAllBytes(out), "cli").get("parameters"), Png.readText(served, "served").get("parameters"));
        // reductions may sum in another order once the JIT compiles them: the golden ±2 applies
        PixelAssert.assertPixelsWithin(pixels(Files.readAllBytes(out)), pixels(served), 2);
    }
}
