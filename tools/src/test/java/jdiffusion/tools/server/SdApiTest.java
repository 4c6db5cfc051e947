package jdiffusion.tools.server;

import jdiffusion.sd.image.Png;
import jdiffusion.tensor.json.Json;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WebUI API over real HTTP on loopback with the tiny model at 64x64. */
class SdApiTest {
    @TempDir static Path dir;
    static TinyServer s;

    @BeforeAll static void start() throws Exception { s = TinyServer.start(dir, 4, null); }

    @AfterAll static void stop() { if (s != null) s.close(); }

    static Map<String, Object> body(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("width", 64L);
        m.put("height", 64L);
        m.put("steps", 2L);
        m.put("override_settings", Map.of("sd_model_checkpoint", "tiny"));
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @SuppressWarnings("unchecked")
    static List<String> images(TinyServer.Reply r) { return (List<String>) (List<?>) r.json().get("images"); }

    static Map<String, Object> info(TinyServer.Reply r) { return Json.parseObject((String) r.json().get("info")); }

    static byte[] png(String b64) { return Base64.getDecoder().decode(b64); }

    static int[] pixels(byte[] png) throws Exception {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    static String b64png(BufferedImage img) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    @Test
    void txt2imgGivesTheCommandLinesImageAndInfotextForTheSameParameters() throws Exception {
        TinyServer.Reply r = s.post("/sdapi/v1/txt2img", body("prompt", "a red (barn:1.2)", "negative_prompt", "fog",
                "seed", 1234L, "steps", 3L, "sampler_name", "Euler a", "cfg_scale", 6.5));
        assertEquals(200, r.status(), r.text());
        assertEquals(1, images(r).size());
        byte[] served = png(images(r).getFirst());
        String infotext = Png.readText(served, "served").get("parameters");

        Path out = dir.resolve("cli.png");
        Captured cli = Captured.run("txt2img", "--model", s.root.resolve("models/Stable-diffusion/tiny.safetensors").toString(),
                "--tokenizer", TinyServer.tokenizer().toString(), "--threads", "2", "--prompt", "a red (barn:1.2)",
                "--negative-prompt", "fog", "--seed", "1234", "--steps", "3", "--sampler", "Euler a", "--cfg-scale", "6.5",
                "--width", "64", "--height", "64", "--out", out.toString());
        assertEquals(0, cli.status(), cli.err());
        byte[] local = Files.readAllBytes(out);
        assertArrayEquals(pixels(local), pixels(served));
        assertEquals(Png.readText(local, "cli").get("parameters"), infotext);

        Map<String, Object> info = info(r);
        assertEquals(1234L, info.get("seed"));
        assertEquals(List.of(1234L), info.get("all_seeds"));
        assertEquals("Euler a", info.get("sampler_name"));
        assertEquals("tiny", info.get("sd_model_name"));
        assertEquals(List.of(infotext), info.get("infotexts"));
        assertEquals("a red (barn:1.2)", r.json().get("parameters") instanceof Map<?, ?> p ? p.get("prompt") : null);
    }

    /** The server runs batch_count as separate pipeline calls (for progress and interrupts): seeds must still run on as in one call. */
    @Test
    void batchesAndVariationSeedsGiveTheCommandLinesImages() throws Exception {
        record Run(long batchSize, long batchCount, double strength) {}
        for (Run run : List.of(new Run(2, 2, 0), new Run(1, 2, 0.3))) {
            TinyServer.Reply r = s.post("/sdapi/v1/txt2img", body("prompt", "a kite", "seed", 100L, "subseed", 77L,
                    "subseed_strength", run.strength(), "batch_size", run.batchSize(), "n_iter", run.batchCount(), "steps", 2L));
            assertEquals(200, r.status(), r.text());
            Path outdir = dir.resolve("batch-" + run.batchSize() + "-" + run.strength());
            Captured cli = Captured.run("txt2img", "--model", s.root.resolve("models/Stable-diffusion/tiny.safetensors").toString(),
                    "--tokenizer", TinyServer.tokenizer().toString(), "--threads", "2", "--prompt", "a kite", "--seed", "100",
                    "--subseed", "77", "--subseed-strength", Double.toString(run.strength()), "--batch-size", Long.toString(run.batchSize()),
                    "--batch-count", Long.toString(run.batchCount()), "--steps", "2", "--sampler", "Euler",
                    "--width", "64", "--height", "64", "--outdir", outdir.toString());
            assertEquals(0, cli.status(), cli.err());
            List<String> files = cli.out().lines().toList();
            assertEquals(files.size(), images(r).size(), run.toString());
            for (int i = 0; i < files.size(); i++) {
                byte[] local = Files.readAllBytes(Path.of(files.get(i))), served = png(images(r).get(i));
                assertArrayEquals(pixels(local), pixels(served), run + " image " + i);
                assertEquals(Png.readText(local, "cli").get("parameters"), Png.readText(served, "served").get("parameters"), run + " image " + i);
            }
        }
    }

    @Test
    void defaultsAreTheWebUiApisAndRandomSeedsAreReported() throws Exception {
        TinyServer.Reply r = s.post("/sdapi/v1/txt2img", body("steps", 1L, "n_iter", 2L, "seed", -1L));
        assertEquals(200, r.status(), r.text());
        Map<String, Object> info = info(r);
        assertEquals("Euler", info.get("sampler_name"), "the API's sampler_index default");
        long seed = (Long) info.get("seed");
        assertTrue(seed >= 0);
        assertEquals(List.of(seed, seed + 1), info.get("all_seeds"));
        assertEquals(2, images(r).size());
        @SuppressWarnings("unchecked") Map<String, Object> params = (Map<String, Object>) r.json().get("parameters");
        assertEquals(7.0, params.get("cfg_scale"));
        assertEquals("Euler", params.get("sampler_index"));
        assertEquals(true, params.get("send_images"));
        assertTrue(((String) info.get("infotexts") .toString()).contains("Seed: " + (seed + 1)));
    }

    @Test
    void progressMovesWithLivePreviewsAndIsIdleAfterwards() throws Exception {
        long n = s.stepsLasting(1.5);
        CompletableFuture<TinyServer.Reply> job = CompletableFuture.supplyAsync(() -> {
            try { return s.post("/sdapi/v1/txt2img", body("steps", n, "seed", 5L)); }
            catch (Exception e) { throw new RuntimeException(e); }
        });
        Set<Long> steps = new HashSet<>();
        List<Double> progress = new ArrayList<>();
        String preview = null;
        while (!job.isDone()) {
            TinyServer.Reply p = s.get("/sdapi/v1/progress");
            assertEquals(200, p.status());
            @SuppressWarnings("unchecked") Map<String, Object> state = (Map<String, Object>) p.json().get("state");
            if ((Long) state.get("job_count") > 0 && (Long) state.get("sampling_steps") == n) {
                steps.add((Long) state.get("sampling_step"));
                progress.add((Double) p.json().get("progress"));
                if (p.json().get("current_image") instanceof String img) preview = img;
            }
            Thread.sleep(10);
        }
        assertEquals(200, job.get().status());
        assertTrue(steps.size() >= 2, "sampling_step took several values: " + steps);
        for (double v : progress) assertTrue(v > 0 && v <= 1, "progress in 0..1: " + v);
        assertTrue(progress.getLast() > progress.getFirst(), "progress grew: " + progress);
        assertNotNull(preview, "a live preview was shown");
        assertNotNull(ImageIO.read(new ByteArrayInputStream(png(preview))));
        TinyServer.Reply idle = s.get("/sdapi/v1/progress");
        assertEquals(0.0, idle.json().get("progress"));
        assertNull(idle.json().get("current_image"));
    }

    @Test
    void interruptStopsTheRunningJobAtTheNextStepAndTheServerGoesOn() throws Exception {
        long start = System.nanoTime();
        CompletableFuture<TinyServer.Reply> job = CompletableFuture.supplyAsync(() -> {
            try { return s.post("/sdapi/v1/txt2img", body("steps", 1000L, "seed", 7L)); }
            catch (Exception e) { throw new RuntimeException(e); }
        });
        long step = 0;
        while (step < 1 && !job.isDone()) {
            @SuppressWarnings("unchecked") Map<String, Object> state = (Map<String, Object>) s.get("/sdapi/v1/progress").json().get("state");
            step = (Long) state.get("sampling_step");
            Thread.sleep(20);
        }
        assertEquals(200, s.post("/sdapi/v1/interrupt", Map.of()).status());
        TinyServer.Reply r = job.get();
        assertEquals(200, r.status(), r.text());
        // as the WebUI: the batch being sampled is decoded from the sampler's latest prediction, with its infotext
        assertEquals(1, images(r).size(), "the interrupted batch gives its partial image");
        assertEquals(true, info(r).get("interrupted"));
        List<?> infotexts = (List<?>) info(r).get("infotexts");
        assertEquals(1, infotexts.size());
        assertTrue(((String) infotexts.getFirst()).contains("Steps: 1000, ") && ((String) infotexts.getFirst()).contains("Seed: 7,"), infotexts.toString());
        assertEquals(infotexts.getFirst(), Png.readText(png(images(r).getFirst()), "image").get("parameters"));
        assertTrue(System.nanoTime() - start < 60e9, "stopped long before 1000 steps");
        assertEquals(200, s.post("/sdapi/v1/txt2img", body("steps", 1L)).status(), "the next job runs");
    }

    @Test
    void anInterruptedBatchRunKeepsTheFinishedBatchesAndThePartialOneInOrder() throws Exception {
        int steps = s.stepsLasting(1.5);
        Map<String, Object> request = body("steps", (long) steps, "seed", 11L, "n_iter", 3L, "prompt", "interrupted batches");
        CompletableFuture<TinyServer.Reply> job = CompletableFuture.supplyAsync(() -> {
            try { return s.post("/sdapi/v1/txt2img", request); }
            catch (Exception e) { throw new RuntimeException(e); }
        });
        // interrupt while the second of three batches samples
        while (!job.isDone()) {
            @SuppressWarnings("unchecked") Map<String, Object> state = (Map<String, Object>) s.get("/sdapi/v1/progress").json().get("state");
            if ((Long) state.get("job_no") == 1 && (Long) state.get("sampling_step") >= 1) break;
            Thread.sleep(10);
        }
        assertEquals(200, s.post("/sdapi/v1/interrupt", Map.of()).status());
        TinyServer.Reply r = job.get();
        assertEquals(200, r.status(), r.text());
        Map<String, Object> info = info(r);
        assertEquals(true, info.get("interrupted"));
        List<?> infotexts = (List<?>) info.get("infotexts");
        assertEquals(2, images(r).size(), "the finished batch and the partial one: " + infotexts);
        assertEquals(2, infotexts.size());
        for (int i = 0; i < 2; i++) {
            String text = (String) infotexts.get(i);
            assertTrue(text.startsWith("interrupted batches\n") && text.contains("Seed: " + (11 + i) + ","), text);
            assertEquals(text, Png.readText(png(images(r).get(i)), "image").get("parameters"));
        }
        // the finished batch is exactly the uninterrupted run's image
        TinyServer.Reply whole = s.post("/sdapi/v1/txt2img", body("steps", (long) steps, "seed", 11L, "prompt", "interrupted batches"));
        assertArrayEquals(pixels(png(images(whole).getFirst())), pixels(png(images(r).getFirst())));
    }

    @Test
    void listsModelsSamplersSchedulersLorasEmbeddings() throws Exception {
        TinyServer.Reply models = s.get("/sdapi/v1/sd-models");
        assertEquals(200, models.status());
        List<String> names = new ArrayList<>();
        for (Object o : models.list()) names.add((String) ((Map<?, ?>) o).get("model_name"));
        assertEquals(List.of("tiny-fp16", "tiny"), names);
        Map<?, ?> first = (Map<?, ?>) models.list().getFirst();
        assertTrue(((String) first.get("filename")).endsWith("tiny-fp16.safetensors"));
        assertTrue(((String) first.get("config")).endsWith("tiny-fp16.yaml"));

        List<Object> samplers = s.get("/sdapi/v1/samplers").list();
        assertTrue(samplers.stream().anyMatch(o -> ((Map<?, ?>) o).get("name").equals("DPM++ 2M")
                && ((List<?>) ((Map<?, ?>) o).get("aliases")).contains("k_dpmpp_2m")));
        assertTrue(samplers.stream().anyMatch(o -> ((Map<?, ?>) o).get("name").equals("DDIM")));
        List<Object> schedulers = s.get("/sdapi/v1/schedulers").list();
        assertTrue(schedulers.stream().anyMatch(o -> ((Map<?, ?>) o).get("name").equals("karras") && ((Map<?, ?>) o).get("label").equals("Karras")));
        List<Object> loras = s.get("/sdapi/v1/loras").list();
        assertEquals("paper-cut", ((Map<?, ?>) loras.getFirst()).get("name"));
        Map<String, Object> emb = s.get("/sdapi/v1/embeddings").json();
        Map<?, ?> loaded = (Map<?, ?>) emb.get("loaded");
        assertTrue(loaded.containsKey("bad-hands"));
        assertEquals(32L, ((Map<?, ?>) loaded.get("style")).get("shape"));
        assertEquals(3L, ((Map<?, ?>) loaded.get("style")).get("vectors"));
        assertEquals(List.of("torn"), List.copyOf(((Map<?, ?>) emb.get("skipped")).keySet()), "an unreadable embedding is skipped");
        assertEquals("broken", ((Map<?, ?>) s.get("/sdapi/v1/sd-vae").list().getFirst()).get("model_name"));
        for (String empty : List.of("hypernetworks", "prompt-styles", "script-info", "extensions"))
            assertEquals(List.of(), s.get("/sdapi/v1/" + empty).list(), empty);
        assertEquals(List.of(), s.get("/sdapi/v1/scripts").json().get("txt2img"));
        assertTrue((Long) ((Map<?, ?>) s.get("/sdapi/v1/memory").json().get("ram")).get("total") > 0);
    }

    @Test
    void optionsSwitchTheCheckpointAndOverrideSettingsApplyToOneRequest() throws Exception {
        assertEquals(200, s.post("/sdapi/v1/options", Map.of("sd_model_checkpoint", "tiny-fp16.safetensors")).status());
        Map<String, Object> options = s.get("/sdapi/v1/options").json();
        assertTrue(((String) options.get("sd_model_checkpoint")).matches("tiny-fp16\\.safetensors \\[[0-9a-f]{10}]"),
                "the model was loaded when the option was set, so its title carries the hash: " + options);
        assertTrue(options.get("sd_checkpoint_hash") instanceof String);

        TinyServer.Reply broken = s.post("/sdapi/v1/options", Map.of("sd_vae", "broken"));
        assertTrue(broken.status() >= 400, "a VAE that cannot load is refused when set: " + broken.text());
        assertEquals("Automatic", s.get("/sdapi/v1/options").json().get("sd_vae"), "and the setting stays as it was");
        TinyServer.Reply r = s.post("/sdapi/v1/txt2img", Map.of("width", 64L, "height", 64L, "steps", 1L));
        assertEquals(200, r.status(), r.text());
        assertEquals("tiny-fp16", info(r).get("sd_model_name"));

        Map<String, Object> overrides = Map.of("sd_model_checkpoint", "tiny", "randn_source", "CPU", "CLIP_stop_at_last_layers", 2L);
        TinyServer.Reply o = s.post("/sdapi/v1/txt2img", Map.of("width", 64L, "height", 64L, "steps", 1L, "seed", 3L,
                "override_settings", overrides));
        assertEquals(200, o.status(), o.text());
        String infotext = (String) ((List<?>) info(o).get("infotexts")).getFirst();
        assertTrue(infotext.contains("Model: tiny,") && infotext.contains("Clip skip: 2") && infotext.contains("RNG: CPU"), infotext);
        assertTrue(((String) s.get("/sdapi/v1/options").json().get("sd_model_checkpoint")).startsWith("tiny-fp16"),
                "override_settings_restore_afterwards (default true) keeps the setting");

        assertEquals(404, s.post("/sdapi/v1/options", Map.of("sd_model_checkpoint", "nope")).status());
        assertEquals(200, s.post("/sdapi/v1/options", Map.of("sd_model_checkpoint", "tiny")).status());
    }

    @Test
    void pngInfoReadsTheInfotextBack() throws Exception {
        TinyServer.Reply r = s.post("/sdapi/v1/txt2img", body("prompt", "a boat", "steps", 1L, "seed", 9L));
        String image = images(r).getFirst();
        TinyServer.Reply info = s.post("/sdapi/v1/png-info", Map.of("image", "data:image/png;base64," + image));
        assertEquals(200, info.status(), info.text());
        assertTrue(((String) info.json().get("info")).startsWith("a boat\nSteps: 1, Sampler: Euler, "), info.text());
        Map<?, ?> params = (Map<?, ?>) info.json().get("parameters");
        assertEquals("a boat", params.get("Prompt"));
        assertEquals("9", params.get("Seed"));
        assertEquals("64", params.get("Size-1"));

        // the infotext field of a request fills what the request leaves out
        TinyServer.Reply again = s.post("/sdapi/v1/txt2img", Map.of("infotext", info.json().get("info"),
                "override_settings", Map.of("sd_model_checkpoint", "tiny")));
        assertEquals(200, again.status(), again.text());
        assertArrayEquals(pixels(png(image)), pixels(png(images(again).getFirst())));
    }

    @Test
    void theInfotextFieldCarriesClipSkipUnlessOverrideSettingsSetsIt() throws Exception {
        String text = "a boat\nSteps: 1, Sampler: Euler, CFG scale: 7, Seed: 9, Size: 64x64, Clip skip: 2";
        TinyServer.Reply pasted = s.post("/sdapi/v1/txt2img", Map.of("infotext", text, "override_settings", Map.of("sd_model_checkpoint", "tiny")));
        assertEquals(200, pasted.status(), pasted.text());
        assertTrue(((String) ((List<?>) info(pasted).get("infotexts")).getFirst()).contains(", Clip skip: 2, Version: "), pasted.text());
        assertEquals(2L, info(pasted).get("clip_skip"));
        TinyServer.Reply overridden = s.post("/sdapi/v1/txt2img", Map.of("infotext", text,
                "override_settings", Map.of("sd_model_checkpoint", "tiny", "CLIP_stop_at_last_layers", 1L)));
        assertFalse(((String) ((List<?>) info(overridden).get("infotexts")).getFirst()).contains("Clip skip"), overridden.text());
    }

    @Test
    void img2imgWithInitImageAndMaskAsBase64() throws Exception {
        BufferedImage init = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB), mask = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++) {
                init.setRGB(x, y, (x * 4) << 16 | (y * 4) << 8 | 128);
                mask.setRGB(x, y, x >= 32 ? 0xffffff : 0);
            }
        TinyServer.Reply r = s.post("/sdapi/v1/img2img", body("prompt", "a wall", "init_images", List.of(b64png(init)),
                "mask", b64png(mask), "denoising_strength", 0.5, "mask_blur", 0L, "seed", 11L, "steps", 4L));
        assertEquals(200, r.status(), r.text());
        int[] px = pixels(png(images(r).getFirst()));
        assertEquals(64 * 64, px.length);
        assertEquals(init.getRGB(3, 5) & 0xffffff, px[5 * 64 + 3] & 0xffffff, "the unmasked half keeps the init image");
        String infotext = (String) ((List<?>) info(r).get("infotexts")).getFirst();
        assertTrue(infotext.contains("Denoising strength: 0.5") && infotext.contains("Mask blur: 0"), infotext);

        Path initFile = dir.resolve("init.png"), maskFile = dir.resolve("mask.png"), out = dir.resolve("inpaint.png");
        ImageIO.write(init, "png", initFile.toFile());
        ImageIO.write(mask, "png", maskFile.toFile());
        Captured cli = Captured.run("inpaint", "--model", s.root.resolve("models/Stable-diffusion/tiny.safetensors").toString(),
                "--tokenizer", TinyServer.tokenizer().toString(), "--threads", "2", "--prompt", "a wall", "--init-image", initFile.toString(),
                "--mask", maskFile.toString(), "--denoising-strength", "0.5", "--mask-blur", "0", "--seed", "11", "--steps", "4",
                "--sampler", "Euler", "--width", "64", "--height", "64", "--out", out.toString());
        assertEquals(0, cli.status(), cli.err());
        assertArrayEquals(pixels(Files.readAllBytes(out)), px, "the server's inpainting is the command line's");
        assertEquals(Png.readText(Files.readAllBytes(out), "cli").get("parameters"), infotext);
        assertNull(((Map<?, ?>) r.json().get("parameters")).get("init_images"), "init images are not echoed back");
    }

