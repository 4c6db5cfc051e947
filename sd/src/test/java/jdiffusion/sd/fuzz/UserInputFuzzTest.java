package jdiffusion.sd.fuzz;

import jdiffusion.sd.checkpoint.LdmYamlFuzzTarget;
import jdiffusion.sd.checkpoint.YamlReader;
import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.sd.extra.ModelsFolder;
import jdiffusion.sd.extra.Wildcards;
import jdiffusion.sd.image.InfoText;
import jdiffusion.sd.image.Png;
import jdiffusion.sd.pipeline.GenerationParams;
import jdiffusion.sd.pipeline.InfoTexts;
import jdiffusion.sd.prompt.CompositePrompt;
import jdiffusion.sd.prompt.ExtraNetworks;
import jdiffusion.sd.prompt.PromptAttention;
import jdiffusion.sd.prompt.PromptChunker;
import jdiffusion.sd.prompt.PromptSchedules;
import jdiffusion.sd.checkpoint.ModelFile;
import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Fuzz;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fuzz suite's text part: prompts, infotexts (pasted text and PNG chunks), wildcard files and YAML configs,
 * mutated from real inputs and generated, end in success or the library's own exception (see {@link Fuzz}).
 */
class UserInputFuzzTest {
    @TempDir Path dir;

    private static final String PROMPT_ALPHABET = "[]():|\\ ,.:0123456789abAND BREAK<lora:>_\n\t-+eE";

    @SuppressWarnings("unchecked")
    static List<String> goldenPrompts() throws IOException {
        Map<String, Object> golden = Json.parseObject(Files.readString(Golden.file("prompt_parser/prompt_parser.json")));
        List<String> prompts = new ArrayList<>();
        for (String key : List.of("parse_prompt_attention", "schedules", "multicond"))
            for (Map<String, Object> c : (List<Map<String, Object>>) golden.get(key)) prompts.add((String) c.get("prompt"));
        return prompts;
    }

    @Test
    void prompts() throws IOException {
        List<String> bases = goldenPrompts();
        PromptChunker chunker = new PromptChunker(ClipTokenizer.load(Golden.model("clip-tokenizer-sd1")));
        Fuzz.Outcome o = Fuzz.run("prompt syntax", Fuzz.inputs(0.25),
                r -> switch (r.nextInt(40)) {
                    case 0, 1, 2, 3, 4, 5 -> Fuzz.random(PROMPT_ALPHABET, 80, r);
                    case 6 -> { // deep or long structures
                        String open = new String[] {"(", "[", "[a:", "[a|", "\\", "<lora:", "(a:"}[r.nextInt(7)];
                        yield open.repeat(r.nextInt(3000)) + "x" + new String[] {")", "]", ":0.5]", "]", "", ">", ":1.1)"}[r.nextInt(7)].repeat(r.nextInt(3000));
                    }
                    default -> Fuzz.mutate(bases, PROMPT_ALPHABET, r);
                },
                prompt -> {
                    int steps = 1 + prompt.length() % 30;
                    PromptSchedules.of(prompt, steps);
                    PromptSchedules.of(prompt, steps, 1 + prompt.length() % 7, prompt.length() % 3 == 0);
                    ExtraNetworks.Parsed tags = ExtraNetworks.parse(prompt);
                    for (CompositePrompt.WeightedPrompt sub : CompositePrompt.split(tags.prompt())) {
                        PromptAttention.parse(sub.text());
                        if (prompt.hashCode() % 16 == 0 && prompt.length() < 5000) chunker.chunk(sub.text());
                    }
                }, Fuzz::showText);
        assertTrue(o.accepted() > 0, o.toString());
    }

    private static final String INFOTEXT_ALPHABET = "\n:,\" \\abcSteps:Sampler:Seed:Size:x0123456789.-Negative prompt:{}";
    static final List<String> INFOTEXTS = List.of(
            "a castle\nNegative prompt: fog, (rain:1.1)\nSteps: 30, Sampler: Euler a, Schedule type: Automatic, CFG scale: 5.5, Seed: 42, Size: 640x448, Model hash: 0123456789, Model: x, Clip skip: 2, Version: v1.10.1",
            "portrait, <lora:detail:0.6>\nSteps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1, Size: 512x768, Denoising strength: 0.4, Hires upscale: 2, Hires upscaler: Latent, Lora hashes: \"detail: 1234abcd\", TI hashes: \"e: 1\", Version: v1.10.1",
            "x\nSteps: 4, Sampler: DDIM, CFG scale: 6.5, Seed: 7, Size: 64x48, Variation seed: 9, Variation seed strength: 0.25, Seed resize from: 32x32, ENSD: 31337, RNG: CPU, Mask blur: 4, Masked content: fill, Inpaint area: Only masked, Masked area padding: 32",
            "multi\nline\nprompt\nNegative prompt: a\nb\nSteps: 1, Sampler: Euler, Seed: 3, ADetailer model: face_yolov8n.pt, ADetailer prompt: \"a, b: c\"",
            "Steps: 20, Sampler: Euler, CFG scale: 7, Seed: -1, Size: 512x512");

