package jdiffusion.sd.checkpoint;

/** A model file or folder cannot be loaded: the message names the file and what to do about it. */
public class ModelLoadException extends RuntimeException {
    public ModelLoadException(String message) { super(message); }

    public ModelLoadException(String message, Throwable cause) { super(message, cause); }
}
