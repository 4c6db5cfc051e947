package jdiffusion.nn;

/** A model needs a weight the checkpoint does not have: wrong model family, a damaged file, or a bad key mapping. */
public final class MissingWeightException extends RuntimeException {
    public MissingWeightException(String message) { super(message); }
}
