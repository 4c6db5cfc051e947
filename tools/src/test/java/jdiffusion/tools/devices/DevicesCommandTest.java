package jdiffusion.tools.devices;

import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DevicesCommandTest {
    @Test
    void listsCpuAndEitherOpenClDevicesOrOneLineOnHowToGetThem() {
        Captured c = Captured.run("devices");
        assertEquals(0, c.status(), c.err());
        assertTrue(c.out().lines().anyMatch(l -> l.startsWith("cpu ")), c.out());
        boolean listed = c.out().lines().anyMatch(l -> l.startsWith("opencl:0"));
        boolean explained = c.out().lines().anyMatch(l -> l.startsWith("opencl: ") && l.contains("pocl-opencl-icd"));
        assertTrue(listed != explained, c.out());
        assertFalse(c.out().contains("Exception") || c.err().contains("\tat "), c.out() + c.err());
    }
}
