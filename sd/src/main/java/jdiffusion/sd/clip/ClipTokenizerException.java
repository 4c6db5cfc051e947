package jdiffusion.sd.clip;

/** A tokenizer folder that is missing or malformed; the message names the file and where a good one comes from. */
public final class ClipTokenizerException extends RuntimeException {
    public ClipTokenizerException(String message) { super(message); }
    public ClipTokenizerException(String message, Throwable cause) { super(message, cause); }
}
