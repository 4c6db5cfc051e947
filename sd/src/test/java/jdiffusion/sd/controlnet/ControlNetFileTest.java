package jdiffusion.sd.controlnet;

import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.checkpoint.ControlNetFile;
import jdiffusion.sd.checkpoint.ModelLoadException;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The three layouts give one configuration; other families and other kinds of control model are refused by name. */
class ControlNetFileTest {
    static UNetConfig base() {
        try (Checkpoint c = Checkpoint.open(Golden.model("tiny-sd15"))) {
            return c.config().unet();
        }
    }

    @Test
    void everyLayoutGivesTheSameShapeAndStrideRule() {
        UNetConfig base = base();
        for (String f : List.of("tiny-controlnet-sd15", "tiny-controlnet-sd15.safetensors", "tiny-controlnet-sd15.pruned.fp16.safetensors")) {
            try (ControlNetFile cn = ControlNetFile.open(Golden.model(f), base)) {
                ControlNetConfig c = cn.config();
                assertEquals(List.of(8, 8, 16, 32), c.hintChannels(), f);
                assertEquals(2, c.hintDownsampling(), f);
                assertEquals(List.of(1, 1, 2, 1), List.of(c.hintStride(0), c.hintStride(1), c.hintStride(2), c.hintStride(3)), f);
                assertEquals(base.blockOutChannels(), c.unet().blockOutChannels(), f);
                assertEquals(base.attentionHeads(), c.unet().attentionHeads(), f);
                assertEquals(250, cn.weights().keys().size(), f);
            }
        }
    }

    @Test
    void realHintEncoderDownsamplesByEightAndStrideDoesNotFollowChannels() {
        ControlNetConfig real = new ControlNetConfig(UNetConfig.sd1(4), 3, ControlNetConfig.standardHintChannels(320));
        assertEquals(8, real.hintDownsampling());
        int[] strides = new int[8];
        for (int k = 0; k < 8; k++) strides[k] = real.hintStride(k);
        assertEquals(List.of(1, 1, 2, 1, 2, 1, 2, 1), java.util.Arrays.stream(strides).boxed().toList());
    }

    @Test
    void aControlNetOfAnotherFamilyIsRefusedNamingBoth() {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ControlNetFile.open(Golden.model("tiny-controlnet-sd15.safetensors"), UNetConfig.sd2(4)));
        assertTrue(e.getMessage().contains("tiny-controlnet-sd15.safetensors") && e.getMessage().contains("context 32")
                && e.getMessage().contains("SD 2.x"), e.getMessage());
    }

    @Test
    void adaptersControlLorasAndCheckpointsAreRefusedByName(@TempDir Path dir) {
        Tensor t = Tensor.of(new float[] {1, 2}, 2);
        Map<String, String> kinds = Map.of(
                "adapter.safetensors", "T2I-Adapter",
                "lora.safetensors", "control-LoRA",
                "ckpt.safetensors", "not a ControlNet",
                "other.safetensors", "not a ControlNet");
        SafeTensorsWriter.write(dir.resolve("adapter.safetensors"), Map.of("adapter.body.0.resnets.0.block1.weight", t));
        SafeTensorsWriter.write(dir.resolve("lora.safetensors"), Map.of("lora_controlnet", t, "input_blocks.1.0.in_layers.2.up.weight", t));
        SafeTensorsWriter.write(dir.resolve("ckpt.safetensors"), Map.of("model.diffusion_model.input_blocks.0.0.weight", t));
        SafeTensorsWriter.write(dir.resolve("other.safetensors"), Map.of("something.weight", t));
        for (var k : kinds.entrySet()) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> ControlNetFile.open(dir.resolve(k.getKey()), UNetConfig.sd1(4)));
            assertTrue(e.getMessage().contains(k.getKey()) && e.getMessage().contains(k.getValue()), e.getMessage());
        }
    }
}
