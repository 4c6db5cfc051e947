package jdiffusion.kernels.opencl;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceTuningTest {
    private static OpenClDevice device(boolean gpu, long localMemory, int maxGroup, int vectorWidth) {
        return new OpenClDevice(0, "test", "test device", "vendor", "OpenCL 3.0", "1", gpu, 8L << 30, localMemory, 2L << 30,
                16, maxGroup, vectorWidth, null, null);
    }

    @ParameterizedTest
    @CsvSource({"true,49152,1024,1", "true,65536,256,4", "true,32768,256,1", "false,1048576,4096,16", "true,16384,64,1", "false,32768,8,8"})
    void tilesFitTheDeviceWorkGroupAndLocalMemory(boolean gpu, long localMemory, int maxGroup, int vectorWidth) {
        DeviceTuning t = DeviceTuning.of(device(gpu, localMemory, maxGroup, vectorWidth));
        long items = (long) t.gemmItemsM() * t.gemmItemsN();
        assertTrue(items <= maxGroup, t + " items " + items);
        assertEquals(0, t.tileM() % t.workM());
        assertEquals(0, t.tileN() % t.workN());
        assertTrue((long) t.tileK() * (t.tileM() + t.tileN() + 2) * Float.BYTES <= localMemory / 2, t.toString()); // +2: padded rows
        assertEquals(1, Integer.bitCount(t.reduceGroup()));
        assertTrue(t.reduceGroup() <= maxGroup && t.attentionQueries() <= maxGroup, t.toString());
        for (int d : new int[]{8, 40, 64, 80, 160})
            assertTrue((long) t.attentionKeys(d, d) * 2 * d * Float.BYTES <= localMemory / 2 || t.attentionKeys(d, d) == 1, "head " + d);
    }

    @org.junit.jupiter.api.Test
    void halvedTuningKeepsRegisterBlocksAndHalvesWorkGroups() {
        DeviceTuning t = DeviceTuning.of(device(true, 49152, 1024, 1)), h = t.halved();
        assertEquals(t.gemmItemsN() / 2, h.gemmItemsN());
        assertEquals(t.gemmItemsM() / 2, h.gemmItemsM());
        assertEquals(t.workM(), h.workM());
        assertEquals(t.workN(), h.workN());
        assertEquals(t.reduceGroup() / 2, h.reduceGroup());
    }
}
