package jdiffusion.sd.extra;

/** An extra network (LoRA, embedding, hypernetwork, wildcard) that cannot be used, with a message naming the file and the fix. */
public final class ExtraNetworkException extends RuntimeException {
    public ExtraNetworkException(String message) { super(message); }

    public ExtraNetworkException(String message, Throwable cause) { super(message, cause); }
}
