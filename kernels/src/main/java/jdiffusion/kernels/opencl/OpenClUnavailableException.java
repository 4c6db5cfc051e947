package jdiffusion.kernels.opencl;

/** No usable OpenCL: the native library does not load, no platform is installed, or the asked-for device does not exist. */
public final class OpenClUnavailableException extends OpenClException {
    /** What to install, appended to every "no OpenCL" message. */
    static final String HOW_TO_GET_ONE = "install your GPU vendor's OpenCL driver, or Debian/Ubuntu's pocl-opencl-icd for the CPU";

    public OpenClUnavailableException(String message) { super(message); }
}
