package jdiffusion.kernels.opencl;

import jdiffusion.kernels.BackendOpsGoldenTest;
import jdiffusion.tensor.Backend;

/** Every golden op case, same tolerances, on the OpenCL backend (PoCL in CI). */
class OpenClBackendGoldenTest extends BackendOpsGoldenTest {
    @Override protected Backend createBackend() { return OpenClTestDevice.backend(); }
}
