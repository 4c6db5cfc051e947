package jdiffusion.tools.randommodel;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RandomModelTest {
    @TempDir Path dir;

    private static List<LdmLayout.Entry> tiny(DType dtype) {
        return LdmLayout.sd1(new LdmLayout.UNet(4, 4, 32, new int[]{1, 2, 2}, 2, new int[]{1, 2}, 32, 1),
                new LdmLayout.Vae(32, new int[]{1, 2}, 1, 4), new LdmLayout.Clip(32, 3, 37, 49408, 77), dtype);
    }

    @Test
    void sameSeedWritesTheSameFileAndScheduleBuffersAreTheRealOnes() throws Exception {
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors");
        RandomModel.write(a, tiny(DType.F16), 7, false);
        RandomModel.write(b, tiny(DType.F16), 7, false);
        assertEquals(-1, Files.mismatch(a, b));
        try (SafeTensors r = SafeTensors.open(a); SafeTensors real = SafeTensors.open(Golden.model("tiny-sd15.safetensors"))) {
            assertEquals(DType.F16, r.get("model.diffusion_model.out.2.weight").dtype());
            float[] mine = r.get("alphas_cumprod").toFloatArray(), theirs = real.get("alphas_cumprod").toFloatArray();
            for (String buf : new String[]{"alphas_cumprod", "betas", "posterior_mean_coef2", "sqrt_recipm1_alphas_cumprod"}) {
                float[] x = r.get(buf).toFloatArray(), y = real.get(buf).toFloatArray();
                for (int i = 0; i < x.length; i++) assertEquals(y[i], x[i], Math.abs(y[i]) * 1e-6 + 1e-9, buf + "[" + i + "]");
            }
            assertEquals(theirs.length, mine.length);
            assertArrayEquals(real.get("cond_stage_model.transformer.text_model.embeddings.position_ids").toLongArray(),
                    r.get("cond_stage_model.transformer.text_model.embeddings.position_ids").toLongArray());
            float[] norm = r.get("model.diffusion_model.out.0.weight").toFloatArray();
            for (float v : norm) assertEquals(1f, v);
        }
    }

    @Test
    void refusesToOverwriteAnExistingFile() throws Exception {
        Path a = dir.resolve("a.safetensors");
        Files.writeString(a, "mine");
        assertThrows(RuntimeException.class, () -> RandomModel.write(a, tiny(DType.F32), 1, false));
        assertEquals("mine", Files.readString(a));
    }
}
