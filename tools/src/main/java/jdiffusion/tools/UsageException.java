package jdiffusion.tools;

/** Bad command-line arguments; {@link Main} prints the message with a pointer to the command's help and exits with 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) { super(message); }
}
