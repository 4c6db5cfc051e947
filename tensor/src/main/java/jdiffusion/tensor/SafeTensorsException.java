package jdiffusion.tensor;

/** A safetensors file that cannot be read; the message names the file, the tensor if any, and the problem. */
public final class SafeTensorsException extends RuntimeException {
    public SafeTensorsException(String message) { super(message); }

    public SafeTensorsException(String message, Throwable cause) { super(message, cause); }
}
