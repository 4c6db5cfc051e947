package jdiffusion.sd.upscale;

/** An upscaler that cannot run as asked (unknown or unsupported architecture, unknown name, bad size): the message names the file and the fix. */
public class UpscalerException extends RuntimeException {
    public UpscalerException(String message) { super(message); }

    public UpscalerException(String message, Throwable cause) { super(message, cause); }
}
