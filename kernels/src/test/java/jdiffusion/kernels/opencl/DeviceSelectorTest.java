package jdiffusion.kernels.opencl;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.tensor.Backend;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceSelectorTest {
    @Test
    void parsesCpuOpenclAndOpenclWithIndex() {
        assertEquals(new DeviceSelector.Choice.Cpu(), DeviceSelector.parse("cpu"));
        assertEquals(new DeviceSelector.Choice.Reference(), DeviceSelector.parse("reference"));
        assertEquals(new DeviceSelector.Choice.OpenCl(-1), DeviceSelector.parse(" OpenCL "));
        assertEquals(new DeviceSelector.Choice.OpenCl(2), DeviceSelector.parse("opencl:2"));
    }

    @Test
    void rejectsUnknownSpecsWithTheAcceptedForms() {
        for (String bad : new String[]{"cuda", "opencl:", "opencl:-1", "opencl:x", ""}) {
            DeviceSpecException e = assertThrows(DeviceSpecException.class, () -> DeviceSelector.parse(bad));
            assertTrue(e.getMessage().contains("opencl:N"), e.getMessage());
        }
    }

    @Test
    void cpuSpecOpensTheCpuBackend() {
        try (Backend b = DeviceSelector.open("cpu")) { assertInstanceOf(CpuBackend.class, b); }
    }

    @Test
    void openclSpecOpensTheListedDeviceOrNamesTheDevicesThereAre() {
        OpenClTestDevice.require();
        try (Backend b = DeviceSelector.open("opencl:0")) {
            assertInstanceOf(OpenClBackend.class, b);
            assertTrue(b.name().startsWith("opencl:0"), b.name());
        }
        OpenClUnavailableException e = assertThrows(OpenClUnavailableException.class, () -> DeviceSelector.open("opencl:99"));
        assertTrue(e.getMessage().contains("jsd devices"), e.getMessage());
    }
}
