package jdiffusion.sd.unet;

import jdiffusion.nn.MissingWeightException;
import jdiffusion.nn.WeightSource;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UNetParametersTest {
    @Test
    void shapesFromConfigAreExactlyTheDiffusersCheckpointTensors() {
        try (DiffusersUNetFolder f = new DiffusersUNetFolder(Golden.model("tiny-sd15/unet"))) {
            Map<String, int[]> shapes = UNetParameters.shapes(f.config());
            assertEquals(new TreeSet<>(f.keys()), new TreeSet<>(shapes.keySet()));
            for (Map.Entry<String, int[]> e : shapes.entrySet()) assertArrayEquals(f.find(e.getKey()).shape(), e.getValue(), e.getKey());
            assertEquals(2_160_000, UNetParameters.count(f.config()), 10_000, "golden README: 2.16 M parameters");
        }
    }

    @Test
    void sdxlShapesAreExactlyTheDiffusersCheckpointTensors() {
        try (DiffusersUNetFolder f = new DiffusersUNetFolder(Golden.model("tiny-sdxl/unet"))) {
            Map<String, int[]> shapes = UNetParameters.shapes(f.config());
            assertEquals(new TreeSet<>(f.keys()), new TreeSet<>(shapes.keySet()));
            for (Map.Entry<String, int[]> e : shapes.entrySet()) assertArrayEquals(f.find(e.getKey()).shape(), e.getValue(), e.getKey());
        }
    }

    @Test
    void sdxlConfigHasThePublishedParameterCount() {
        // stabilityai/stable-diffusion-xl-base-1.0 unet: 2,567,463,684 parameters
        assertEquals(2_567_463_684L, UNetParameters.count(UNetConfig.sdxl(4)));
    }

    @Test
    void sd15ConfigHasTheKnownParameterCount() {
        // runwayml/stable-diffusion-v1-5 unet: 859,520,964 parameters
        assertEquals(859_520_964L, UNetParameters.count(UNetConfig.sd1(4)));
    }

    @Test
    void sd2ConfigHasTheKnownParameterCount() {
        // stabilityai/stable-diffusion-2-1 unet: 865,910,724 parameters
        assertEquals(865_910_724L, UNetParameters.count(UNetConfig.sd2(4)));
    }

    @Test
    void weightOfTheWrongShapeIsReportedWithItsName() {
        try (DiffusersUNetFolder f = new DiffusersUNetFolder(Golden.model("tiny-sd15/unet"))) {
            UNetConfig c = f.config();
            UNetConfig wrongContext = new UNetConfig(c.inChannels(), c.outChannels(), c.blockOutChannels(), c.layersPerBlock(), c.crossAttention(),
                    c.attentionHeads(), c.transformerDepth(), 48, c.linearProjection(), c.normGroups(), c.normEps(), c.flipSinToCos(), c.freqShift(), false);
            UNetException e = assertThrows(UNetException.class, () -> UNetParameters.check(wrongContext, new Weights(f)));
            assertTrue(e.getMessage().contains("attn2.to_k.weight"), e.getMessage());
        }
    }

    @Test
    void missingWeightIsReportedWithItsName() {
        try (DiffusersUNetFolder f = new DiffusersUNetFolder(Golden.model("tiny-sd15/unet"))) {
            WeightSource without = new WeightSource() {
                @Override public Tensor find(String key) { return key.equals("mid_block.resnets.1.conv2.bias") ? null : f.find(key); }
                @Override public Set<String> keys() { return f.keys(); }
            };
            MissingWeightException e = assertThrows(MissingWeightException.class, () -> UNetParameters.check(f.config(), new Weights(without)));
            assertTrue(e.getMessage().contains("mid_block.resnets.1.conv2.bias"), e.getMessage());
        }
    }

    @Test
    void tinyConfigReadsEightHeadsFromAttentionHeadDim() {
        try (DiffusersUNetFolder f = new DiffusersUNetFolder(Golden.model("tiny-sd15/unet"))) {
            assertEquals(List.of(8, 8, 8), f.config().attentionHeads());
            assertEquals(List.of(true, true, false), f.config().crossAttention());
        }
    }
}
