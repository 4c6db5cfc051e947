package jdiffusion.sd.controlnet.preprocess;

/** A ControlNet preprocessor that cannot run, with the fix in its message. */
public final class PreprocessorException extends RuntimeException {
    public PreprocessorException(String message) { super(message); }
}
