package jdiffusion.tools.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints, VAEs, LoRAs and embeddings found as the WebUI finds them, and a plain folder of models taken as it is. */
class ModelCatalogTest {
    @TempDir Path dir;

    static void touch(Path p) throws Exception {
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[1]);
    }

    @Test
    void aWebUiFolderOrItsModelsFolderListsEveryKindByName() throws Exception {
        touch(dir.resolve("models/Stable-diffusion/sd15.safetensors"));
        touch(dir.resolve("models/Stable-diffusion/sub/anime.ckpt"));
        touch(dir.resolve("models/Stable-diffusion/sd15.vae.safetensors"));
        touch(dir.resolve("models/Stable-diffusion/folder/model_index.json"));
        touch(dir.resolve("models/Stable-diffusion/folder/unet/diffusion_pytorch_model.safetensors"));
        touch(dir.resolve("models/VAE/ft-mse.safetensors"));
        touch(dir.resolve("models/Lora/a.safetensors"));
        touch(dir.resolve("models/LyCORIS/b.safetensors"));
        touch(dir.resolve("models/Lora/readme.txt"));
        touch(dir.resolve("embeddings/c.pt"));
        for (Path root : List.of(dir, dir.resolve("models"))) {
            ModelCatalog c = new ModelCatalog(root, null);
            assertEquals(List.of("folder", "sd15.safetensors", "sub/anime.ckpt"), c.checkpoints().stream().map(ModelCatalog.Checkpoint::name).toList());
            assertEquals(List.of("folder", "sd15", "sub_anime"), c.checkpoints().stream().map(ModelCatalog.Checkpoint::modelName).toList());
            assertEquals(List.of("ft-mse"), c.vaes().stream().map(ModelCatalog.Entry::name).toList());
            assertEquals(List.of("a", "b"), c.loras().stream().map(ModelCatalog.Entry::name).toList());
            assertEquals(List.of("c"), c.embeddings().stream().map(ModelCatalog.Entry::name).toList());
            assertTrue(c.findCheckpoint("sd15").isPresent());
            assertTrue(c.findCheckpoint("anime").isPresent(), "by file name without extension");
            assertTrue(c.findCheckpoint("sub/anime.ckpt [0123456789]").isPresent(), "a title's hash part is ignored");
            assertTrue(c.findCheckpoint("nothing").isEmpty());
        }
    }

    @Test
    void aPlainFolderOfCheckpointsIsTakenAsItIs() throws Exception {
        Path models = dir.resolve("models");
        touch(models.resolve("tiny.safetensors"));
        touch(models.resolve("tiny.yaml"));
        touch(models.resolve("tokenizer/vocab.json"));
        ModelCatalog c = new ModelCatalog(models, null);
        assertEquals(List.of("tiny.safetensors"), c.checkpoints().stream().map(ModelCatalog.Checkpoint::name).toList());
        assertEquals(models.resolve("tiny.yaml"), c.checkpoints().getFirst().config());
        ModelCatalog single = new ModelCatalog(null, models.resolve("tiny.safetensors"));
        assertEquals("tiny", single.checkpoints().getFirst().modelName());
        c.knowHash(models.resolve("tiny.safetensors"), "abcdef0123");
        assertEquals("tiny.safetensors [abcdef0123]", c.title(c.checkpoints().getFirst()));
        assertTrue(c.findCheckpoint("abcdef0123").isPresent(), "by short hash once known");
    }
}
