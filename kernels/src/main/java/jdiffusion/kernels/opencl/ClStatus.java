package jdiffusion.kernels.opencl;

import org.jocl.CL;

/**
 * Turns OpenCL status codes into {@link OpenClException}s. JOCL's own exception mode is a process-wide switch,
 * so the backend checks every return code itself instead.
 */
final class ClStatus {
    private ClStatus() {}

    static void check(int code, String what) {
        if (code != CL.CL_SUCCESS) throw new OpenClException(what + " failed: " + CL.stringFor_errorCode(code));
    }

    static boolean isOutOfMemory(int code) {
        return code == CL.CL_MEM_OBJECT_ALLOCATION_FAILURE || code == CL.CL_OUT_OF_RESOURCES || code == CL.CL_OUT_OF_HOST_MEMORY
                || code == CL.CL_INVALID_BUFFER_SIZE;
    }
}
