package jdiffusion.kernels.cpu;

import jdiffusion.kernels.BackendOpsGoldenTest;
import jdiffusion.tensor.Backend;

class CpuBackendGoldenTest extends BackendOpsGoldenTest {
    @Override protected Backend createBackend() { return new CpuBackend(); }
}
