package jdiffusion.kernels.opencl;

/** An OpenCL call failed, or a tensor cannot be handled on the device; the message names the call and the fix. */
public class OpenClException extends RuntimeException {
    public OpenClException(String message) { super(message); }

    public OpenClException(String message, Throwable cause) { super(message, cause); }
}
