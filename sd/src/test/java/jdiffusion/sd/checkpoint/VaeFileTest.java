package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.vae.AutoencoderKL;
import jdiffusion.sd.vae.VaeConfig;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tensor.testing.TensorAssert;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Stand-alone VAE files in ldm naming (as A1111's models/VAE holds them) and diffusers naming decode the same. */
class VaeFileTest {
    /** The VAE part of a single file with the {@code first_stage_model.} prefix removed: an ldm-named VAE file. */
    private static TensorFile ldmVaeOnly(TensorFile f) {
        String p = LdmNames.VAE_PREFIX;
        Set<String> names = new LinkedHashSet<>();
        for (String n : f.names()) if (n.startsWith(p)) names.add(n.substring(p.length()));
        return new TensorFile() {
            @Override public Path path() { return Path.of("vae-ldm.safetensors"); }
            @Override public Set<String> names() { return names; }
            @Override public boolean contains(String n) { return names.contains(n); }
            @Override public int[] shape(String n) { return f.shape(p + n); }
            @Override public DType dtype(String n) { return f.dtype(p + n); }
            @Override public Tensor get(String n) { return f.get(p + n); }
            @Override public void close() { f.close(); }
        };
    }

    private static Tensor decode(VaeFile vae, Tensor latents) {
        try (Backend b = new CpuBackend(2)) {
            return new AutoencoderKL(b, new Weights(vae.weights()), vae.config()).decode(b, latents);
        }
    }

    @Test
    void ldmNamedAndDiffusersNamedVaeFilesDecodeLikeTheGolden() {
        try (Golden.Case c = Golden.open("vae/tiny-sd15_vae_decode");
             VaeFile ldm = VaeFile.fromFile(ldmVaeOnly(ModelFile.open(Golden.model("tiny-sd15.safetensors"))), null);
             VaeFile diffusersFile = VaeFile.open(Golden.model("tiny-sd15/vae/diffusion_pytorch_model.safetensors"), VaeConfig.sd());
             VaeFile diffusersFolder = VaeFile.open(Golden.model("tiny-sd15/vae"), null)) {
            assertEquals(2, ldm.config().downsamplingFactor());
            assertEquals(ldm.config(), diffusersFile.config());
            assertEquals(ldm.config(), diffusersFolder.config());
            for (VaeFile v : new VaeFile[] {ldm, diffusersFile, diffusersFolder})
                TensorAssert.assertClose(c.tensor("image"), decode(v, c.tensor("latents")), 1e-4, 0, "stand-alone VAE decode");
        }
    }

    @Test
    void vaeBesideACheckpointIsFoundByA1111Names(@org.junit.jupiter.api.io.TempDir Path dir) throws java.io.IOException {
        Path model = java.nio.file.Files.writeString(dir.resolve("model.safetensors"), "");
        assertEquals(java.util.Optional.empty(), VaeFile.besideCheckpoint(model));
        Path vae = java.nio.file.Files.writeString(dir.resolve("model.vae.pt"), "");
        assertEquals(java.util.Optional.of(vae), VaeFile.besideCheckpoint(model));
    }

    @Test
    void fullCheckpointIsNotAVae() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> VaeFile.open(Golden.model("tiny-sd15/unet/diffusion_pytorch_model.safetensors"), null));
        assertEquals(true, e.getMessage().contains("not a VAE"), e.getMessage());
    }
}