    @Test
    void infotextText() {
        GenerationParams defaults = GenerationParams.defaults();
        Fuzz.Outcome o = Fuzz.run("infotext text", Fuzz.inputs(0.15),
                r -> r.nextInt(5) == 0 ? Fuzz.random(INFOTEXT_ALPHABET, 120, r) : Fuzz.mutate(INFOTEXTS, INFOTEXT_ALPHABET, r),
                text -> {
                    InfoText info = InfoText.parse(text);
                    InfoText.parse(info.format());
                    InfoTexts.apply(info, defaults);
                }, Fuzz::showText);
        assertTrue(o.accepted() > 0 && o.refused() > 0, o.toString());
    }

    @Test
    void pngChunks() throws IOException {
        List<byte[]> bases = new ArrayList<>();
        byte[] rgb = new byte[4 * 3 * 3];
        for (String text : INFOTEXTS) bases.add(Png.encode(rgb, 4, 3, Map.of("parameters", text)));
        bases.add(Png.encode(rgb, 4, 3, Map.of("parameters", "\u00e9t\u00e9 \u4e2d\u6587 \uD83D\uDE00\nSteps: 1, Sampler: Euler, Seed: 1", "extra", "x")));
        try (var pngs = Files.list(Golden.file("webui"))) {
            for (Path p : pngs.filter(p -> p.toString().endsWith(".png")).sorted().toList()) bases.add(Files.readAllBytes(p));
        }
        Fuzz.Outcome o = Fuzz.run("PNG chunks", Fuzz.inputs(0.10), r -> Fuzz.mutate(bases, r), png -> {
            Map<String, String> text = Png.readText(png, "fuzz.png");
            String parameters = text.get("parameters");
            if (parameters != null) InfoTexts.apply(InfoText.parse(parameters), GenerationParams.defaults());
        }, Fuzz::showBytes);
        assertTrue(o.accepted() > 0 && o.refused() > 0, o.toString());
    }

    @Test
    void wildcardFiles() throws IOException {
        Path wildcards = Files.createDirectories(dir.resolve("wildcards/sub"));
        Files.writeString(wildcards.resolve("fixed.txt"), "one\ntwo\n");
        Path file = wildcards.getParent().resolve("w.txt");
        List<byte[]> bases = List.of(Fuzz.utf8("red\nblue\r\ngreen\rviolet\n"), Fuzz.utf8("single"), Fuzz.utf8("\n\n\n"),
                Fuzz.utf8("\u00e9t\u00e9\n\u4e2d\u6587\n\uD83D\uDE00"), new byte[] {(byte) 0xff, (byte) 0xfe, 'a', '\n', (byte) 0xc3});
        Wildcards w = new Wildcards(ModelsFolder.of(dir));
        Fuzz.Outcome o = Fuzz.run("wildcard files", Fuzz.inputs(0.03), r -> Fuzz.mutate(bases, r), bytes -> {
            Files.write(file, bytes);
            w.expand("a __w__ and __sub/fixed__ or __missing__ __", bytes.length, warning -> {});
        }, Fuzz::showBytes);
        assertTrue(o.accepted() > 0 && o.refused() > 0, o.toString());
    }

    private static final String YAML_ALPHABET = ":- \n#'\"[]{}|>&*!%@`,?0123456789abc_.\t";

    static List<String> yamls() throws IOException {
        List<String> out = new ArrayList<>();
        for (String name : List.of("tiny-sd15.yaml", "tiny-sdxl.yaml", "tiny-sdxl-refiner.yaml", "tiny-controlnet-sd15.yaml"))
            out.add(Files.readString(Golden.model(name)));
        out.add("a: 1\nb: [1, 2, {c: d}]\nc: {x: 'q''s', y: \"e\\n\"}\nd:\n  - e\n  - f: g\n    h: |\n      text\n");
        return out;
    }

    @Test
    void yamlText() throws IOException {
        List<String> bases = yamls();
        Fuzz.Outcome o = Fuzz.run("YAML (YamlReader)", Fuzz.inputs(0.12),
                r -> r.nextInt(6) == 0 ? Fuzz.random(YAML_ALPHABET, 100, r) : Fuzz.mutate(bases, YAML_ALPHABET, r),
                text -> YamlReader.parse(text, "fuzz.yaml"), Fuzz::showText);
        assertTrue(o.accepted() > 0, o.toString());
    }

    @Test
    void ldmYamlBesideACheckpoint() throws IOException {
        List<String> bases = yamls();
        Path yaml = dir.resolve("model.yaml");
        try (TensorFile weights = ModelFile.open(Golden.model("tiny-sd15.safetensors"))) {
            List<byte[]> bytes = bases.stream().map(Fuzz::utf8).toList();
            Fuzz.Outcome o = Fuzz.run("YAML (LdmYamlConfig)", Fuzz.inputs(0.02),
                    r -> r.nextBoolean() ? Fuzz.utf8(Fuzz.mutate(bases, YAML_ALPHABET, r)) : Fuzz.mutate(bytes, r), text -> {
                Files.write(yaml, text);
                LdmYamlFuzzTarget.read(yaml, weights);
            }, Fuzz::showBytes);
            assertTrue(o.accepted() > 0 && o.refused() > 0, o.toString());
        }
    }
}
