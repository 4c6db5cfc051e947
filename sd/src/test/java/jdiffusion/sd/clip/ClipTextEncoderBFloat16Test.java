package jdiffusion.sd.clip;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.WeightSource;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import jdiffusion.tensor.testing.TensorAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A BF16 single file (as some merges are saved) stays BF16 in memory and computes what its rounded weights imply. */
class ClipTextEncoderBFloat16Test {
    private static final ValueLayout.OfShort BF16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static Tensor toBf16(Tensor t) {
        float[] v = t.toFloatArray();
        MemorySegment s = Arena.ofAuto().allocate(2L * v.length, 2);
        for (int i = 0; i < v.length; i++) s.setAtIndex(BF16_LE, i, DType.floatToBf16(v[i]));
        return Tensor.wrap(s, DType.BF16, t.shape());
    }

    /** The F32 weights rounded to BF16 and widened back. */
    static WeightSource roundedToBf16(WeightSource source) {
        return new WeightSource() {
            @Override public Tensor find(String key) {
                Tensor t = source.find(key);
                if (t == null) return null;
                float[] v = t.toFloatArray();
                for (int i = 0; i < v.length; i++) v[i] = DType.bf16ToFloat(DType.floatToBf16(v[i]));
                return Tensor.of(v, t.shape());
            }

            @Override public Set<String> keys() { return source.keys(); }
        };
    }

    @Test
    void bf16SingleFileMatchesF32WeightsRoundedToBf16(@TempDir Path dir) {
        Path bf16 = dir.resolve("tiny-sd15.bf16.safetensors");
        try (SafeTensors f32 = SafeTensors.open(Golden.model("tiny-sd15.safetensors"))) {
            SafeTensorsWriter w = new SafeTensorsWriter();
            for (String n : f32.names()) w.add(n, f32.get(n).dtype() == DType.F32 ? toBf16(f32.get(n)) : f32.get(n));
            w.write(bf16);
        }
        try (Backend b = new CpuBackend(2);
             Checkpoint half = Checkpoint.openSingleFile(bf16, Golden.model("tiny-sd15.yaml"));
             Checkpoint full = Checkpoint.open(Golden.model("tiny-sd15.safetensors"));
             Golden.Case c = Golden.open("clip/tiny-sd15_clip_0")) {
            assertEquals(DType.BF16, half.textEncoder().find("text_model.encoder.layers.2.mlp.fc2.weight").dtype());
            int[][] ids = ClipTextEncoder.ids(c.tensor("input_ids"));
            Tensor a = new ClipTextEncoder(b, new Weights(half.textEncoder()), half.config().textEncoder()).forward(b, ids).lastHiddenState();
            Tensor e = new ClipTextEncoder(b, new Weights(roundedToBf16(full.textEncoder())), full.config().textEncoder()).forward(b, ids).lastHiddenState();
            TensorAssert.assertClose(e, a, 1e-5, 0, "BF16 file vs F32 rounded to BF16");
        }
    }
}
