package jdiffusion.tensor;

import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SafeTensorsReadTest {
    @Test
    void readsTinyModelTensorsInTheirFileDtype() {
        try (SafeTensors f32 = SafeTensors.open(Golden.model("tiny-sd15.safetensors"));
             SafeTensors f16 = SafeTensors.open(Golden.model("tiny-sd15.fp16.safetensors"))) {
            assertEquals(683, f32.names().size());
            String key = "model.diffusion_model.input_blocks.0.0.weight";
            Tensor a = f32.get(key), b = f16.get(key);
            assertEquals(DType.F32, a.dtype());
            assertEquals(DType.F16, b.dtype());
            assertArrayEquals(new int[]{32, 4, 3, 3}, a.shape());
            float[] x = a.toFloatArray(), y = b.toFloatArray();
            for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], Math.abs(x[i]) * 1e-3 + 1e-6);
            assertEquals(DType.I64, f16.get("cond_stage_model.transformer.text_model.embeddings.position_ids").dtype());
        }
    }
}
