package jdiffusion.sd.checkpoint;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.WeightSource;
import jdiffusion.nn.Weights;
import jdiffusion.sd.clip.ClipTextEncoder;
import jdiffusion.sd.unet.UNet;
import jdiffusion.sd.vae.AutoencoderKL;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** No mapped weight is left unread by the models built from it: a name the table got wrong would show up here. */
class ComponentsUseEveryWeightTest {
    private static final class Recording implements WeightSource {
        final WeightSource source;
        final Set<String> read = new TreeSet<>();

        Recording(WeightSource source) { this.source = source; }

        @Override public Tensor find(String key) {
            Tensor t = source.find(key);
            if (t != null) read.add(key);
            return t;
        }

        @Override public Set<String> keys() { return source.keys(); }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-sd15.safetensors", "tiny-sd15"})
    void textEncoderVaeAndUNetReadEveryMappedWeight(String model) {
        try (Backend b = new CpuBackend(1); Checkpoint ckpt = Checkpoint.open(Golden.model(model))) {
            Recording text = new Recording(ckpt.textEncoder()), vae = new Recording(ckpt.vae()), unet = new Recording(ckpt.unet());
            new ClipTextEncoder(b, new Weights(text), ckpt.config().textEncoder());
            new AutoencoderKL(b, new Weights(vae), ckpt.config().vae());
            new UNet(b, new Weights(unet), ckpt.config().unet());
            assertEquals(new TreeSet<>(text.keys()), text.read, "text encoder");
            assertEquals(new TreeSet<>(vae.keys()), vae.read, "vae");
            assertEquals(new TreeSet<>(unet.keys()), unet.read, "unet");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-sdxl.safetensors", "tiny-sdxl", "tiny-sdxl-refiner.safetensors"})
    void sdxlTextEncodersReadEveryMappedWeight(String model) {
        try (Backend b = new CpuBackend(1); SdxlTextEncoders text = SdxlTextEncoders.open(Golden.model(model))) {
            Recording bigG = new Recording(text.bigG());
            new ClipTextEncoder(b, new Weights(bigG), text.bigGConfig());
            assertEquals(new TreeSet<>(bigG.keys()), bigG.read, "bigG");
            if (!text.hasClipL()) return;
            Recording clipL = new Recording(text.clipL());
            new ClipTextEncoder(b, new Weights(clipL), text.clipLConfig());
            assertEquals(new TreeSet<>(clipL.keys()), clipL.read, "CLIP-L");
        }
    }
}
