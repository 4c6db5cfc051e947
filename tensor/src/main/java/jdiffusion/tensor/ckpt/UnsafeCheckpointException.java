package jdiffusion.tensor.ckpt;

/**
 * A pickle that asks for a global outside the allow-list (such as {@code posix.system}): the file is
 * refused before anything in it could take effect. Nothing in a pickle is ever executed here anyway;
 * refusing keeps files that would attack other loaders from passing as models.
 */
public final class UnsafeCheckpointException extends CheckpointException {
    private final String global;

    public UnsafeCheckpointException(String source, String global) {
        super("refusing to load " + source + ": it asks to call " + global
                + ", which a model checkpoint never needs (it may be malicious)");
        this.global = global;
    }

    /** The refused global as {@code module.name}. */
    public String global() { return global; }
}