    @Test
    void badRequestsGet4xxWithErrorAndDetail() throws Exception {
        record Case(String path, String body, int status, String detailHas) {}
        String ok = "\"width\":64,\"height\":64,\"steps\":1";
        List<Case> cases = List.of(
                new Case("/sdapi/v1/txt2img", "{" + ok + ",\"sampler_name\":\"Euler z\"}", 404, "Sampler not found"),
                new Case("/sdapi/v1/txt2img", "{\"width\":1024,\"height\":1024}", 422, "--max-pixels"),
                new Case("/sdapi/v1/txt2img", "{" + ok + ",\"batch_size\":64}", 422, "--max-pixels"),
                new Case("/sdapi/v1/txt2img", "{\"width\":60,\"height\":64}", 422, "multiple of 8"),
                new Case("/sdapi/v1/txt2img", "{\"width\":64,\"height\":64,\"steps\":\"ten\"}", 422, "'steps' must be an integer"),
                new Case("/sdapi/v1/txt2img", "{" + ok + ",\"prompt\":5}", 422, "'prompt' must be a string"),
                new Case("/sdapi/v1/txt2img", "{" + ok + ",\"cfg_scale\":[1]}", 422, "'cfg_scale' must be a number"),
                new Case("/sdapi/v1/txt2img", "{\"width\":64,", 400, "not a JSON object"),
                new Case("/sdapi/v1/txt2img", "[1,2]", 400, "not a JSON object"),
                new Case("/sdapi/v1/txt2img", "", 400, "empty"),
                new Case("/sdapi/v1/txt2img", "{" + ok + ",\"scheduler\":\"wobbly\"}", 422, "unknown schedule type"),
                new Case("/sdapi/v1/txt2img", "{" + ok + ",\"override_settings\":{\"sd_model_checkpoint\":\"sd-xl\"}}", 404, "not found"),
                new Case("/sdapi/v1/txt2img", "{" + ok + ",\"override_settings\":{\"randn_source\":\"TPU\"}}", 422, "randn_source"),
                new Case("/sdapi/v1/txt2img", "{" + ok + ",\"enable_hr\":true,\"hr_scale\":\"big\"}", 422, "hr_scale"),
                new Case("/sdapi/v1/img2img", "{" + ok + "}", 422, "'init_images' is required"),
                new Case("/sdapi/v1/img2img", "{" + ok + ",\"init_images\":[\"%%%notbase64\"]}", 400, "not valid base64"),
                new Case("/sdapi/v1/img2img", "{" + ok + ",\"init_images\":[\"aGVsbG8gd29ybGQ=\"]}", 400, "not an image"),
                new Case("/sdapi/v1/img2img", "{" + ok + ",\"init_images\":[7]}", 422, "init_images[0]"),
                new Case("/sdapi/v1/png-info", "{\"image\":\"!!\"}", 400, "not valid base64"),
                new Case("/sdapi/v1/png-info", "{}", 422, "'image' is required"),
                new Case("/sdapi/v1/options", "{\"CLIP_stop_at_last_layers\":\"two\"}", 422, "must be an integer"),
                new Case("/sdapi/v1/nothing-here", "{}", 404, "Not Found"));
        for (Case c : cases) {
            TinyServer.Reply r = s.postRaw(c.path(), c.body());
            assertEquals(c.status(), r.status(), c + " -> " + r.text());
            assertNotNull(r.json(), c + " answers JSON");
            assertTrue(r.json().get("error") instanceof String, c + ": " + r.text());
            assertTrue(((String) r.json().get("detail")).contains(c.detailHas()), c + ": " + r.text());
        }
        TinyServer.Reply get = s.get("/sdapi/v1/txt2img");
        assertEquals(405, get.status());
        // a huge init image is refused from its header, before decoding
        TinyServer.Reply big = s.post("/sdapi/v1/img2img", body("init_images", List.of(b64png(new BufferedImage(300, 300, BufferedImage.TYPE_INT_RGB)))));
        assertEquals(422, big.status(), big.text());
    }

    @Test
    void aFailedJobAnswersWithAnErrorAndTheServerGoesOn() throws Exception {
        TinyServer.Reply bad = s.post("/sdapi/v1/txt2img", body("override_settings", Map.of("sd_model_checkpoint", "tiny", "sd_vae", "broken")));
        assertTrue(bad.status() >= 400 && bad.status() < 600, bad.text());
        assertNotNull(bad.json().get("detail"));
        assertFalse(((String) bad.json().get("detail")).isBlank());
        TinyServer.Reply good = s.post("/sdapi/v1/txt2img", body("steps", 1L));
        assertEquals(200, good.status(), good.text());
    }

    @Test
    void thePageAndItsFilesAreServed() throws Exception {
        TinyServer.Reply page = s.get("/");
        assertEquals(200, page.status());
        assertTrue(page.text().contains("<textarea id=\"prompt\""));
        assertEquals(200, s.get("/app.js").status());
        assertEquals(200, s.get("/style.css").status());
        assertEquals(404, s.get("/../pom.xml").status());
        assertEquals(404, s.get("/nothing.js").status());
    }
}
