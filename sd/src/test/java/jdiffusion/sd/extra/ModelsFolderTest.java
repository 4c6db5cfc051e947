package jdiffusion.sd.extra;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelsFolderTest {
    static Path touch(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[] {1});
        return p;
    }

    @Test
    void aWebUiRootResolvesEachKindByFileStemInSubfoldersToo(@TempDir Path root) throws IOException {
        Path lora = touch(root.resolve("models/Lora/styles/ink.safetensors"));
        Path lyco = touch(root.resolve("models/LyCORIS/hatch.safetensors"));
        Path hn = touch(root.resolve("models/hypernetworks/anime.pt"));
        Path emb = touch(root.resolve("embeddings/neg/badhands.pt"));
        Path vae = touch(root.resolve("models/VAE/kl-f8.vae.safetensors"));
        Path ckpt = touch(root.resolve("models/Stable-diffusion/v1-5.safetensors"));
        touch(root.resolve("models/Lora/readme.txt"));
        ModelsFolder f = ModelsFolder.of(root);
        assertEquals(Optional.of(lora), f.find(ModelsFolder.Kind.LORA, "ink"));
        assertEquals(Optional.of(lora), f.find(ModelsFolder.Kind.LORA, "INK"), "case-insensitive fallback");
        assertEquals(Optional.of(lyco), f.find(ModelsFolder.Kind.LORA, "hatch"));
        assertEquals(Optional.of(hn), f.find(ModelsFolder.Kind.HYPERNETWORK, "anime"));
        assertEquals(Optional.of(emb), f.find(ModelsFolder.Kind.EMBEDDING, "badhands"));
        assertEquals(Optional.of(vae), f.find(ModelsFolder.Kind.VAE, "kl-f8.vae"));
        assertEquals(Optional.of(ckpt), f.find(ModelsFolder.Kind.CHECKPOINT, "v1-5"));
        assertTrue(f.find(ModelsFolder.Kind.LORA, "readme").isEmpty());
        assertEquals(Optional.of(lora), ModelsFolder.of(root.resolve("models")).find(ModelsFolder.Kind.LORA, "ink"), "the models/ folder itself works too");
    }

    @Test
    void aMissingFolderIsAnErrorNamingIt(@TempDir Path root) {
        String m = assertThrows(ExtraNetworkException.class, () -> ModelsFolder.of(root.resolve("nope"))).getMessage();
        assertTrue(m.contains("nope") && m.contains("--models-dir"), m);
    }

    @Test
    void aFileAddedAfterTheFolderWasListedIsFoundWithoutARefresh(@TempDir Path root) throws IOException {
        touch(root.resolve("models/Lora/ink.safetensors"));
        ModelsFolder f = ModelsFolder.of(root);
        assertEquals(1, f.files(ModelsFolder.Kind.LORA).size());
        assertTrue(f.find(ModelsFolder.Kind.LORA, "hatch").isEmpty());
        Path added = touch(root.resolve("models/Lora/hatch.safetensors"));
        assertEquals(Optional.of(added), f.find(ModelsFolder.Kind.LORA, "hatch"), "a miss lists the folder again, as the WebUI's LoRA loader does");
        assertEquals(java.util.List.of("hatch", "ink"), java.util.List.copyOf(new java.util.TreeSet<>(f.files(ModelsFolder.Kind.LORA).keySet())));
    }
}
