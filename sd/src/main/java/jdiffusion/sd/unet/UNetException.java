package jdiffusion.sd.unet;

/** The UNet cannot run: its weights do not fit the configuration, or an input has the wrong shape. */
public final class UNetException extends RuntimeException {
    public UNetException(String message) { super(message); }
}
