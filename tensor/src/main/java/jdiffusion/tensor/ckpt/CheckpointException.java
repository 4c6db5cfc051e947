package jdiffusion.tensor.ckpt;

/**
 * A model file (.ckpt, .pt, .bin, .safetensors) that cannot be read: the message names the file and the
 * problem. Every failure of this package, malformed input included, surfaces as this type.
 */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) { super(message); }

    public CheckpointException(String message, Throwable cause) { super(message, cause); }
}
