package jdiffusion.tools.generate;

import jdiffusion.sd.extra.ModelsFolder;
import jdiffusion.sd.sample.ScheduleType;
import jdiffusion.tensor.ckpt.ModelHash;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --model} takes the WebUI's names of a checkpoint in {@code --models-dir}; {@code --help} lists every schedule type. */
class ModelNamesCliTest {
    @Test
    void theDropdownTitleAndTheShortHashNameTheModelAndAMissListsTheNearest(@TempDir Path root) throws Exception {
        Path sd = Files.createDirectories(root.resolve("models/Stable-diffusion/sd15"));
        Path model = sd.resolve("tiny.safetensors");
        Files.createSymbolicLink(model, Golden.model("tiny-sd15.safetensors"));
        Files.createSymbolicLink(sd.resolve("tiny.yaml"), Golden.model("tiny-sd15.yaml"));
        String hash = ModelHash.autoV2(model);
        ModelsFolder folder = ModelsFolder.of(root);
        assertEquals(model, GenerateCommand.byName(folder, ModelsFolder.Kind.CHECKPOINT, Path.of("sd15/tiny.safetensors [" + hash + "]")));
        assertEquals(model, GenerateCommand.byName(folder, ModelsFolder.Kind.CHECKPOINT, Path.of(hash)));

        Path out = root.resolve("out.png");
        Captured ok = Captured.run("txt2img", "--models-dir", root.toString(), "--model", "tiny.safetensors [" + hash + "]",
                "--tokenizer", Golden.model("clip-tokenizer-sd1").toString(), "--threads", "2", "--prompt", "a cat", "--steps", "1",
                "-W", "32", "-H", "32", "--seed", "1", "--out", out.toString());
        assertEquals(0, ok.status(), ok.err());

        Captured miss = Captured.run("txt2img", "--models-dir", root.toString(), "--model", "tinny", "--prompt", "a cat");
        assertTrue(miss.status() != 0 && miss.err().contains("no checkpoint 'tinny'") && miss.err().contains("nearest: tiny"), miss.err());
        assertEquals(1, miss.err().strip().lines().count(), miss.err());
    }

    @Test
    void helpListsEveryScheduleType() {
        String help = Captured.run("txt2img", "--help").out();
        for (ScheduleType t : ScheduleType.values()) assertTrue(help.contains(t.id()), t.id());
    }
}
