package jdiffusion.kernels.opencl;

/** A {@code --device} value that is neither {@code cpu}, {@code opencl} nor {@code opencl:N}. */
public final class DeviceSpecException extends IllegalArgumentException {
    public DeviceSpecException(String message) { super(message); }
}
