package jdiffusion.sd.pipeline;

/** A generation request that cannot run as given (bad size, missing image, NaNs from a model stage): the message says what and why. */
public class PipelineException extends RuntimeException {
    public PipelineException(String message) { super(message); }

    public PipelineException(String message, Throwable cause) { super(message, cause); }
}
