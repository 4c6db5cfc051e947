package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which weights file a diffusers component folder is read from: F32 before .fp16, shard indexes, a clear error for none. */
class DiffusersFolderFilesTest {
    private static Path folderWithTextEncoder(Path dir, String... files) throws IOException {
        Path src = Golden.model("tiny-sd15");
        for (String part : List.of("model_index.json", "unet", "vae", "tokenizer", "scheduler"))
            Files.createSymbolicLink(dir.resolve(part), src.resolve(part));
        Path text = Files.createDirectories(dir.resolve("text_encoder"));
        Files.createSymbolicLink(text.resolve("config.json"), src.resolve("text_encoder/config.json"));
        for (String f : files) Files.createSymbolicLink(text.resolve(f), src.resolve("text_encoder/model.safetensors"));
        return dir;
    }

    private static String textFile(Checkpoint c) {
        return ((MappedWeights) c.textEncoder()).file().path().getFileName().toString();
    }

    @Test
    void f32WeightsArePreferredOverTheFp16Variant(@TempDir Path dir) throws IOException {
        try (Checkpoint c = Checkpoint.open(folderWithTextEncoder(dir, "model.fp16.safetensors", "model.safetensors"))) {
            assertEquals("model.safetensors", textFile(c));
        }
    }

    @Test
    void fp16VariantIsUsedWhenItIsTheOnlyOne(@TempDir Path dir) throws IOException {
        try (Checkpoint c = Checkpoint.open(folderWithTextEncoder(dir, "model.fp16.safetensors"))) {
            assertEquals("model.fp16.safetensors", textFile(c));
        }
    }

    @Test
    void shardIndexIsFollowed(@TempDir Path dir) throws IOException {
        folderWithTextEncoder(dir, "model-00001-of-00001.safetensors");
        String names;
        try (SafeTensors st = SafeTensors.open(Golden.model("tiny-sd15/text_encoder/model.safetensors"))) {
            names = st.names().stream().map(n -> "\"" + n + "\": \"model-00001-of-00001.safetensors\"").collect(Collectors.joining(", "));
        }
        Files.writeString(dir.resolve("text_encoder/model.safetensors.index.json"), "{\"metadata\": {}, \"weight_map\": {" + names + "}}");
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals("model.safetensors.index.json", textFile(c));
            assertEquals(3 * 16 + 2 + 2, c.textEncoder().keys().size());
        }
    }

    @Test
    void missingWeightsNameTheFolderAndTheFilesLookedFor(@TempDir Path dir) throws IOException {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Checkpoint.open(folderWithTextEncoder(dir)));
        assertTrue(e.getMessage().contains("text_encoder") && e.getMessage().contains("model.safetensors"), e.getMessage());
    }
}
