package jdiffusion.sd.controlnet;

/** A ControlNet request that cannot run as given; the message names the unit and the fix. */
public final class ControlNetException extends RuntimeException {
    public ControlNetException(String message) { super(message); }
}
