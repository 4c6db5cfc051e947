package jdiffusion.kernels.reference;

import jdiffusion.kernels.BackendOpsGoldenTest;
import jdiffusion.tensor.Backend;

class ReferenceBackendGoldenTest extends BackendOpsGoldenTest {
    @Override protected Backend createBackend() { return new ReferenceBackend(); }
}
