package jdiffusion.sd;

import jdiffusion.kernels.opencl.DeviceSelector;
import jdiffusion.kernels.opencl.OpenClUnavailableException;
import jdiffusion.tensor.Backend;
import org.junit.jupiter.api.Assumptions;

/**
 * The backend model tests run on: {@code -Djsd.test.device=opencl} (the build's second golden run) or the CPU
 * backend by default. Without an OpenCL platform the OpenCL run skips, except in CI, which installs PoCL.
 */
public final class TestBackends {
    private TestBackends() {}

    public static String device() { return System.getProperty("jsd.test.device", "cpu"); }

    public static Backend create() {
        try {
            return DeviceSelector.open(device());
        } catch (OpenClUnavailableException e) {
            if ("true".equalsIgnoreCase(System.getenv("CI")))
                throw new AssertionError("CI must run the model golden tests on OpenCL (.ci/run installs pocl-opencl-icd): " + e.getMessage(), e);
            Assumptions.abort(e.getMessage());
            throw e;
        }
    }
}
