package jdiffusion.kernels.opencl;

import org.junit.jupiter.api.Assumptions;

/**
 * The device OpenCL tests run on. Without an OpenCL platform they skip, except in CI ({@code CI=true}), which
 * installs PoCL and must therefore really run them.
 */
final class OpenClTestDevice {
    private OpenClTestDevice() {}

    static OpenClDevice require() {
        try {
            return OpenClDevices.preferred();
        } catch (OpenClUnavailableException e) {
            if ("true".equalsIgnoreCase(System.getenv("CI")))
                throw new AssertionError("CI must run the OpenCL tests (.ci/run installs pocl-opencl-icd): " + e.getMessage(), e);
            Assumptions.abort(e.getMessage());
            throw e;
        }
    }

    static OpenClBackend backend() { return new OpenClBackend(require()); }
}
