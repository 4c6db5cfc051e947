package jdiffusion.sd.sample;

/** Bad sampler input: unknown sampler or schedule name, impossible step counts, malformed schedules. */
public class SamplingException extends RuntimeException {
    public SamplingException(String message) { super(message); }
}
